package driver

import (
	"context"
	"net/http"
	"slices"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// Requests for a sequence another node holds (Options.Cluster; doc.go,
// "Several nodes") are forwarded to it: the request's bytes and the
// headers the driver reads go to the holder (Forwarder), which answers
// it as its own, and its answer is this node's.

// forwardedHeaders are the request headers a forwarded request carries:
// those the driver reads.
var forwardedHeaders = []string{"Content-Type", "SOAPAction"}

// routed is where route sends a request: answered here (shard, -1 for
// none), or answered elsewhere (answer set).
type routed struct {
	shard  int
	answer *HTTPMessage
}

// route decides where a request is answered: here when this node holds
// the shard of its sequence (routeScope) or it names none, else at the
// shard's holder, which answers the request forwarded to it. A forwarded
// request is never forwarded again: when its shard is not here (it moved
// since), or when it has no holder (being moved), it is refused (busy:
// the client retries and finds it).
//
// The holder gets the request without the consumed header blocks (see
// HandleRequestDone): they were checked here, and must not be stored there.
func (d *Driver) route(ctx context.Context, msg *soap.Message, hdr http.Header, evs []wsreliable.Event, consumed []xmldoc.Element, forwarded bool) routed {
	scope := routeScope(evs)
	if scope == "" {
		return routed{shard: -1}
	}
	s := d.cl.ShardOf(scope)
	if d.shards.holds(s) {
		return routed{shard: s}
	}
	v, _ := d.cl.View()
	holder := ""
	if s < len(v.Holders) {
		holder = v.Holders[s]
	}
	if forwarded || holder == "" || holder == d.cl.Node() || !slices.Contains(v.Live, holder) {
		return routed{answer: busyMessage(msg.Version, errMoved.Error())}
	}
	req := HTTPMessage{Header: http.Header{}, Body: withoutHeaders(msg, func(h soap.HeaderBlock) bool {
		return slices.Contains(consumed, h.Element)
	})}
	for _, k := range forwardedHeaders {
		if vs := hdr.Values(k); len(vs) > 0 {
			req.Header[http.CanonicalHeaderKey(k)] = vs
		}
	}
	fctx, cancel := context.WithTimeout(ctx, d.cfg.DeliveryTimeout)
	defer cancel()
	ans, err := d.cl.Forward(fctx, holder, req)
	if err != nil {
		d.log.Warn("forwarding a request to the node holding its sequence", "node", holder, "shard", s, "err", err)
		return routed{answer: busyMessage(msg.Version, "the node holding the sequence did not answer")}
	}
	return routed{answer: &ans}
}

// serveForwarded answers the requests other nodes forward to this one
// until ctx ends.
func (d *Driver) serveForwarded(ctx context.Context) {
	err := d.cl.Serve(ctx, func(ctx context.Context, req HTTPMessage) HTTPMessage {
		msg, err := soap.ReadMessageBytes(req.Body, xmldoc.Limits{})
		if err != nil { // read once by the node that forwarded it: not expected
			status, h, body := faultAnswer(soap.Sender("The forwarded message cannot be read: "+err.Error()), soap.V11)
			return HTTPMessage{Status: status, Header: h, Body: body}
		}
		done := func(bool) {}
		status, h, body := d.handle(ctx, msg, req.Header, &done, nil, true)
		return HTTPMessage{Status: status, Header: h, Body: body}
	})
	if err != nil && ctx.Err() == nil {
		d.log.Error("serving forwarded requests stopped", "err", err)
	}
}

// busyMessage is busyAnswer as an HTTPMessage.
func busyMessage(v soap.Version, why string) *HTTPMessage {
	status, h, body := busyAnswer(v, why)
	return &HTTPMessage{Status: status, Header: h, Body: body}
}
