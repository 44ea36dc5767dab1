package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify"
)

func add(l storage.List, v string, b storage.Bound) storage.Add {
	return storage.Add{List: l, Value: []byte(v), Bound: b}
}

func mustAppend(t *testing.T, st wsnotify.Store, adds ...storage.Add) int {
	t.Helper()
	dropped, err := st.Append(ctx, adds...)
	if err != nil {
		t.Fatalf("Append = %v, want nil", err)
	}
	return dropped
}

// values reads all of l and checks that its sequence numbers increase.
func values(t *testing.T, st wsnotify.Store, l storage.List) []string {
	t.Helper()
	es, err := st.Read(ctx, l, 0, 0)
	if err != nil {
		t.Fatalf("Read(%v) = %v, want nil", l, err)
	}
	var vs []string
	for i, e := range es {
		if i > 0 && e.Seq <= es[i-1].Seq {
			t.Fatalf("Read(%v): Seq %d after %d, want increasing", l, e.Seq, es[i-1].Seq)
		}
		vs = append(vs, string(e.Value))
	}
	return vs
}

func wantValues(t *testing.T, st wsnotify.Store, l storage.List, want ...string) {
	t.Helper()
	if got := values(t, st, l); !slices.Equal(got, want) {
		t.Fatalf("list %v holds %q, want %q", l, got, want)
	}
}

var (
	la   = storage.List{Kind: "ppm", ID: "a"}
	lab  = storage.List{Kind: "ppm", ID: "ab"} // an ID extending la's
	lb   = storage.List{Kind: "held", ID: "a"}
	only = storage.List{Kind: "dl"} // a kind's only list
)

// testListOrder: values come back in append order, each list its own,
// also when one Append carries values for several lists.
func testListOrder(t *testing.T, o Opener) {
	st := o.Open(t)
	mustAppend(t, st, add(la, "a1", storage.Bound{}), add(lab, "ab1", storage.Bound{}), add(la, "a2", storage.Bound{}),
		add(lb, "b1", storage.Bound{}), add(only, "d1", storage.Bound{}))
	mustAppend(t, st, add(la, "a3", storage.Bound{}), add(only, "d2", storage.Bound{}))
	wantValues(t, st, la, "a1", "a2", "a3")
	wantValues(t, st, lab, "ab1")
	wantValues(t, st, lb, "b1")
	wantValues(t, st, only, "d1", "d2")
	wantValues(t, st, storage.List{Kind: "ppm", ID: "none"})
}

