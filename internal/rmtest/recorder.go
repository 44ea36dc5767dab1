// Package rmtest holds what tests of several packages share to play a
// consumer of deliveries: a plain or WS-RM 1.2 recording endpoint.
package rmtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// Recorder is a consumer for tests: plain (every request it is sent) or
// WS-RM 1.2
// (a destination of any number of sequences, acknowledging what it got).
// It records, in arrival order, the payload ids of the new messages and,
// by the broker's delivery id, how often each came. down makes it answer
// 503.
type Recorder struct {
	*httptest.Server
	mu      sync.Mutex // guards the fields below
	down    bool
	got     []string       // payload ids, new messages only (per sequence and number for WS-RM)
	ids     map[string]int // delivery id -> times received
	seqs    map[string]wsreliable.RangeSet
	nseq    int
	calls   int
	payload *regexp.Regexp
}

// New starts a Recorder whose payload ids are the first submatch of
// payload in each request, until the test ends.
func New(t testing.TB, payload *regexp.Regexp) *Recorder {
	r := &Recorder{ids: map[string]int{}, seqs: map[string]wsreliable.RangeSet{}, payload: payload}
	r.Server = httptest.NewServer(r)
	t.Cleanup(r.Close)
	return r
}

// SetDown makes the recorder answer 503 (down) or take requests again.
func (r *Recorder) SetDown(down bool) { r.mu.Lock(); r.down = down; r.mu.Unlock() }

func (r *Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := req.Header.Get(wsreliable.DeliveryIDHeader)
	if !wsreliable.IsRM(m) {
		r.ids[id]++
		for _, p := range r.payload.FindAllSubmatch(b, -1) {
			r.got = append(r.got, string(p[1]))
		}
		w.WriteHeader(http.StatusAccepted)
		return
	}
	evs, _ := wsreliable.DecodeRM(m, wsreliable.DecodeContext{NewID: "-"})
	hdr, body := "", ""
	for _, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.CreateSequence:
			r.nseq++
			// Identifiers are globally unique (WS-RM 1.2, 3.4): this
			// recorder's address is in them.
			body = fmt.Sprintf(`<wsrm:CreateSequenceResponse><wsrm:Identifier>urn:rmtest:%s:%d</wsrm:Identifier></wsrm:CreateSequenceResponse>`,
				req.Host, r.nseq)
		case wsreliable.Message:
			if !r.seqs[ev.Group].Contains(ev.Number) {
				r.seqs[ev.Group] = r.seqs[ev.Group].Add(ev.Number)
				r.ids[id]++
				for _, p := range r.payload.FindAllSubmatch(b, -1) {
					r.got = append(r.got, string(p[1]))
				}
			}
			hdr = r.ackLocked(ev.Group, "")
		case wsreliable.Close:
			hdr = r.ackLocked(ev.Group, "<wsrm:Final/>")
			body = `<wsrm:CloseSequenceResponse><wsrm:Identifier>` + ev.Group + `</wsrm:Identifier></wsrm:CloseSequenceResponse>`
		case wsreliable.Terminate:
			body = `<wsrm:TerminateSequenceResponse><wsrm:Identifier>` + ev.Group + `</wsrm:Identifier></wsrm:TerminateSequenceResponse>`
		}
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsrm="%s"><s:Header>%s</s:Header><s:Body>%s</s:Body></s:Envelope>`,
		wsreliable.NSRM, hdr, body)
}

func (r *Recorder) ackLocked(seq, final string) string {
	var b strings.Builder
	b.WriteString(`<wsrm:SequenceAcknowledgement><wsrm:Identifier>` + seq + `</wsrm:Identifier>`)
	for _, rg := range r.seqs[seq] {
		fmt.Fprintf(&b, `<wsrm:AcknowledgementRange Lower="%d" Upper="%d"/>`, rg.Lower, rg.Upper)
	}
	return b.String() + final + `</wsrm:SequenceAcknowledgement>`
}

// Received returns the payload ids received, in order.
func (r *Recorder) Received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// Twice counts the delivery ids received more than once (as more than
// one WS-RM message, or more than one plain request).
func (r *Recorder) Twice() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.ids {
		if c > 1 {
			n++
		}
	}
	return n
}

// Sequences counts the WS-RM sequences that carried messages.
func (r *Recorder) Sequences() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.seqs) }

// DeliveryIDs returns the distinct delivery ids received.
func (r *Recorder) DeliveryIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.ids))
	for id := range r.ids {
		out = append(out, id)
	}
	return out
}

// Calls counts the requests received, those answered 503 (down) included.
func (r *Recorder) Calls() int { r.mu.Lock(); defer r.mu.Unlock(); return r.calls }
