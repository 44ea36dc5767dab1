package gateway

import (
	"slices"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
	"github.com/wsgw/wsgw/wssecurity"
)

// ReliableOperationNames are the reliable messaging requests a reliable
// service's security section may give rules for
// (ServiceSecurity.ReliableOperations): the WS-RM protocol requests
// (WS-RM 1.2, 3.4-3.8: CreateSequence, CloseSequence, TerminateSequence,
// and AckRequested for a request that carries acknowledgement headers
// only), WS-MakeConnection's MakeConnection, WS-Reliability's PollRequest
// and wsgw's ReplyRequest. A sequence message obeys the rule of the
// operation it carries.
var ReliableOperationNames = []string{"CreateSequence", "CloseSequence", "TerminateSequence", "AckRequested",
	"MakeConnection", "PollRequest", "ReplyRequest"}

// reliableOperation names the reliable messaging request msg is; "" for a
// sequence message, which carries an application request.
func reliableOperation(msg *soap.Message) string {
	if msg.Payload.Valid() {
		switch n := msg.Payload.Name(); n.Space {
		case wsreliable.NSRM, wsreliable.NSRM200502, wsreliable.NSMC, driver.NSReplyRequest:
			return n.Local
		}
		return ""
	}
	name := "AckRequested"
	for _, h := range msg.Headers {
		switch {
		case h.Name.Space == wsreliable.NSRel && h.Name.Local == "PollRequest":
			return "PollRequest"
		case h.Name.Local == "Sequence" || h.Name.Space == wsreliable.NSRel && h.Name.Local == "Request":
			name = "" // a sequence message without a body
		}
	}
	return name
}

// reliableRule is the operation name and rule a reliable request d of s
// obeys: a reliable messaging request's rule in ReliableOperations (else
// Allow); for a sequence message, the rule of the operation it carries
// (Operations, else Allow), so that no operation's rule is bypassed by
// sending it in a sequence.
func (s *service) reliableRule(d *decision) (string, wssecurity.Rule) {
	sec := s.cfg.Security
	if name := reliableOperation(d.msg); name != "" {
		if r, ok := sec.ReliableOperations[name]; ok {
			return name, r
		}
		return name, sec.Allow
	}
	if op, err := s.lookup(d.msg, d.action, d.addr); err == nil {
		return op.Name, sec.rule(op.Name)
	}
	// Named by nothing in the WSDL: the delivery will be refused by the
	// backend's dispatch (clusterBackend), and meanwhile Allow applies.
	return reliableOp.Name, sec.Allow
}

// validReliableOperation reports whether name is in ReliableOperationNames.
func validReliableOperation(name string) bool { return slices.Contains(ReliableOperationNames, name) }
