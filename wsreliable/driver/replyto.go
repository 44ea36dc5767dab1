package driver

import (
	"context"
	"net/http"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// Where answers go (WS-Addressing 1.0 Core 3.4). The answer to a WS-RM
// protocol request (CreateSequence, CloseSequence, TerminateSequence) is
// a reply: it goes to the request's [reply endpoint], a fault to its
// [fault endpoint] (or, without one, the reply endpoint). An anonymous
// endpoint is the HTTP response; none discards the answer; any other
// address (checked at arrival, refusal.go) gets the answer POSTed, and
// the request is answered 202 with no body (WS-Addressing 1.0 SOAP
// Binding 5.2.1, non-anonymous response endpoint). The backend's reply to
// a sequence message goes the same way, later (consume.go, replyTo).
// (choice) Acknowledgements are not replies: they go where AcksTo says;
// and faults about a sequence message stay on its HTTP response, where
// the RM Source that sent it reads them.

// protocolRequest reports whether evs are a WS-RM protocol request whose
// answer is a reply.
func protocolRequest(evs []wsreliable.Event) bool {
	if len(evs) != 1 {
		return false
	}
	switch evs[0].(type) {
	case wsreliable.CreateSequence, wsreliable.Close, wsreliable.Terminate:
		return true
	}
	return false
}

// endpointOf returns the address an answer to a request with the
// addressing properties addr goes to: its fault endpoint for a fault when
// it has one, else its reply endpoint; "" when that is anonymous.
func endpointOf(addr soap.Addressing, fault bool) string {
	to := addr.ReplyTo
	if fault && addr.FaultTo != nil {
		to = addr.FaultTo
	}
	if to.IsAnonymous() {
		return ""
	}
	return to.Address
}

// answerTo writes the answer to a protocol request: on the response, or
// to the request's reply or fault endpoint (see above).
func (d *Driver) answerTo(ctx context.Context, v soap.Version, addr soap.Addressing, evs []wsreliable.Event, replies []wsreliable.Reply) (int, http.Header, []byte) {
	fault := false
	for _, r := range replies {
		fault = fault || r.Kind == wsreliable.ReplyFault
	}
	to := ""
	if protocolRequest(evs) {
		to = endpointOf(addr, fault)
	}
	if to == "" {
		return d.answer(v, addr, replies)
	}
	if to != soap.WSANone {
		_, body := wsreliable.EncodeReplies(wsreliable.EncodeContext{Version: v, Request: addr, Self: d.cfg.Self, To: to}, replies)
		d.post(context.WithoutCancel(ctx), to, v, body, replyAction(replies))
	}
	return http.StatusAccepted, http.Header{}, nil
}

// replyAction is the wsa:Action of the answer made of replies (for the
// SOAP 1.1 SOAPAction of the POST).
func replyAction(replies []wsreliable.Reply) string {
	for _, r := range replies {
		switch r.Kind {
		case wsreliable.ReplyFault:
			return wsreliable.ActionFault
		case wsreliable.ReplyCreated:
			return wsreliable.ActionCreateSequenceResponse
		case wsreliable.ReplyClosed:
			return wsreliable.ActionCloseSequenceResponse
		case wsreliable.ReplyTerminated:
			return wsreliable.ActionTerminateSequenceResponse
		}
	}
	return ""
}
