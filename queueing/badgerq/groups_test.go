package badgerq

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

func (e *env) hold(held bool, groups ...string) {
	e.t.Helper()
	if err := e.q.Hold(context.Background(), held, groups...); err != nil {
		e.t.Fatalf("Hold(%v, %v): %v", held, groups, err)
	}
}

func (e *env) group(g string) queueing.GroupInfo {
	e.t.Helper()
	gi, err := e.q.Group(context.Background(), g)
	if err != nil {
		e.t.Fatalf("Group(%q): %v", g, err)
	}
	return gi
}

func (e *env) deadReasons() map[string]string {
	e.t.Helper()
	dls, err := e.q.DeadLetters(context.Background(), 0, 100)
	if err != nil {
		e.t.Fatalf("DeadLetters: %v", err)
	}
	out := map[string]string{}
	for _, d := range dls {
		out[string(d.Body)] = d.Reason
	}
	return out
}

func TestQueue_HeldGroupKeepsUntilLetGo(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.hold(true, "g")
	e.enqueue("a", "g")
	e.enqueue("b", "g")
	e.enqueue("x", "other")
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"x"}) {
		t.Fatalf("got %q leased while g is held, want [x]", got)
	}
	if gi := e.group("g"); gi.Messages != 2 || !gi.Held || gi.Bytes != 2 {
		t.Fatalf("got %+v, want 2 messages, 2 bytes, held", gi)
	}
	e.hold(false, "g")
	for _, want := range []string{"a", "b"} {
		ls := e.lease(10, time.Minute)
		if got := bodies(ls); !slices.Equal(got, []string{want}) {
			t.Fatalf("got %q after letting g go, want [%s]", got, want)
		}
		e.ack(ids(ls)...)
	}
	if gi := e.group("g"); gi != (queueing.GroupInfo{}) {
		t.Fatalf("got %+v after everything was acked, want nothing", gi)
	}
}

func TestQueue_HoldWhileLeasedWaitsForTheLease(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.enqueue("a", "g")
	e.enqueue("b", "g")
	ls := e.lease(1, time.Minute)
	e.hold(true, "g")
	if err := e.q.Nack(context.Background(), ls[0].ID, 0); err != nil {
		t.Fatalf("Nack: %v", err)
	}
	if got := e.lease(10, time.Minute); len(got) != 0 {
		t.Fatalf("got %q from a held group after a nack, want nothing", bodies(got))
	}
	e.hold(false, "g")
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("got %q after letting go, want the nacked [a] first", got)
	}
}

func TestQueue_HeldGroupSurvivesRestartWithLeases(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.enqueue("a", "g")
	e.lease(1, time.Hour)
	e.hold(true, "g")
	e.reopen()
	if _, err := e.q.ReleaseLeases(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.lease(10, time.Minute); len(got) != 0 {
		t.Fatalf("got %q from a held group after restart, want nothing", bodies(got))
	}
	if gi := e.group("g"); !gi.Held || gi.Messages != 1 {
		t.Fatalf("got %+v after restart, want held with 1 message", gi)
	}
}

func TestQueue_KeepOverflowDeadLettersOldest(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	keep := queueing.GroupLimit{Messages: 2}
	for _, b := range []string{"1", "2", "3", "4"} {
		if _, err := e.q.Enqueue(context.Background(), queueing.Message{Body: []byte(b), Group: "g", Keep: keep}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := e.deadReasons(), map[string]string{"1": queueing.ReasonOverflow, "2": queueing.ReasonOverflow}; !maps.Equal(got, want) {
		t.Fatalf("got dead letters %v, want %v", got, want)
	}
	ls := e.lease(10, time.Minute)
	if got := bodies(ls); !slices.Equal(got, []string{"3"}) {
		t.Fatalf("got %q, want the oldest kept [3]", got)
	}
	// A leased message is not taken by an overflow: the next oldest is.
	if _, err := e.q.Enqueue(context.Background(), queueing.Message{Body: []byte("5"), Group: "g", Keep: keep}); err != nil {
		t.Fatal(err)
	}
	if got := e.deadReasons()["4"]; got != queueing.ReasonOverflow {
		t.Fatalf("got reason %q for 4, want overflow (3 is leased)", got)
	}
	if st := e.q.Stats(); st.Length != 2 || st.DeadLetters != 3 {
		t.Fatalf("got %+v, want length 2 and 3 dead letters", st)
	}
}

func TestQueue_KeepBytesBound(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	keep := queueing.GroupLimit{Bytes: 10}
	for _, b := range []string{"aaaa", "bbbb", "cccc", "dddddddddddddddd"} {
		if _, err := e.q.Enqueue(context.Background(), queueing.Message{Body: []byte(b), Group: "g", Keep: keep}); err != nil {
			t.Fatal(err)
		}
	}
	if gi := e.group("g"); gi.Messages != 1 || gi.Bytes != 16 {
		t.Fatalf("got %+v, want the newest message alone (16 bytes)", gi)
	}
	if got := len(e.deadReasons()); got != 3 {
		t.Fatalf("got %d dead letters, want 3", got)
	}
}

func TestQueue_DropGroupDeletesItsMessagesOnly(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxBatch: 3})
	for range 7 {
		e.enqueue("g", "g")
	}
	e.enqueue("h", "h")
	n, err := e.q.DropGroup(context.Background(), "g")
	if err != nil || n != 7 {
		t.Fatalf("DropGroup: got %d, %v, want 7, nil", n, err)
	}
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"h"}) {
		t.Fatalf("got %q, want [h]", got)
	}
	var groups []string
	if err := e.q.Groups(context.Background(), func(g string) error { groups = append(groups, g); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(groups, []string{"h"}) {
		t.Fatalf("got groups %q, want [h]", groups)
	}
	if st := e.q.Stats(); st.Length != 1 {
		t.Fatalf("got length %d, want 1", st.Length)
	}
}

func TestQueue_AbandonDeadLettersWithReason(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.enqueue("a", "g")
	e.enqueue("b", "g")
	if err := e.q.Abandon(context.Background(), 1, "mine"); !errors.Is(err, queueing.ErrNotFound) {
		t.Fatalf("Abandon of a message not leased: got %v, want ErrNotFound", err)
	}
	ls := e.lease(1, time.Minute)
	if err := e.q.Abandon(context.Background(), ls[0].ID, "mine"); err != nil {
		t.Fatal(err)
	}
	if got := e.deadReasons()["a"]; got != "mine" {
		t.Fatalf("got reason %q, want mine", got)
	}
	if got := bodies(e.lease(1, time.Minute)); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("got %q, want the next of the group [b]", got)
	}
}
