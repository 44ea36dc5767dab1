package wsreliable

import (
	"testing"
	"time"
)

// A CreateSequence with an Offer makes an outbound sequence for the
// offering client. Once the inbound sequence is terminated and forgotten,
// the offered sequence (nothing sent on it) must go too, with its record:
// otherwise each CreateSequence/Offer/TerminateSequence cycle of a client
// leaves one sequence behind in memory, on disk and in every Tick.
func TestEngine_OfferedSequenceForgottenWithItsSequence(t *testing.T) {
	e, now := newTestEngine(t, Config{DupWindow: time.Minute})
	disk := map[string]bool{}
	apply := func() {
		for e.HasReady() {
			for _, r := range e.Ready().Persist {
				if r.Value == nil {
					delete(disk, r.Key)
				} else {
					disk[r.Key] = true
				}
			}
			e.Advance()
		}
	}
	for i := range 5 {
		id, offer := "in"+u64(uint64(i)), "offer"+u64(uint64(i))
		e.Step(CreateSequence{Ref: 1, NewID: id, Offer: offer, OfferEndpoint: "http://client.example/" + id})
		apply()
		e.Step(Message{Ref: 2, Proto: RM, Group: id, Number: 1})
		apply()
		e.Step(Terminate{Ref: 3, Group: id})
		apply()
	}
	now = now.Add(2 * time.Minute)
	e.Tick(now)
	apply()
	if len(e.in) != 0 {
		t.Fatalf("inbound sequences after DupWindow: got %d, want 0", len(e.in))
	}
	if len(e.out) != 0 || len(e.outByID) != 0 || len(e.outByTo) != 0 {
		t.Fatalf("offered sequences after their sequences were forgotten: got %d (%d by id, %d by address), want 0", len(e.out), len(e.outByID), len(e.outByTo))
	}
	for k := range disk {
		if k != keyMeta {
			t.Errorf("record left on disk: %q", k)
		}
	}
}
