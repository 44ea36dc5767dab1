package wsreliable

import (
	"testing"
	"time"
)

// A WS-Reliability ordered group whose last message fills the gap ends
// (group termination by last message) once its held messages are all
// released, even when MaxRelease spreads them over several Readies.
func TestEngine_RelGroupCompletesAfterBoundedRelease(t *testing.T) {
	e, now := newTestEngine(t, Config{MaxRelease: 2})
	msg := func(n uint64, last bool) Message {
		return Message{Ref: n + 1, Proto: Rel, Group: "g", Number: n, Last: last, Ordered: true,
			Expiry: now.Add(time.Hour), Payload: []byte("x")}
	}
	for n := uint64(1); n <= 5; n++ {
		e.Step(msg(n, n == 5))
		drainReady(e)
	}
	e.Step(msg(0, false))
	var delivered []uint64
	readies := 0
	for e.HasReady() {
		for _, d := range e.Ready().Deliver {
			delivered = append(delivered, d.Number)
		}
		e.Advance()
		readies++
	}
	if len(delivered) != 6 || readies < 3 {
		t.Fatalf("release: got %v in %d Readies, want 0-5 in at least 3", delivered, readies)
	}
	if g := e.in["g"]; g.State != ended {
		t.Fatalf("group state after its last message was delivered: got %v, want ended", g.State)
	}
}
