package driver

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// NSReplyRequest is the namespace of wsgw's WS-Reliability reply pickup
// extension.
//
// WS-Reliability 1.1 guarantees the delivery of a request, but has no
// message with which a sender collects the business reply to it: its
// PollRequest returns acknowledgements (and faults) only, and with the
// Response reply pattern the reply would ride on the HTTP response, which
// store-and-forward answers long before the backend sees the request. So
// wsgw keeps the backend's reply to a WS-Reliability message and gives it
// out once, on request:
//
//	<soap:Body>
//	  <wsgwr:ReplyRequest xmlns:wsgwr="urn:wsgw:reliability:reply"
//	      groupId="urn:uuid:..." number="3"/>
//	</soap:Body>
//
// number is the message's SequenceNum/@number (absent or 0 for a group
// without sequence numbers). The answer is the reply envelope as the
// backend wrote it (200), or 202 with no body while there is none (not
// delivered yet, a one-way operation, or already collected). Whoever knows
// a groupId can collect its replies: choose unguessable groupIds (UUIDs).
const NSReplyRequest = "urn:wsgw:reliability:reply"

// IsReplyRequest reports whether m is a wsgw ReplyRequest (NSReplyRequest).
func IsReplyRequest(m *soap.Message) bool {
	return m.Payload.Valid() && m.Payload.Name().Space == NSReplyRequest && m.Payload.Name().Local == "ReplyRequest"
}

// relReplyAddress is where the reply to a WS-Reliability delivery waits.
func relReplyAddress(group string, number uint64) string {
	return "wsrel:" + group + "#" + strconv.FormatUint(number, 10)
}

// replyRequest answers a ReplyRequest.
// done receives the lease of the reply given (see takeReply).
func (d *Driver) replyRequest(ctx context.Context, m *soap.Message, done *func(bool)) (int, http.Header, []byte) {
	v := m.Version
	group, _ := m.Payload.Attr("", "groupId")
	group = strings.TrimSpace(group)
	num, _ := m.Payload.Attr("", "number")
	n, err := strconv.ParseUint(strings.TrimSpace(num), 10, 64)
	if num == "" {
		n, err = 0, nil
	}
	if group == "" || err != nil {
		return faultAnswer(soap.Sender("ReplyRequest needs a groupId and, if given, a numeric number.",
			(&wsreliable.Fault{Code: wsreliable.InvalidPollRequest}).SOAP(v).Subcodes...), v)
	}
	if body, settle, ok := d.takeReply(ctx, relReplyAddress(group, n)); ok {
		*done = settle
		return okAnswer(v, body)
	}
	return http.StatusAccepted, http.Header{}, nil
}