// testListReadBounds: Read stops at max entries and at maxBytes of values,
// but always returns the first entry.
func testListReadBounds(t *testing.T, o Opener) {
	st := o.Open(t)
	for _, v := range []string{"aaaa", "bbbb", "cccc", "dddd"} {
		mustAppend(t, st, add(la, v, storage.Bound{}))
	}
	for _, tc := range []struct {
		max      int
		maxBytes int64
		want     int
	}{{2, 0, 2}, {0, 0, 4}, {10, 9, 2}, {10, 8, 2}, {10, 7, 1}, {10, 1, 1}, {3, 100, 3}} {
		es, err := st.Read(ctx, la, tc.max, tc.maxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != tc.want || string(es[0].Value) != "aaaa" {
			t.Fatalf("Read(max %d, maxBytes %d) returned %d entries starting %q, want %d starting \"aaaa\"", tc.max, tc.maxBytes, len(es), es[0].Value, tc.want)
		}
	}
	wantValues(t, st, la, "aaaa", "bbbb", "cccc", "dddd") // Read removes nothing
}

// testListDelete: DeleteThrough removes up to a sequence number; Drop
// removes the list; later appends go on after what was deleted.
func testListDelete(t *testing.T, o Opener) {
	st := o.Open(t)
	for _, v := range []string{"1", "2", "3", "4"} {
		mustAppend(t, st, add(la, v, storage.Bound{}), add(lab, "x"+v, storage.Bound{}))
	}
	es, err := st.Read(ctx, la, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteThrough(ctx, la, es[1].Seq); err != nil {
		t.Fatal(err)
	}
	wantValues(t, st, la, "3", "4")
	mustAppend(t, st, add(la, "5", storage.Bound{}))
	wantValues(t, st, la, "3", "4", "5")
	if err := st.DeleteThrough(ctx, la, es[1].Seq); err != nil { // nothing left that old
		t.Fatal(err)
	}
	wantValues(t, st, la, "3", "4", "5")
	if err := st.Drop(ctx, la); err != nil {
		t.Fatal(err)
	}
	wantValues(t, st, la)
	wantValues(t, st, lab, "x1", "x2", "x3", "x4") // an ID extending the dropped one's is another list
	mustAppend(t, st, add(la, "6", storage.Bound{}))
	wantValues(t, st, la, "6")
	if err := st.Drop(ctx, storage.List{Kind: "ppm", ID: "never"}); err != nil {
		t.Fatalf("Drop of a list that never was = %v, want nil", err)
	}
}

// testListIDs: IDs names each non-empty list of a kind once.
func testListIDs(t *testing.T, o Opener) {
	st := o.Open(t)
	for i := range 3 {
		mustAppend(t, st, add(la, fmt.Sprint(i), storage.Bound{}), add(lab, "x", storage.Bound{}),
			add(storage.List{Kind: "ppm", ID: "c"}, "x", storage.Bound{}), add(lb, "y", storage.Bound{}))
	}
	if err := st.Drop(ctx, storage.List{Kind: "ppm", ID: "c"}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := st.IDs(ctx, "ppm", func(id string) error { ids = append(ids, id); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"a", "ab"}) {
		t.Fatalf("IDs(ppm) = %q, want [a ab]", ids)
	}
}

// testBoundDropNew: a full DropNew list refuses new values.
func testBoundDropNew(t *testing.T, o Opener) {
	st := o.Open(t)
	b := storage.Bound{Max: 3, DropNew: true}
	if n := mustAppend(t, st, add(la, "1", b), add(la, "2", b)); n != 0 {
		t.Fatalf("got %d dropped below the bound, want 0", n)
	}
	if n := mustAppend(t, st, add(la, "3", b), add(la, "4", b), add(la, "5", b)); n != 2 {
		t.Fatalf("got %d dropped, want 2", n)
	}
	wantValues(t, st, la, "1", "2", "3")
	es, _ := st.Read(ctx, la, 1, 0)
	if err := st.DeleteThrough(ctx, la, es[0].Seq); err != nil {
		t.Fatal(err)
	}
	if n := mustAppend(t, st, add(la, "6", b), add(la, "7", b)); n != 1 {
		t.Fatalf("got %d dropped after taking one, want 1", n)
	}
	wantValues(t, st, la, "2", "3", "6")
}

// testBoundDropOldest: a full list deletes its oldest values for new ones,
// also when one Append brings more than the bound.
func testBoundDropOldest(t *testing.T, o Opener) {
	st := o.Open(t)
	b := storage.Bound{Max: 3}
	mustAppend(t, st, add(la, "1", b), add(la, "2", b))
	if n := mustAppend(t, st, add(la, "3", b), add(la, "4", b)); n != 1 {
		t.Fatalf("got %d dropped, want 1", n)
	}
	wantValues(t, st, la, "2", "3", "4")
	if n := mustAppend(t, st, add(la, "5", b), add(la, "6", b), add(la, "7", b), add(la, "8", b)); n != 4 {
		t.Fatalf("got %d dropped by an Append of 4 into a full list of 3, want 4", n)
	}
	wantValues(t, st, la, "6", "7", "8")
	if n := mustAppend(t, st, add(only, "d", storage.Bound{Max: 1}), add(only, "e", storage.Bound{Max: 1})); n != 1 {
		t.Fatalf("got %d dropped from the kind's only list, want 1", n)
	}
	wantValues(t, st, only, "e")
}

// testListLarge: one Append of more than a store transaction commonly holds
// (16 values of 768 KiB, 12 MiB, into 2 lists; badger's default holds
// 9.6 MiB) is stored whole and in order.
func testListLarge(t *testing.T, o Opener) {
	st := o.Open(t)
	var adds []storage.Add
	var want []string
	for i := range 16 {
		v := bytes.Repeat([]byte{byte('a' + i)}, 768<<10)
		adds = append(adds, storage.Add{List: []storage.List{la, lb}[i%2], Value: v})
		want = append(want, string(v[:1]))
	}
	mustAppend(t, st, adds...)
	for i, l := range []storage.List{la, lb} {
		es, err := st.Read(ctx, l, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got, wantL []string
		for _, e := range es {
			if len(e.Value) != 768<<10 || e.Value[0] != e.Value[len(e.Value)-1] {
				t.Fatalf("list %v: entry %d has %d bytes, want 768 KiB of one letter", l, len(got), len(e.Value))
			}
			got = append(got, string(e.Value[:1]))
		}
		for j := i; j < len(want); j += 2 {
			wantL = append(wantL, want[j])
		}
		if !slices.Equal(got, wantL) {
			t.Fatalf("list %v holds %q, want %q", l, got, wantL)
		}
	}
}

// testRestart: after a restart the records, their revisions, the lists,
// their order and their bounds are as they were.
func testRestart(t *testing.T, o Opener) {
	if o.Reopen == nil {
		t.Skip("the store cannot be reopened")
	}
	st := o.Open(t)
	rev := mustCreate(t, st, "sub", "a", "v")
	b := storage.Bound{Max: 3, DropNew: true}
	mustAppend(t, st, add(la, "1", b), add(la, "2", b))
	mustAppend(t, st, add(only, "x", storage.Bound{}))
	es, _ := st.Read(ctx, la, 0, 0)
	st = o.Reopen(t, st)
	wantRecord(t, st, "sub", "a", "v", rev)
	if _, err := st.Update(ctx, "sub", "a", []byte("w"), rev); err != nil {
		t.Fatalf("Update with the revision from before the restart = %v, want nil", err)
	}
	if n := mustAppend(t, st, add(la, "3", b), add(la, "4", b)); n != 1 {
		t.Fatalf("got %d dropped after restart, want 1 (the bound counts what was stored before)", n)
	}
	wantValues(t, st, la, "1", "2", "3")
	after, _ := st.Read(ctx, la, 0, 0)
	if after[2].Seq <= es[1].Seq {
		t.Fatalf("got Seq %d appended after restart, want more than %d from before", after[2].Seq, es[1].Seq)
	}
	wantValues(t, st, only, "x")
}
