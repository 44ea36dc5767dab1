package driver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// rmSubmitter is the Backend of a BackendRM driver: it submits each order
// to the peer.
type rmSubmitter struct {
	d  *Driver
	to string
}

func (s *rmSubmitter) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	id := orderRE.FindSubmatch(msg)
	if id == nil {
		return nil, 0, ErrRejected
	}
	payload := fmt.Appendf(nil, `<o:Order xmlns:o="urn:order"><o:Id>%s</o:Id></o:Order>`, id[1])
	return nil, http.StatusAccepted, s.d.SubmitRM(ctx, wsreliable.Submit{Token: hdr.Get(DeliveryIDHeader), To: s.to, Action: "urn:order", Payload: payload}, soap.V11)
}

func TestDriver_BackendRMAckedThenTerminatedOnStop(t *testing.T) {
	peer := newRMDest()
	srv := httptest.NewServer(peer)
	defer srv.Close()
	sub := &rmSubmitter{to: srv.URL}
	d, stop := startRMDriver(t, Config{Name: "Orders", Engine: wsreliable.Config{InOrder: true}, BackendRM: true,
		Backoff: testBackoff, TickInterval: 20 * time.Millisecond}, sub, srv.Client())
	sub.d = d
	seq := createSequence(t, d)
	for n := 1; n <= 4; n++ {
		send(t, d, seq, n)
	}
	want := []string{"1", "2", "3", "4"}
	checkfor.Until(t, 10*time.Second, func() error {
		if got, _ := peer.state(); !slices.Equal(got, want) || d.Stats().QueueDepth != 0 {
			return fmt.Errorf("peer received %v (queue depth %d), want %v and an empty queue", got, d.Stats().QueueDepth, want)
		}
		return nil
	})
	stop()
	if _, calls := peer.state(); !slices.Equal(calls, []string{"create", "close", "terminate"}) {
		t.Errorf("RM requests: got %v, want [create close terminate]", calls)
	}
}

// A destination whose application answers a message with a fault still
// acknowledges it, in the fault's headers: the delivery is settled, not
// retransmitted until given up and then sent again on a new sequence.
func TestDriver_BackendRMAckInFaultSettles(t *testing.T) {
	peer := newRMDest()
	peer.appFault = true
	srv := httptest.NewServer(peer)
	defer srv.Close()
	sub := &rmSubmitter{to: srv.URL}
	d, stop := startRMDriver(t, Config{Name: "Orders", BackendRM: true, Backoff: testBackoff, TickInterval: 10 * time.Millisecond,
		Engine: wsreliable.Config{RetransmitBase: 10 * time.Millisecond, RetransmitMax: 20 * time.Millisecond, MaxRetransmits: 3}},
		sub, srv.Client())
	defer stop()
	sub.d = d
	seq := createSequence(t, d)
	send(t, d, seq, 1)
	waitSettled(t, d)
	if got, _ := peer.state(); !slices.Equal(got, []string{"1"}) || peer.twice() != 0 {
		t.Fatalf("orders the destination received as new messages: got %v (%d delivery IDs as two messages), want [1] once", got, peer.twice())
	}
}
