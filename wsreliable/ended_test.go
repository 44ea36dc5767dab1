package wsreliable

import (
	"testing"
	"time"
)

// completeRel sends a one-message WS-Reliability group whose ExpiryTime
// is far away, so that the group ends (complete) at once.
func completeRel(e *Engine, group string, expiry time.Time) Ready {
	e.Step(Message{Ref: 1, Proto: Rel, Group: group, Number: 0, Last: true, DupElim: true,
		Expiry: expiry, AckRequested: true})
	return drainReady(e)
}

// Finished groups are kept to recognise duplicates, but a client choosing
// an ExpiryTime a year away must not pin them that long: their retention is
// capped by MaxKeep.
func TestEngine_EndedGroupRetentionCapped(t *testing.T) {
	e, now := newTestEngine(t, Config{MaxKeep: time.Hour})
	completeRel(e, "g", now.Add(365*24*time.Hour))
	if g := e.in["g"]; g == nil || g.State != ended {
		t.Fatalf("group after its last message: got %+v, want ended", g)
	}
	e.Tick(now.Add(2 * time.Hour))
	drainReady(e)
	if n := len(e.in); n != 0 {
		t.Fatalf("groups kept past MaxKeep: got %d, want 0", n)
	}
}

// Finished groups count: at most MaxGroups of them are kept, the one due
// to be forgotten first goes when more end, and they do not keep new
// groups out (MaxGroups bounds the open ones separately).
func TestEngine_EndedGroupsBounded(t *testing.T) {
	e, now := newTestEngine(t, Config{MaxGroups: 3})
	for i := range 10 {
		rd := completeRel(e, "g"+u64(uint64(i)), now.Add(time.Duration(i+1)*time.Hour))
		if f := ackFault(rd); f != NoFault {
			t.Fatalf("group %d: got fault %q, want none", i, f)
		}
	}
	if n := len(e.in); n != 3 {
		t.Fatalf("ended groups kept: got %d, want 3", n)
	}
	for _, id := range []string{"g7", "g8", "g9"} {
		if e.in[id] == nil {
			t.Fatalf("kept groups: %s missing, want the three due last", id)
		}
	}
	// A duplicate of a kept group is still recognised.
	if rd := completeRel(e, "g9", now.Add(10*time.Hour)); len(rd.Deliver) != 0 {
		t.Fatalf("duplicate of a kept group: got %d deliveries, want 0", len(rd.Deliver))
	}
}
