package wsreliable

import (
	"reflect"
	"strings"
	"testing"
)

// TestAdopt_RefusesTheEnginesOwnRecord: the sequence counter is the
// engine's own; adopting another's would let two sequences share a name.
func TestAdopt_RefusesTheEnginesOwnRecord(t *testing.T) {
	e, _ := New(Config{})
	err := e.Adopt([]Record{{Key: keyMeta, Value: []byte("7")}})
	if err == nil || !strings.Contains(err.Error(), "cannot be adopted") {
		t.Fatalf("got %v, want the engine's own record refused", err)
	}
}

// TestAdopt_OrderOfRecordsDoesNotMatter: two engines adopting the same
// records in opposite orders end up alike.
func TestAdopt_OrderOfRecordsDoesNotMatter(t *testing.T) {
	r := newScriptRunner(t)
	for _, cmd := range []string{
		"config inorder", "create ref=1 id=s1", "create ref=2 id=s2", "send ref=3 seq=s1 n=2 data=b",
		"send ref=4 seq=s2 n=3 data=c", "send ref=5 seq=s2 n=2 data=x", "submit token=d1 to=http://b/ key=k data=m",
	} {
		r.run(cmd)
	}
	var recs []Record
	for _, k := range sortedKeys(r.store) {
		recs = append(recs, Record{Key: k, Value: r.store[k], Scope: r.scopes[k]})
	}
	var shared []Record
	for _, rec := range recs {
		if rec.Scope != "" {
			shared = append(shared, rec)
		}
	}
	reversed := make([]Record, len(shared))
	for i, rec := range shared {
		reversed[len(shared)-1-i] = rec
	}
	adopt := func(recs []Record) *Engine {
		e, _ := New(Config{InOrder: true})
		e.Tick(scriptEpoch)
		if err := e.Adopt(recs); err != nil {
			t.Fatal(err)
		}
		return e
	}
	a, b := adopt(shared), adopt(reversed)
	a.Step(Message{Ref: 9, Proto: RM, Group: "s1", Number: 1, Payload: []byte("a")}) //nolint:errcheck
	b.Step(Message{Ref: 9, Proto: RM, Group: "s1", Number: 1, Payload: []byte("a")}) //nolint:errcheck
	if ra, rb := a.Ready(), b.Ready(); !reflect.DeepEqual(ra, rb) {
		t.Fatalf("got different Readies after adopting in another order:\n%+v\n%+v", ra, rb)
	}
	if !reflect.DeepEqual(a.openIDs, b.openIDs) || a.heldBytes != b.heldBytes || !reflect.DeepEqual(a.outByTo, b.outByTo) {
		t.Fatalf("got different engines: open %v/%v held %d/%d out %v/%v", a.openIDs, b.openIDs, a.heldBytes, b.heldBytes, a.outByTo, b.outByTo)
	}
}
