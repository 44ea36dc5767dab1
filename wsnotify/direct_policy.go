package wsnotify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// Negotiating the direct path (issue 11). A Subscribe asks for it with
// wsgwd:Direct in its SubscriptionPolicy:
//
//	<wsnt:SubscriptionPolicy>
//	  <wsgwd:Direct xmlns:wsgwd="urn:wsgw:direct:1" transport="multicast unicast" required="false"/>
//	</wsnt:SubscriptionPolicy>
//
// and, when it is granted, SubscribeResponse ends with the channel of its
// topic (b-2.xsd: xsd:any ##other after TerminationTime): the group, the
// key, the engine's timings and the senders to follow (direct.Channel).
// Granted needs: this broker has direct paths (Config.Direct), the
// request accepts the broker's transport, the subscription's filter is
// one TopicExpression naming one concrete topic and nothing else (a
// channel carries every message of its topic, as the publisher wrapped
// it), and a channel slot is free. Otherwise a request with
// required="true" gets UnsupportedPolicyRequestFault saying which, and one
// without is an ordinary subscription (no channel in the response: HTTP).
// A broker that does not know the element answers
// UnrecognizedPolicyRequestFault (WS-BaseNotification 1.3, 4.2), so a
// client can tell the two apart.
//
// A direct subscription gets no HTTP delivery of what the channel carried
// to it; whatever the channel did not carry (the broker's sender could
// not take it) it gets over HTTP, at its consumer. Its consumer should be
// a pull point of this broker: Recover (direct_recover.go) puts what its
// agent lost there.
//
// A publisher's agent asks with the same element in RegisterPublisher's
// extension content, with its control address (the channel's senders
// bind its port, the next and so on, one a channel, each told which):
//
//	<wsgwd:Direct xmlns:wsgwd="urn:wsgw:direct:1" control="10.1.2.3:7401"/>
//
// Each concrete topic of the registration gets its channel and a session
// of the publisher's own on it (at most MaxPublishers a channel).
// RegisterPublisherResponse has no extension point (br-2.xsd), so the
// channels go in the wsa:Metadata of its ConsumerReference (WS-Addressing
// 1.0 Core, 2.2: metadata describing the endpoint), which is then the
// registration's own address: the agent sends what it multicast there
// with a wsgwd:Seq header naming its position (direct_notify.go), and
// the broker logs it for recovery and delivers it to the HTTP
// subscribers. A registration that asks nothing, or is granted nothing,
// keeps the broker's NotificationBroker address as its ConsumerReference.

// readDirectPolicy reads wsgwd:Direct in a SubscriptionPolicy.
func readDirectPolicy(e xmldoc.Element, p *subPolicy, now time.Time) error {
	r, err := direct.ParseRequest(e)
	if err != nil {
		return unsupportedPolicy(direct.NameDirect, now, "wsgwd:Direct: "+err.Error())
	}
	p.direct = &r
	return nil
}

// directRefusal says why the direct path cannot be granted to s ("" when
// it can, given a free slot).
func (b *Broker) directRefusal(req *direct.Request, s *subscription) string {
	switch {
	case b.cfg.Direct == nil:
		return "this broker has no direct paths"
	case !req.Accepts(b.cfg.Direct.Transport):
		return "this broker's channels are " + string(b.cfg.Direct.Transport) + ", which the request does not accept"
	case s.topic == nil:
		return "a channel carries one topic: the Filter needs a TopicExpression"
	case s.content != nil || s.props != nil:
		return "a channel carries every message of its topic: no MessageContent or ProducerProperties filter"
	case s.rec.UseRaw:
		return "a channel carries wrapped notifications: not with UseRaw"
	}
	if _, ok := s.topic.Topic(); !ok {
		return "a channel carries one concrete topic: the TopicExpression may select several"
	}
	return ""
}

// grantDirect decides the direct path of subscription s: its channel (held
// for it until releaseChannel), nil for HTTP, or the fault of a required
// path that cannot be granted.
func (b *Broker) grantDirect(ctx context.Context, req *direct.Request, s *subscription, now time.Time) (*channel, error) {
	if req == nil {
		return nil, nil
	}
	why := b.directRefusal(req, s)
	var ch *channel
	if why == "" {
		t, _ := s.topic.Topic()
		var err error
		var no noChannel
		switch ch, err = b.channelFor(ctx, t.String(), s.rec.Caller, now); {
		case errors.As(err, &no):
			why = err.Error()
		case err != nil:
			f := wsnFault(fSubscribeCreationFailed, now, "storing the direct channel failed", "")
			f.Code, f.Cause = soap.CodeReceiver, err
			return nil, f
		}
	}
	if why == "" {
		return ch, nil
	}
	if req.Required {
		return nil, unsupportedPolicy(direct.NameDirect, now, "the direct path cannot be granted: "+why)
	}
	b.log.Debug("wsnotify: direct path not granted; HTTP delivery", "why", why)
	return nil, nil
}

