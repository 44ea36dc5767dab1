package wsnotify

import (
	"encoding/xml"
	"net/http"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// Guard is what the broker's host decides about callers (the gateway's
// broker.security section, gateway/security.go): who sends a request,
// whether they may call its operation, and on which topics they may
// publish and receive. The broker answers a refusal with the fault the
// guard returns (WS-Security 1.1 faults) in the request's SOAP version.
type Guard interface {
	// Admit checks the credentials of m, read from r, and whether its
	// sender may call operation op (the body element's local name:
	// "Subscribe", "Notify", "CreatePullPoint", ...). It returns the
	// caller, whose per-caller bounds apply to what the request creates
	// and who is stored with it, or the fault to answer.
	Admit(r *http.Request, m *soap.Message, op string) (caller.ID, error)
	// AllowTopic returns nil when who may do right on topic t, else the
	// fault (in version v) that refuses it. It is called at Notify for
	// each message's topic (TopicNotify), at Subscribe and
	// GetCurrentMessage for a concrete topic, and for each message
	// delivered to a subscription on a topic (TopicReceive, v 0: the
	// subscription created with a topic expression that may select
	// several topics is refused nothing at Subscribe; what it may not
	// receive is not delivered to it).
	AllowTopic(who caller.ID, right TopicRight, t topic.Path, v soap.Version) error
	// Understood reports the header blocks Admit processes (wsse:Security),
	// which a request may mark mustUnderstand.
	Understood(n xml.Name) bool
}

// TopicRight is what a caller does on a topic.
type TopicRight uint8

const (
	// TopicNotify: publish on the topic (Notify, RegisterPublisher).
	TopicNotify TopicRight = iota + 1
	// TopicReceive: receive what is published on it (Subscribe,
	// GetCurrentMessage, delivery).
	TopicReceive
)

// admit names the caller of req and checks its operation with the guard;
// without one, the caller is the client's address and everything is
// allowed.
func (b *Broker) admit(req *request) error {
	return b.admitAs(req, req.msg.Payload.Name().Local)
}

// admitAs is admit for operation op.
func (b *Broker) admitAs(req *request, op string) error {
	if b.guard == nil {
		req.caller = caller.RemoteAddr(req.r.RemoteAddr)
		return nil
	}
	who, err := b.guard.Admit(req.r, req.msg, op)
	req.caller = who
	return err
}

// consumed returns the header blocks of req the guard processed (a
// wsse:Security header), targeted at the broker: they go no further (a
// Notify kept by the RM destination is stored without them).
func (b *Broker) consumed(req *request) []xmldoc.Element {
	if b.guard == nil {
		return nil
	}
	var out []xmldoc.Element
	for _, h := range req.msg.Headers {
		if b.guard.Understood(h.Name) && h.Targeted(true) {
			out = append(out, h.Element)
		}
	}
	return out
}

// allowTopic checks right on t for req's caller.
func (b *Broker) allowTopic(req *request, right TopicRight, t topic.Path) error {
	if b.guard == nil || right == TopicNotify && req.topicsChecked {
		return nil
	}
	return b.guard.AllowTopic(req.caller, right, t, req.v)
}

// receives reports whether subscription s may be delivered a message on
// t (Guard.AllowTopic).
func (b *Broker) receives(s *subscription, t topic.Path) bool {
	return b.guard == nil || b.guard.AllowTopic(s.rec.Caller, TopicReceive, t, 0) == nil
}
