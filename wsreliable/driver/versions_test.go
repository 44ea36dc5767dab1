package driver

import (
	"fmt"
	"strings"
	"testing"
)

func countVersions(d *Driver) int {
	n := 0
	d.versions.Range(func(any, any) bool { n++; return true })
	return n
}

// A message naming a sequence the engine does not know is answered with
// UnknownSequence; the driver must not remember a SOAP version for it, or
// a client sending made-up identifiers grows the driver's memory without
// bound.
func TestDriver_UnknownSequencesLeaveNoVersion(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d := start(t, db, &fakeBackend{})
	defer d.stop()
	for i := range 50 {
		_, body := call(t, d.Driver, fmt.Sprintf(`<wsrm:Sequence><wsrm:Identifier>urn:bogus:%d</wsrm:Identifier><wsrm:MessageNumber>1</wsrm:MessageNumber></wsrm:Sequence>`, i),
			`<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`)
		if !strings.Contains(body, "UnknownSequence") {
			t.Fatalf("message for an unknown sequence: got %s, want UnknownSequence", body)
		}
	}
	if n := countVersions(d.Driver); n != 0 {
		t.Fatalf("remembered versions: got %d, want 0", n)
	}
}

// A sequence the engine has forgotten leaves no version behind either.
func TestDriver_KnownSequenceKeepsVersion(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d := start(t, db, &fakeBackend{})
	defer d.stop()
	seq := createSequence(t, d.Driver)
	send(t, d.Driver, seq, 1)
	if _, ok := d.versions.Load(seq); !ok {
		t.Fatalf("version of an open sequence: not remembered")
	}
}