// writeGrantedChannel writes the channel a subscription was granted, after
// SubscribeResponse's standard content.
func (b *Broker) writeGrantedChannel(w *bytes.Buffer, g *directGrant) {
	if g == nil {
		return
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if ch := b.channels[g.Topic]; ch != nil {
		w.Write(b.channelXMLLocked(ch, nil))
	}
}

// readRegDirect reads a RegisterPublisher's wsgwd:Direct (nil when it has
// none, or the broker has no direct paths).
func (b *Broker) readRegDirect(p xmldoc.Element, now time.Time) (*direct.Request, error) {
	e := p.Child(direct.NS, direct.NameDirect.Local)
	if !e.Valid() || b.cfg.Direct == nil {
		return nil, nil
	}
	r, err := direct.ParseRequest(e)
	if err == nil && !r.Control.IsValid() {
		err = errors.New("control (the agent's control address) is required in RegisterPublisher")
	}
	if err != nil {
		return nil, wsnFault(fRegistrationRejected, now, "wsgwd:Direct: "+err.Error(), "")
	}
	if !r.Accepts(b.cfg.Direct.Transport) {
		return nil, nil
	}
	return &r, nil
}

// grantRegDirect gives registration r a session on the channel of each of
// its concrete topics, as MaxPublishers allow; the channels are held until
// the returned release is called.
func (b *Broker) grantRegDirect(ctx context.Context, req *direct.Request, r *registration, now time.Time) (func(), error) {
	rd := &regDirect{}
	var held []*channel
	release := func() {
		for _, ch := range held {
			b.releaseChannel(ch)
		}
	}
	for _, e := range r.topics {
		t, ok := e.Topic()
		if !ok {
			continue
		}
		ch, err := b.channelFor(ctx, t.String(), r.rec.Caller, now)
		if no := noChannel(""); errors.As(err, &no) {
			continue
		}
		if err != nil {
			release()
			f := wsnFault(fRegistrationFailed, now, "storing the direct channel failed", "")
			f.Cause = err
			return nil, f
		}
		held = append(held, ch)
		b.mu.RLock()
		full := b.publishersOnLocked(ch.rec.Topic) >= b.cfg.Direct.MaxPublishers
		b.mu.RUnlock()
		if !full && int(req.Control.Port())+len(rd.Grants) <= 65535 {
			ctl := netip.AddrPortFrom(req.Control.Addr(), req.Control.Port()+uint16(len(rd.Grants)))
			rd.Grants = append(rd.Grants, regGrant{Topic: ch.rec.Topic, Session: randomUint64(), Control: ctl.String()})
		}
	}
	if len(rd.Grants) > 0 {
		r.rec.Direct = rd
	}
	return release, nil
}

// registrationConsumerXML is the ConsumerReference of a registration's
// response: the registration's own address with its channels in the
// metadata when it was granted any, the NotificationBroker otherwise.
func (b *Broker) registrationConsumerXML(rec *regRecord) string {
	if rec.Direct == nil {
		return eprXML("wsn-br:ConsumerReference", b.url(pathBroker))
	}
	var w strings.Builder
	w.WriteString("<wsn-br:ConsumerReference><wsa:Address>" + esc(b.url(pathRegistrations+rec.ID)) + "</wsa:Address><wsa:Metadata>")
	b.mu.RLock()
	for i := range rec.Direct.Grants {
		if ch := b.channels[rec.Direct.Grants[i].Topic]; ch != nil {
			w.Write(b.channelXMLLocked(ch, &rec.Direct.Grants[i]))
		}
	}
	b.mu.RUnlock()
	w.WriteString("</wsa:Metadata></wsn-br:ConsumerReference>")
	return w.String()
}

// grantFor returns the grant of r in session, or nil.
func (rd *regDirect) grantFor(session uint64) *regGrant {
	if rd == nil {
		return nil
	}
	for i := range rd.Grants {
		if rd.Grants[i].Session == session {
			return &rd.Grants[i]
		}
	}
	return nil
}

func sessionHex(s uint64) string { return fmt.Sprintf("%016x", s) }
