package driver

import (
	"context"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// refusal answers, at arrival, a request that gives an address the
// egress allow-list (Options.Egress) refuses, since nothing could ever
// reach it (the Client's sends go through the same list and would be
// dropped): WS-RM CreateSequence AcksTo, WS-Reliability Callback ReplyTo
// and PollRequest ReplyTo. Anonymous, none and WS-MC anonymous addresses
// are not sent to, so not checked.
//
// The answers: CreateSequenceRefused for an AcksTo (WS-RM 1.2, 4.6;
// February 2005, 4.7; in the version of the request); for a
// Callback ReplyTo, InvalidReplyPattern in the Response header, as the
// engine answers a refused reply pattern (wsreliable doc.go:
// InvalidReplyPattern goes in the reply); for a PollRequest ReplyTo, the
// SOAP fault InvalidPollRequest, as for a PollRequest the codec cannot read
// (choice: the PollRequest asks for nothing the gateway can do).
func (d *Driver) refusal(ctx context.Context, evs []wsreliable.Event) (wsreliable.Reply, bool) {
	if d.opts.Egress == nil {
		return wsreliable.Reply{}, false
	}
	check := func(to string) error {
		if notSentTo(to) {
			return nil
		}
		return d.opts.Egress.CheckContext(ctx, to)
	}
	for _, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.CreateSequence:
			if err := check(ev.AcksTo); err != nil {
				return wsreliable.Reply{Kind: wsreliable.ReplyFault, Proto: ev.Proto,
					Fault: &wsreliable.Fault{Code: wsreliable.CreateSequenceRefused, Proto: ev.Proto, Why: "AcksTo: " + err.Error()}}, true
			}
		case wsreliable.Message:
			if ev.Proto != wsreliable.Rel || ev.ReplyPattern != wsreliable.Callback {
				continue
			}
			if err := check(ev.ReplyTo); err != nil {
				a := wsreliable.Ack{Proto: wsreliable.Rel, Group: ev.Group, NonSequence: ev.NoSequenceNum,
					Faults: []wsreliable.RangeFault{{Range: wsreliable.Range{Lower: ev.Number, Upper: ev.Number},
						Code: wsreliable.InvalidReplyPattern}}}
				return wsreliable.Reply{Kind: wsreliable.ReplyAccepted, Proto: wsreliable.Rel, Group: ev.Group,
					Acks: []wsreliable.Ack{a}}, true
			}
		case wsreliable.PollRequest:
			if err := check(ev.ReplyTo); err != nil {
				return wsreliable.Reply{Kind: wsreliable.ReplyFault, Proto: wsreliable.Rel,
					Fault: &wsreliable.Fault{Code: wsreliable.InvalidPollRequest, Why: "ReplyTo: " + err.Error()}}, true
			}
		}
	}
	return wsreliable.Reply{}, false
}

// notSentTo reports an address the gateway never posts to.
func notSentTo(addr string) bool {
	return addr == "" || addr == soap.WSAAnonymous || addr == soap.WSAAnonymous2004 || addr == soap.WSANone ||
		strings.HasPrefix(addr, wsreliable.MCAnonymousPrefix)
}
