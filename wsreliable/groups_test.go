package wsreliable

import (
	"reflect"
	"testing"

	"github.com/wsgw/wsgw/caller"
)

// Groups lists the open groups first, then the ended ones, each by
// identifier, with what was received, the gaps below the highest number
// and what is held back; max bounds the list, not the count.
func TestEngine_GroupsDescribesInboundGroups(t *testing.T) {
	e, now := newTestEngine(t, Config{InOrder: true})
	for _, id := range []string{"b", "a", "c"} {
		e.Step(CreateSequence{Ref: 1, NewID: id, Caller: "user:" + caller.ID(id)})
	}
	for _, n := range []uint64{1, 3, 4} { // 2 missing: 3 and 4 held
		e.Step(Message{Ref: 10 + n, Proto: RM, Group: "b", Number: n, Caller: "user:b"})
	}
	e.Step(Terminate{Ref: 20, Group: "a", Caller: "user:a"})
	e.Step(Close{Ref: 21, Group: "c", Caller: "user:c"})
	drainReady(e)

	got, total := e.Groups(10)
	exp := now.Add(DefaultSequenceExpires)
	want := []Group{
		{ID: "b", Proto: RM, State: "open", Received: 3, Highest: 4, Gaps: 1, Held: 2, LastActive: now, Expires: exp, Caller: "user:b"},
		{ID: "c", Proto: RM, State: "closed", LastActive: now, Expires: exp, Caller: "user:c"},
		{ID: "a", Proto: RM, State: "ended", LastActive: now, Expires: exp, Caller: "user:a"},
	}
	if total != 3 || !reflect.DeepEqual(got, want) {
		t.Fatalf("Groups(10): got %+v (of %d), want %+v (of 3)", got, total, want)
	}
	if got, total := e.Groups(1); total != 3 || len(got) != 1 || got[0].ID != "b" {
		t.Fatalf("Groups(1): got %+v (of %d), want b (of 3)", got, total)
	}
}
