package natsstore

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/wsgw/wsgw/wsreliable/driver"
)

// Forwarding (driver.Forwarder): a request for a sequence another node
// holds goes to that node's subject P.fwd.{node} as a NATS request, its
// HTTP headers as the message's, its body as the data; the answer comes
// back the same way, its status in the Wsgw-Status header.

const statusHeader = "Wsgw-Status"

// maxForwarded bounds the forwarded requests a node answers at once.
const maxForwarded = 256

func (r *Reliable) forwardSubject(node string) string {
	return servicePrefix(r.o.Service) + ".fwd." + node
}

// Forward implements driver.Forwarder.
func (r *Reliable) Forward(ctx context.Context, node string, req driver.HTTPMessage) (driver.HTTPMessage, error) {
	m := nats.NewMsg(r.forwardSubject(node))
	for k, vs := range req.Header {
		m.Header[k] = vs
	}
	m.Data = req.Body
	resp, err := r.nc.RequestMsgWithContext(ctx, m)
	if err != nil {
		return driver.HTTPMessage{}, fmt.Errorf("natsstore: forwarding to %s: %w", node, err)
	}
	status, err := strconv.Atoi(resp.Header.Get(statusHeader))
	if err != nil {
		return driver.HTTPMessage{}, fmt.Errorf("natsstore: forwarding to %s: an answer without status", node)
	}
	h := httpHeader(resp.Header)
	h.Del(statusHeader)
	return driver.HTTPMessage{Status: status, Header: h, Body: resp.Data}, nil
}

// httpHeader returns h as an http.Header, its keys canonical (NATS keeps
// a header's case as sent; http.Header.Get looks for the canonical one).
func httpHeader(h nats.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		for _, v := range vs {
			out.Add(k, v)
		}
	}
	return out
}

// Serve implements driver.Forwarder: each request is answered on a
// goroutine of its own, at most maxForwarded at once.
func (r *Reliable) Serve(ctx context.Context, fn func(context.Context, driver.HTTPMessage) driver.HTTPMessage) error {
	sem := make(chan struct{}, maxForwarded)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex // guards closed, and wg's Add against its Wait
		closed bool
	)
	sub, err := r.nc.Subscribe(r.forwardSubject(r.o.Node), func(m *nats.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			return
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			ans := fn(ctx, driver.HTTPMessage{Header: httpHeader(m.Header), Body: m.Data})
			out := nats.NewMsg(m.Reply)
			for k, vs := range ans.Header {
				out.Header[k] = vs
			}
			out.Header.Set(statusHeader, strconv.Itoa(ans.Status))
			out.Data = ans.Body
			m.RespondMsg(out) //nolint:errcheck // the requester times out
		})
	})
	if err != nil {
		return fmt.Errorf("natsstore: serving forwarded requests: %w", err)
	}
	<-ctx.Done()
	sub.Unsubscribe() //nolint:errcheck // closing
	mu.Lock()
	closed = true
	mu.Unlock()
	wg.Wait()
	return nil
}
