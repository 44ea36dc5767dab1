package gateway

import (
	"slices"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
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

// reliableOperation names the reliable messaging request msg is, one
// that carries no application payload (carriesPayload is false):
// "AckRequested" for acknowledgement headers alone; "" for a sequence
// message without a body.
func reliableOperation(msg *soap.Message) string {
	if msg.Payload.Valid() {
		return msg.Payload.Name().Local
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

// reliableRule is the operation name and rule of a reliable messaging
// request msg that the driver answers itself: its rule in
// ReliableOperations, else Allow. (A sequence message obeys the rule of
// the operation it carries: ruledOperations.)
func (s *service) reliableRule(msg *soap.Message) (string, wssecurity.Rule) {
	sec := s.cfg.Security
	name := reliableOperation(msg)
	if r, ok := sec.ReliableOperations[name]; ok && name != "" {
		return name, r
	}
	if name == "" {
		name = reliableOp.Name
	}
	return name, sec.Allow
}

// validReliableOperation reports whether name is in ReliableOperationNames.
func validReliableOperation(name string) bool { return slices.Contains(ReliableOperationNames, name) }
