package driver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// lateAckBackend submits each order to the peer over WS-RM. Its first
// attempt gives up once the peer has the message and before the peer
// acknowledges it (as an attempt timing out would); the peer acknowledges
// only then. Later attempts start once the acknowledgement has been
// processed: the idle sequence was closed.
type lateAckBackend struct {
	d        *Driver
	peer     *rmDest
	to       string
	attempts atomic.Int32
}

func (b *lateAckBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	id := orderRE.FindSubmatch(msg)
	if id == nil {
		return nil, 0, ErrRejected
	}
	payload := fmt.Appendf(nil, `<o:Order xmlns:o="urn:order"><o:Id>%s</o:Id></o:Order>`, id[1])
	submit := func(ctx context.Context) error {
		return b.d.SubmitRM(ctx, wsreliable.Submit{Token: hdr.Get(DeliveryIDHeader), To: b.to, Action: "urn:order", Payload: payload}, soap.V11)
	}
	if b.attempts.Add(1) == 1 {
		actx, timeout := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() { errc <- submit(actx) }()
		select {
		case <-b.peer.gotFirst:
		case err := <-errc:
			timeout()
			return nil, 0, fmt.Errorf("first attempt ended early: %v", err)
		}
		timeout() // the attempt times out with the message sent, not acknowledged
		err := <-errc
		close(b.peer.acks) // the acknowledgement arrives late
		return nil, 0, fmt.Errorf("first attempt: %w", err)
	}
	select {
	case <-b.peer.closed: // the late acknowledgement has been processed
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	return nil, http.StatusAccepted, submit(ctx)
}

// A WS-RM peer's acknowledgement that arrives after the delivery attempt
// waiting for it gave up must still count: the queue's retry of that
// delivery is answered "acknowledged", not submitted again under a new
// message number (issue 8: S4 sent as #4 and #5).
func TestSubmitRM_LateAckNotSentAgain(t *testing.T) {
	peer := newRMDest()
	peer.acks = make(chan struct{})
	srv := httptest.NewServer(peer)
	defer srv.Close()
	b := &lateAckBackend{peer: peer, to: srv.URL}
	d, stop := startRMDriver(t, Config{Name: "Orders", BackendRM: true, Backoff: testBackoff,
		Engine:       wsreliable.Config{RetransmitBase: 20 * time.Millisecond, RetransmitMax: 100 * time.Millisecond},
		TickInterval: 10 * time.Millisecond, OutboundIdle: 50 * time.Millisecond}, b, srv.Client())
	defer stop()
	b.d = d
	seq := createSequence(t, d)
	send(t, d, seq, 1)
	checkfor.True(t, 10*time.Second, "the delivery to be settled", func() bool {
		return b.attempts.Load() >= 2 && d.Stats().QueueDepth == 0
	})
	if got, _ := peer.state(); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("orders the peer received as new messages: got %v, want [1]", got)
	}
}
