package driver

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// refusal answers, at arrival, a request that gives an address the
// egress allow-list (Options.Egress) refuses, since nothing could ever
// reach it (the Client's sends go through the same list and would be
// dropped): the request's WS-Addressing ReplyTo and FaultTo (where the
// backend's reply or fault, or a CreateSequenceResponse, goes), WS-RM
// CreateSequence AcksTo and Offer Endpoint, WS-Reliability Callback
// ReplyTo and PollRequest ReplyTo. Anonymous, none and WS-MC anonymous
// addresses are not sent to, so not checked. Nothing of a refused request
// reaches the engine, and nothing is sent anywhere.
//
// The answers, the fault each spec names for the header or element:
//
//   - wsa:ReplyTo, wsa:FaultTo: wsa:InvalidAddressingHeader with the
//     subsubcode wsa:InvalidAddress and the header's QName in
//     wsa:ProblemHeaderQName (WS-Addressing 1.0 SOAP Binding 6.4.1: "a
//     header representing a Message Addressing Property is not valid",
//     the failure "either structural or semantic"; 6.4.1.1 for an
//     address). (choice) Not wsa:DestinationUnreachable (6.4.3), which is
//     about the message's own [destination], nor wsa:EndpointUnavailable
//     (6.4.5), which invites a retry: this address never becomes
//     reachable. In the 2004/08 namespace the submission's
//     InvalidMessageInformationHeader, without subsubcode.
//   - AcksTo, Offer Endpoint: CreateSequenceRefused (WS-RM 1.2, 4.6;
//     February 2005, 4.7; in the version of the request).
//   - a Callback ReplyTo: InvalidReplyPattern in the Response header, as
//     the engine answers a refused reply pattern (wsreliable doc.go:
//     InvalidReplyPattern goes in the reply).
//   - a PollRequest ReplyTo: the SOAP fault InvalidPollRequest, as for a
//     PollRequest the codec cannot read (choice: the PollRequest asks for
//     nothing the gateway can do).
func (d *Driver) refusal(ctx context.Context, v soap.Version, addr soap.Addressing, evs []wsreliable.Event) (int, http.Header, []byte, bool) {
	if d.opts.Egress == nil {
		return 0, nil, nil, false
	}
	check := func(to string) error {
		if notSentTo(to) {
			return nil
		}
		return d.opts.Egress.CheckContext(ctx, to)
	}
	for _, h := range []struct {
		local string
		epr   *soap.EPR
	}{{"ReplyTo", addr.ReplyTo}, {"FaultTo", addr.FaultTo}} {
		if h.epr == nil {
			continue
		}
		if err := check(h.epr.Address); err != nil {
			f := soap.InvalidAddressingHeader(v, addr.NS, xml.Name{Space: addr.NS, Local: h.local}, "InvalidAddress")
			f.Reason += ": " + h.local + ": " + err.Error()
			// Answered on the HTTP response: the fault endpoint is
			// what is refused.
			st, hd, body := faultAnswer(f.WithAddressing(addr), v)
			return st, hd, body, true
		}
	}
	rm := func(p wsreliable.Protocol, why string, err error) (int, http.Header, []byte, bool) {
		st, hd, body := d.answer(v, addr, []wsreliable.Reply{{Kind: wsreliable.ReplyFault, Proto: p,
			Fault: &wsreliable.Fault{Code: wsreliable.CreateSequenceRefused, Proto: p, Why: why + ": " + err.Error()}}})
		return st, hd, body, true
	}
	for _, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.CreateSequence:
			if err := check(ev.AcksTo); err != nil {
				return rm(ev.Proto, "AcksTo", err)
			}
			if ev.Offer == "" {
				continue
			}
			if err := check(ev.OfferEndpoint); err != nil {
				return rm(ev.Proto, "Offer Endpoint", err)
			}
		case wsreliable.Message:
			if ev.Proto != wsreliable.Rel || ev.ReplyPattern != wsreliable.Callback {
				continue
			}
			if err := check(ev.ReplyTo); err != nil {
				a := wsreliable.Ack{Proto: wsreliable.Rel, Group: ev.Group, NonSequence: ev.NoSequenceNum,
					Faults: []wsreliable.RangeFault{{Range: wsreliable.Range{Lower: ev.Number, Upper: ev.Number},
						Code: wsreliable.InvalidReplyPattern}}}
				st, hd, body := d.answer(v, addr, []wsreliable.Reply{{Kind: wsreliable.ReplyAccepted, Proto: wsreliable.Rel,
					Group: ev.Group, Acks: []wsreliable.Ack{a}}})
				return st, hd, body, true
			}
		case wsreliable.PollRequest:
			if err := check(ev.ReplyTo); err != nil {
				st, hd, body := d.answer(v, addr, []wsreliable.Reply{{Kind: wsreliable.ReplyFault, Proto: wsreliable.Rel,
					Fault: &wsreliable.Fault{Code: wsreliable.InvalidPollRequest, Why: "ReplyTo: " + err.Error()}}})
				return st, hd, body, true
			}
		}
	}
	return 0, nil, nil, false
}

// notSentTo reports an address the gateway never posts to.
func notSentTo(addr string) bool {
	return addr == "" || addr == soap.WSAAnonymous || addr == soap.WSAAnonymous2004 || addr == soap.WSANone ||
		strings.HasPrefix(addr, wsreliable.MCAnonymousPrefix)
}

// sentTo reports an address the gateway posts to (not anonymous, none or
// WS-MC anonymous).
func sentTo(addr string) bool { return !notSentTo(addr) }
