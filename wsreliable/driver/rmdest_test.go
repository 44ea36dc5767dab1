package driver

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// rmDest is a WS-RM 1.2 destination of any number of sequences, for the
// tests of the sending side: it acknowledges what it has received (when
// acks is set, only once it is closed) and records the order id and the
// delivery ID (Wsgw-Delivery-Id) of every new (sequence, number), and the
// RM requests it answers.
type rmDest struct {
	acks chan struct{} // nil: acknowledge at once
	// appFault answers every sequence message with an application fault
	// (carrying the acknowledgement, as a destination does).
	appFault bool
	gotFirst chan struct{} // closed when the first message arrives
	closed   chan struct{} // closed when the first CloseSequence arrives
	onceMsg  sync.Once
	onceCl   sync.Once

	mu     sync.Mutex // guards the fields below
	seqs   int
	recv   map[string]wsreliable.RangeSet // sequence -> numbers received
	orders []string                       // order ids of new messages, in arrival order
	ids    map[string]map[string]bool     // delivery ID -> "sequence#number"
	calls  []string                       // create, close, terminate
}

func newRMDest() *rmDest {
	return &rmDest{gotFirst: make(chan struct{}), closed: make(chan struct{}),
		recv: map[string]wsreliable.RangeSet{}, ids: map[string]map[string]bool{}}
}

func (p *rmDest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	evs, _ := wsreliable.DecodeRM(m, wsreliable.DecodeContext{NewID: "-"})
	p.mu.Lock()
	defer p.mu.Unlock()
	hdr, body := "", ""
	for _, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.CreateSequence:
			p.seqs++
			p.calls = append(p.calls, "create")
			body = fmt.Sprintf(`<wsrm:CreateSequenceResponse><wsrm:Identifier>urn:dest:%d</wsrm:Identifier></wsrm:CreateSequenceResponse>`, p.seqs)
		case wsreliable.Message:
			if !p.recv[ev.Group].Contains(ev.Number) {
				p.recv[ev.Group] = p.recv[ev.Group].Add(ev.Number)
				id := r.Header.Get(DeliveryIDHeader)
				if p.ids[id] == nil {
					p.ids[id] = map[string]bool{}
				}
				p.ids[id][fmt.Sprint(ev.Group, "#", ev.Number)] = true
				if o := orderRE.FindSubmatch(m.Doc.Raw()); o != nil {
					p.orders = append(p.orders, string(o[1]))
				}
			}
			p.onceMsg.Do(func() { close(p.gotFirst) })
			hdr = p.ackLocked(ev.Group, "")
			if p.appFault {
				body = `<s:Fault><faultcode>s:Client</faultcode><faultstring>order refused</faultstring></s:Fault>`
			}
		case wsreliable.Close:
			p.calls = append(p.calls, "close")
			p.onceCl.Do(func() { close(p.closed) })
			hdr, body = p.ackLocked(ev.Group, "<wsrm:Final/>"), `<wsrm:CloseSequenceResponse><wsrm:Identifier>`+ev.Group+`</wsrm:Identifier></wsrm:CloseSequenceResponse>`
		case wsreliable.Terminate:
			p.calls = append(p.calls, "terminate")
			body = `<wsrm:TerminateSequenceResponse><wsrm:Identifier>` + ev.Group + `</wsrm:Identifier></wsrm:TerminateSequenceResponse>`
		}
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, rmEnv, hdr, body)
}

// ackLocked is the SequenceAcknowledgement of seq, "" while acks is
// withheld. mu must be held.
func (p *rmDest) ackLocked(seq, final string) string {
	if p.acks != nil {
		select {
		case <-p.acks:
		default:
			return ""
		}
	}
	var b strings.Builder
	b.WriteString(`<wsrm:SequenceAcknowledgement><wsrm:Identifier>` + seq + `</wsrm:Identifier>`)
	for _, rg := range p.recv[seq] {
		fmt.Fprintf(&b, `<wsrm:AcknowledgementRange Lower="%d" Upper="%d"/>`, rg.Lower, rg.Upper)
	}
	return b.String() + final + `</wsrm:SequenceAcknowledgement>`
}

// state returns the order ids received and the RM requests answered.
func (p *rmDest) state() (orders, calls []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.orders), slices.Clone(p.calls)
}

// has reports whether the order id was received.
func (p *rmDest) has(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.orders, id)
}

// twice counts the delivery IDs that came as more than one message.
func (p *rmDest) twice() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, msgs := range p.ids {
		if len(msgs) > 1 {
			n++
		}
	}
	return n
}
