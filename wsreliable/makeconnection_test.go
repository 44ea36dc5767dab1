package wsreliable

import (
	"testing"
	"time"
)

// Acknowledgements for a WS-MakeConnection anonymous AcksTo wait in memory
// for a MakeConnection that may never come. When their sequence is
// forgotten they must go too: otherwise every sequence with its own
// anonymous address leaves an entry behind for the life of the process.
func TestEngine_PendingAcksForgottenWithSequence(t *testing.T) {
	e, now := newTestEngine(t, Config{DupWindow: time.Minute})
	for i := range 5 {
		id := "s" + u64(uint64(i))
		e.Step(CreateSequence{Ref: 1, NewID: id, AcksTo: MCAnonymousPrefix + id})
		drainReady(e)
		e.Step(Message{Ref: 2, Proto: RM, Group: id, Number: 1})
		drainReady(e)
		e.Step(Terminate{Ref: 3, Group: id})
		drainReady(e)
	}
	if len(e.pending) == 0 {
		t.Fatalf("acknowledgements pending before the sequences are forgotten: got none, want some")
	}
	e.Tick(now.Add(2 * time.Minute))
	drainReady(e)
	if len(e.in) != 0 || len(e.pending) != 0 {
		t.Fatalf("after DupWindow: got %d sequences and %d addresses with pending messages, want 0 and 0", len(e.in), len(e.pending))
	}
}
