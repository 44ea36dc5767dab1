package wsreliable

import "testing"

// An unordered sequence's received set grows by one range per gap, and is
// persisted whole with every message: a sender skipping every other number
// must not make it grow without bound. Past MaxHeld gaps a message that
// would open a new one is not accepted (nor acknowledged), as for the
// hold-back buffer of an ordered sequence; one that fills a gap still is.
func TestEngine_UnorderedGapsBounded(t *testing.T) {
	e, _ := newTestEngine(t, Config{MaxHeld: 8})
	e.Step(CreateSequence{Ref: 1, NewID: "s", AcksTo: ""})
	drainReady(e)
	for n := uint64(1); n <= 99; n += 2 {
		e.Step(Message{Ref: n + 1, Proto: RM, Group: "s", Number: n})
		drainReady(e)
	}
	if got := len(e.in["s"].Received); got > 8 {
		t.Fatalf("ranges in the received set: got %d, want at most 8", got)
	}
	// Filling a gap is always accepted.
	e.Step(Message{Ref: 500, Proto: RM, Group: "s", Number: 2})
	drainReady(e)
	if !e.in["s"].Received.Contains(2) {
		t.Fatalf("message filling a gap: got not accepted, want accepted")
	}
}
