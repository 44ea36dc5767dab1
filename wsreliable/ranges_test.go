package wsreliable

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// numbers lists the members of s (small sets only).
func numbers(s RangeSet) []uint64 {
	var out []uint64
	for _, r := range s {
		for n := r.Lower; n <= r.Upper; n++ {
			out = append(out, n)
		}
	}
	return out
}

// randomRanges returns up to 8 ranges within 0..40, in any order.
func randomRanges(rng *rand.Rand) []Range {
	out := make([]Range, rng.IntN(8))
	for i := range out {
		lo := rng.Uint64N(40)
		out[i] = Range{lo, lo + rng.Uint64N(6)}
	}
	return out
}

// NewRangeSet, Union, Intersect and Subtract agree with AddRange and
// Contains, number by number.
func TestRangeSet_SetOperationsAgreeWithAddRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	slow := func(rs []Range) RangeSet {
		var s RangeSet
		for _, r := range rs {
			s = s.AddRange(r)
		}
		return s
	}
	filter := func(a RangeSet, keep func(uint64) bool) []uint64 {
		var out []uint64
		for _, n := range numbers(a) {
			if keep(n) {
				out = append(out, n)
			}
		}
		return out
	}
	for range 2000 {
		ra, rb := randomRanges(rng), randomRanges(rng)
		a, b := NewRangeSet(ra...), NewRangeSet(rb...)
		if want := slow(ra); a.String() != want.String() {
			t.Fatalf("NewRangeSet(%v): got %v, want %v", ra, a, want)
		}
		if got, want := a.Union(b).String(), slow(append(slices.Clone(ra), rb...)).String(); got != want {
			t.Fatalf("%v ∪ %v: got %v, want %v", a, b, got, want)
		}
		if got, want := numbers(a.Intersect(b)), filter(a, b.Contains); !slices.Equal(got, want) {
			t.Fatalf("%v ∩ %v: got %v, want %v", a, b, got, want)
		}
		if got, want := numbers(a.Subtract(b)), filter(a, func(n uint64) bool { return !b.Contains(n) }); !slices.Equal(got, want) {
			t.Fatalf("%v - %v: got %v, want %v", a, b, got, want)
		}
		for _, s := range []RangeSet{a.Intersect(b), a.Subtract(b)} {
			if got := NewRangeSet(s...).String(); got != s.String() {
				t.Fatalf("result %v is not sorted, disjoint and non-adjacent (normalised: %v)", s, got)
			}
		}
	}
}

// allocatedBy returns the bytes f allocates.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A peer chooses how many AcknowledgementRange elements (or
// SequenceNumRange elements of a PollRequest) it sends, up to the reader's
// element limit. Decoding them must cost memory in proportion, not in
// proportion to their square (each range added copying the set).
func TestDecode_ManyRangesCostLinearMemory(t *testing.T) {
	const n = 20000
	var acks, polls strings.Builder
	for i := n; i > 0; i-- { // descending: each would go first
		fmt.Fprintf(&acks, `<wsrm:AcknowledgementRange Lower="%d" Upper="%d"/>`, 2*i, 2*i)
		fmt.Fprintf(&polls, `<r:SequenceNumRange from="%d" to="%d"/>`, 2*i, 2*i)
	}
	ack := `<s:Envelope xmlns:s="` + soap.NS11 + `" xmlns:wsrm="` + NSRM + `"><s:Header><wsrm:SequenceAcknowledgement>` +
		`<wsrm:Identifier>urn:s</wsrm:Identifier>` + acks.String() + `</wsrm:SequenceAcknowledgement></s:Header><s:Body/></s:Envelope>`
	poll := `<s:Envelope xmlns:s="` + soap.NS11 + `" xmlns:r="` + NSRel + `"><s:Header><r:PollRequest>` +
		`<r:RefToMessageIds groupId="urn:g">` + polls.String() + `</r:RefToMessageIds></r:PollRequest></s:Header><s:Body/></s:Envelope>`
	for _, c := range []struct {
		name, env string
		decode    func(*soap.Message, DecodeContext) ([]Event, error)
		ranges    func(Event) RangeSet
	}{
		{"SequenceAcknowledgement", ack, DecodeRM, func(ev Event) RangeSet { return ev.(AckReceived).Ranges }},
		{"PollRequest", poll, DecodeRel, func(ev Event) RangeSet { return ev.(PollRequest).Refs[0].Ranges }},
	} {
		m, err := soap.ReadMessageBytes([]byte(c.env), xmldoc.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		var evs []Event
		bytes := allocatedBy(func() { evs, err = c.decode(m, DecodeContext{Ref: 1}) })
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: got %v %v, want one event", c.name, evs, err)
		}
		if got := len(c.ranges(evs[0])); got != n {
			t.Fatalf("%s: got %d ranges, want %d", c.name, got, n)
		}
		if limit := uint64(256 * n); bytes > limit {
			t.Errorf("%s of %d ranges: got %d bytes allocated, want at most %d", c.name, n, bytes, limit)
		}
	}
}

// A PollRequest naming one group many times is answered about it once.
func TestEngine_PollAnswersEachGroupOnce(t *testing.T) {
	e, now := newTestEngine(t, Config{})
	for _, n := range []uint64{0, 2, 4, 6} {
		e.Step(Message{Ref: 1, Proto: Rel, Group: "g", Number: n, Expiry: now.Add(3600e9), ReplyPattern: Poll})
	}
	drainReady(e)
	refs := make([]PollRef, 1000)
	for i := range refs {
		refs[i] = PollRef{Group: "g"}
	}
	refs[1] = PollRef{Group: "g", Ranges: RangeSet{{2, 3}}}
	e.Step(PollRequest{Ref: 2, Refs: refs})
	rd := drainReady(e)
	if len(rd.Replies) != 1 {
		t.Fatalf("answers to one PollRequest: got %d, want 1", len(rd.Replies))
	}
	if got := len(rd.Replies[0].Acks); got != 1 {
		t.Fatalf("acknowledgements in the answer to a PollRequest naming group g 1000 times: got %d, want 1", got)
	}
	if got := rd.Replies[0].Acks[0].Ranges.String(); got != "0,2,4,6" {
		t.Fatalf("ranges acknowledged: got %s, want 0,2,4,6", got)
	}
}

// A Nack names a message to resend at once; naming it many times in one
// acknowledgement resends it once.
func TestEngine_RepeatedNackResendsOnce(t *testing.T) {
	e, _ := newTestEngine(t, Config{})
	e.Step(Submit{Token: "t1", To: "http://backend/", Payload: []byte("<a/>")})
	e.Step(Submit{Token: "t2", To: "http://backend/", Payload: []byte("<b/>")})
	e.Step(Created{Local: "s1", ID: "B1"})
	drainReady(e)
	nacks := make([]uint64, 10000)
	for i := range nacks {
		nacks[i] = 2
	}
	e.Step(AckReceived{Group: "B1", Nacks: nacks})
	sent := 0
	for _, o := range drainReady(e).Send {
		if o.Kind == OutMessage {
			sent++
		}
	}
	if sent != 1 {
		t.Fatalf("messages resent for an acknowledgement naming message 2 in 10000 Nacks: got %d, want 1", sent)
	}
}
