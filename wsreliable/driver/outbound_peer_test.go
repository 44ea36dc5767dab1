package driver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// rmPeer is a minimal WS-RM 1.2 destination of one sequence: it records
// the order ids of new message numbers and the RM requests it answers.
type rmPeer struct {
	mu    sync.Mutex // guards the fields below
	got   []string
	seen  map[uint64]bool
	calls []string
}

func (p *rmPeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	evs, _ := wsreliable.DecodeRM(m, wsreliable.DecodeContext{})
	p.mu.Lock()
	defer p.mu.Unlock()
	ack := func(final string) string {
		return `<wsrm:SequenceAcknowledgement><wsrm:Identifier>urn:peer</wsrm:Identifier><wsrm:AcknowledgementRange Lower="1" Upper="` +
			fmt.Sprint(len(p.seen)) + `"/>` + final + `</wsrm:SequenceAcknowledgement>`
	}
	hdr, body := "", ""
	if len(evs) == 0 && m.Payload.Name().Local == "CreateSequence" {
		p.calls = append(p.calls, "create")
		body = `<wsrm:CreateSequenceResponse><wsrm:Identifier>urn:peer</wsrm:Identifier></wsrm:CreateSequenceResponse>`
	}
	for _, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.CreateSequence:
			p.calls = append(p.calls, "create")
			body = `<wsrm:CreateSequenceResponse><wsrm:Identifier>urn:peer</wsrm:Identifier></wsrm:CreateSequenceResponse>`
		case wsreliable.Message:
			if !p.seen[ev.Number] {
				p.seen[ev.Number] = true
				if id := orderRE.FindSubmatch(m.Doc.Raw()); id != nil {
					p.got = append(p.got, string(id[1]))
				}
			}
			hdr = ack("")
		case wsreliable.Close:
			p.calls = append(p.calls, "close")
			hdr, body = ack("<wsrm:Final/>"), `<wsrm:CloseSequenceResponse><wsrm:Identifier>urn:peer</wsrm:Identifier></wsrm:CloseSequenceResponse>`
		case wsreliable.Terminate:
			p.calls = append(p.calls, "terminate")
			body = `<wsrm:TerminateSequenceResponse><wsrm:Identifier>urn:peer</wsrm:Identifier></wsrm:TerminateSequenceResponse>`
		}
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, rmEnv, hdr, body)
}

func (p *rmPeer) state() (got, calls []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got), slices.Clone(p.calls)
}

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
	return nil, http.StatusAccepted, s.d.SubmitRM(ctx, s.to, "urn:order", payload, hdr.Get(DeliveryIDHeader))
}

func TestDriver_BackendRMAckedThenTerminatedOnStop(t *testing.T) {
	peer := &rmPeer{seen: map[uint64]bool{}}
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
