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
	if len(e.pending.byAddr) == 0 {
		t.Fatalf("acknowledgements pending before the sequences are forgotten: got none, want some")
	}
	e.Tick(now.Add(2 * time.Minute))
	drainReady(e)
	if len(e.in) != 0 || len(e.pending.byAddr) != 0 {
		t.Fatalf("after DupWindow: got %d sequences and %d addresses with pending messages, want 0 and 0", len(e.in), len(e.pending.byAddr))
	}
}

// Each WS-Reliability PollRequest may name its own WS-MakeConnection
// anonymous ReplyTo, and its answer waits for a MakeConnection that may
// never come. The addresses waiting must stay bounded (MaxGroups), the
// one made longest ago dropped first, however many a client makes up.
func TestEngine_PendingAddressesBounded(t *testing.T) {
	e, _ := newTestEngine(t, Config{MaxGroups: 3})
	addr := func(i int) string { return MCAnonymousPrefix + "poll-" + u64(uint64(i)) }
	for i := range 50 {
		e.Step(PollRequest{Ref: uint64(i + 1), ReplyTo: addr(i), Refs: []PollRef{{Group: "g"}}})
		drainReady(e)
	}
	if got := len(e.pending.byAddr); got != 3 {
		t.Fatalf("addresses with pending messages after 50 PollRequests: got %d, want 3 (MaxGroups)", got)
	}
	if got := len(e.pending.order); got > 2*3+64 {
		t.Fatalf("address order kept: got %d entries, want at most %d", got, 2*3+64)
	}
	for i := range 50 {
		e.Step(MakeConnection{Ref: 100, Address: addr(i)})
		rd := e.Ready()
		e.Advance()
		if got, want := rd.Replies[0].Pending != nil, i >= 47; got != want {
			t.Errorf("MakeConnection for the answer of PollRequest %d: got one %v, want %v (the newest 3 kept)", i, got, want)
		}
	}
	if len(e.pending.byAddr) != 0 || len(e.pending.since) != 0 {
		t.Fatalf("after every pickup: got %d addresses (%d numbered), want none", len(e.pending.byAddr), len(e.pending.since))
	}
}
