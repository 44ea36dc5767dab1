package driver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// gatedPeer is a WS-RM 1.2 destination that acknowledges nothing until
// acks is closed. It records the order of every new (sequence, number).
type gatedPeer struct {
	acks     chan struct{} // closed: acknowledge messages
	gotFirst chan struct{} // closed when the first message arrives
	closed   chan struct{} // closed when the first CloseSequence arrives

	mu      sync.Mutex // guards the fields below
	seqs    int
	seen    map[string]bool
	got     []string
	onceMsg sync.Once
	onceCl  sync.Once
}

func newGatedPeer() *gatedPeer {
	return &gatedPeer{acks: make(chan struct{}), gotFirst: make(chan struct{}), closed: make(chan struct{}),
		seen: map[string]bool{}}
}

func (p *gatedPeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	evs, _ := wsreliable.DecodeRM(m, wsreliable.DecodeContext{NewID: "-"})
	p.mu.Lock()
	defer p.mu.Unlock()
	ack := func(seq, final string) string {
		select {
		case <-p.acks:
		default:
			return ""
		}
		n := 0
		for k := range p.seen {
			if len(k) > len(seq) && k[:len(seq)+1] == seq+"#" {
				n++
			}
		}
		return `<wsrm:SequenceAcknowledgement><wsrm:Identifier>` + seq + `</wsrm:Identifier><wsrm:AcknowledgementRange Lower="1" Upper="` +
			fmt.Sprint(n) + `"/>` + final + `</wsrm:SequenceAcknowledgement>`
	}
	hdr, body := "", ""
	for _, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.CreateSequence:
			p.seqs++
			body = fmt.Sprintf(`<wsrm:CreateSequenceResponse><wsrm:Identifier>urn:peer:%d</wsrm:Identifier></wsrm:CreateSequenceResponse>`, p.seqs)
		case wsreliable.Message:
			if k := ev.Group + "#" + fmt.Sprint(ev.Number); !p.seen[k] {
				p.seen[k] = true
				if id := orderRE.FindSubmatch(m.Doc.Raw()); id != nil {
					p.got = append(p.got, string(id[1]))
				}
			}
			p.onceMsg.Do(func() { close(p.gotFirst) })
			hdr = ack(ev.Group, "")
		case wsreliable.Close:
			p.onceCl.Do(func() { close(p.closed) })
			hdr, body = ack(ev.Group, "<wsrm:Final/>"), `<wsrm:CloseSequenceResponse><wsrm:Identifier>`+ev.Group+`</wsrm:Identifier></wsrm:CloseSequenceResponse>`
		case wsreliable.Terminate:
			body = `<wsrm:TerminateSequenceResponse><wsrm:Identifier>` + ev.Group + `</wsrm:Identifier></wsrm:TerminateSequenceResponse>`
		}
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, rmEnv, hdr, body)
}

func (p *gatedPeer) orders() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// lateAckBackend submits each order to the peer over WS-RM. Its first
// attempt gives up once the peer has the message and before the peer
// acknowledges it (as an attempt timing out would); the peer acknowledges
// only then. Later attempts start once the acknowledgement has been
// processed: the idle sequence was closed.
type lateAckBackend struct {
	d        *Driver
	peer     *gatedPeer
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
		return b.d.SubmitRM(ctx, b.to, "urn:order", payload, hdr.Get(DeliveryIDHeader))
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
	peer := newGatedPeer()
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
	if got := peer.orders(); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("orders the peer received as new messages: got %v, want [1]", got)
	}
}
