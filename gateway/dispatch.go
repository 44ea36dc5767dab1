package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsdl"
)

// decision is what the gateway decided about one request before
// forwarding it.
type decision struct {
	msg   *soap.Message   // the request, read once
	addr  soap.Addressing // its WS-Addressing properties, for faults
	out   payload         // what is forwarded: slices of msg.Doc.Raw()
	op    *wsdl.Operation
	opCfg OperationConfig
	key   string // partition key; "" when the request has none
	part  *cluster.Partition
	// replica names the replica last tried (forward.go), for the access
	// log.
	replica string
	// reliable: the request goes to the service's reliable messaging
	// driver (reliable.go); out, key and part are not set.
	reliable bool
	// caller sent the request (security.go, callerOf); set by authorize.
	caller caller.ID
	// consumed are header blocks the gateway processed that go no
	// further (the checked wsse:Security header, security.go): out leaves
	// them out, and the reliable driver stores them not.
	consumed []xmldoc.Element
}

// decide reads the request envelope in body (indexed in place, never
// copied) and decides where it goes: content type, guarded read,
// mustUnderstand, WS-Addressing, operation lookup, partition key and
// partition. It is separate from HTTP so that it can be benchmarked.
// Errors are *soap.Fault values; the returned version is the one to answer
// in.
func (s *service) decide(h http.Header, body []byte) (*decision, soap.Version, error) {
	v, action, err := soap.ParseContentType(h)
	if err != nil {
		return nil, guessVersion(h), err
	}
	msg, err := soap.ReadMessageBytes(body, s.limits)
	if err != nil {
		return nil, v, err
	}
	if msg.Version != v {
		return nil, msg.Version, soap.NewFault(msg.Version, soap.FaultUnsupportedMediaType,
			fmt.Sprintf("a SOAP %s envelope sent as %s", msg.Version, h.Get("Content-Type")))
	}
	v = msg.Version
	if !s.versions[v] { // SOAP 1.2 Part 1, 5.4.7: this endpoint does not take v
		return nil, v, soap.VersionMismatch(fmt.Sprintf("service %s does not accept SOAP %s", s.cfg.Name, v)).WithVersion(v)
	}
	// Every fault from here on relates to the request's WS-Addressing
	// properties, when it has them.
	addr, addrErr := soap.ReadAddressing(msg)
	// The gateway forwards to the backend, the ultimate receiver: only
	// blocks for role next are its own to understand (SOAP 1.2 Part 1,
	// 2.4); the rest is the backend's business. MustUnderstand faults come
	// before any other processing (2.6).
	if err := msg.CheckMustUnderstand(false, s.understood); err != nil {
		return nil, v, relate(err, addr)
	}
	if addrErr != nil {
		return nil, v, relate(addrErr, addr)
	}
	if s.isReliable(msg) {
		return &decision{msg: msg, addr: addr, op: reliableOp, reliable: true}, v, nil
	}
	d := &decision{msg: msg, addr: addr, out: forwardedPayload(msg, s.understood)}
	if d.op, err = s.lookup(msg, action, addr); err != nil {
		return nil, v, relate(err, addr)
	}
	d.opCfg = s.cfg.opConfig(d.op.Name)
	if err := s.partition(d); err != nil {
		return nil, v, relate(err, addr)
	}
	return d, v, nil
}

// lookup finds the operation of msg (WS-Addressing 1.0 Metadata, 4.4; the
// wsdl package matches SOAPAction, wsa:Action and the body element).
func (s *service) lookup(msg *soap.Message, action string, addr soap.Addressing) (*wsdl.Operation, error) {
	op, err := s.dispatch.Lookup(dispatchKey(msg, action, addr))
	if err == nil {
		return op, nil
	}
	if s.cfg.Unmatched == UnmatchedForward && errors.Is(err, wsdl.ErrNoOperation) {
		return s.unmatched, nil
	}
	var mm *wsdl.MismatchError
	wsaInvolved := addr.Action != "" && (errors.Is(err, wsdl.ErrNoOperation) || errors.As(err, &mm))
	if wsaInvolved {
		// WS-Addressing 1.0 SOAP Binding 6.4.4.
		return nil, soap.ActionNotSupported(msg.Version, addr.NS, addr.Action).WithCause(err)
	}
	return nil, soap.NewFault(msg.Version, soap.FaultOperationNotFound,
		fmt.Sprintf("service %s: %v", s.cfg.Name, err)).WithCause(err)
}

// dispatchKey is what msg offers for dispatch: its version, SOAPAction
// (action), wsa:Action and body element.
func dispatchKey(msg *soap.Message, action string, addr soap.Addressing) wsdl.Key {
	k := wsdl.Key{Version: msg.Version, SOAPAction: action, WSAAction: addr.Action}
	if msg.Payload.Valid() {
		k.Body = msg.Payload.Name()
	}
	return k
}

// partition takes the partition key from the envelope and picks d.part.
func (s *service) partition(d *decision) error {
	if s.keys == nil {
		d.part = s.cluster.AnyPartition()
		return nil
	}
	key, ok := s.keys.EvalString(d.msg.Envelope)
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		if s.cfg.Key.Missing == MissingAny {
			d.part = s.cluster.AnyPartition()
			return nil
		}
		return keyMissingFault(d.msg.Version, s.cfg.Name)
	}
	d.key = key
	d.part = s.cluster.Partition(key)
	return nil
}
