package wsreliable

import (
	"bytes"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// Messages held back for ordering keep their payloads in memory (and on
// disk). Their total size is bounded by MaxHeldBytes across every group:
// a WS-Reliability message that would exceed it gets
// MessageProcessingFailure (the sender may resend it later), a WS-RM one
// is not acknowledged (the sender retransmits); the next-in-order message
// is always accepted, and delivering frees the room.
func TestEngine_HeldBytesBounded(t *testing.T) {
	e, now := newTestEngine(t, Config{InOrder: true, MaxHeldBytes: 250})
	payload := bytes.Repeat([]byte("x"), 100)
	exp := now.Add(time.Hour)
	rel := func(group string, n uint64) Ready {
		e.Step(Message{Ref: 1, Proto: Rel, Group: group, Number: n, Payload: payload, Ordered: true,
			Expiry: exp, AckRequested: true})
		return drainReady(e)
	}
	rel("g1", 1) // held (0 missing)
	rel("g1", 2) // held
	rd := rel("g2", 1)
	if got := ackFault(rd); got != MessageProcessingFailure {
		t.Fatalf("third held message (300 bytes > 250): got fault %q, want %q", got, MessageProcessingFailure)
	}
	// RM: not acknowledged.
	e.Step(CreateSequence{Ref: 2, NewID: "s", AcksTo: soap.WSAAnonymous})
	drainReady(e)
	e.Step(Message{Ref: 3, Proto: RM, Group: "s", Number: 2, Payload: payload})
	rd = drainReady(e)
	if len(rd.Replies) != 1 || len(rd.Replies[0].Acks) != 1 || rd.Replies[0].Acks[0].Ranges.Contains(2) {
		t.Fatalf("RM message beyond MaxHeldBytes: got %+v, want not acknowledged", rd.Replies)
	}
	// The gap fills: g1 drains and frees its bytes.
	rd = rel("g1", 0)
	if len(rd.Deliver) != 3 {
		t.Fatalf("after the gap filled: got %d deliveries, want 3", len(rd.Deliver))
	}
	if rd = rel("g2", 1); ackFault(rd) != NoFault {
		t.Fatalf("held message after room was freed: got fault %q, want none", ackFault(rd))
	}
	if e.heldBytes != 100 {
		t.Fatalf("held bytes: got %d, want 100", e.heldBytes)
	}
}

func ackFault(rd Ready) FaultCode {
	for _, r := range rd.Replies {
		for _, a := range r.Acks {
			for _, f := range a.Faults {
				return f.Code
			}
		}
	}
	return NoFault
}
