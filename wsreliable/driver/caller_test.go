package driver

import (
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/wsreliable"
)

const createBody = `<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`

func createAs(t *testing.T, d *Driver, who caller.ID) (int, string) {
	t.Helper()
	return callAs(t, d, who, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`, createBody)
}

// The caller the gateway names in the context counts its sequences: at
// its bound it gets CreateSequenceRefused while another caller creates
// sequences, and the count holds after a restart (the caller is stored
// with each sequence).
func TestDriver_SequencesBoundedPerCallerAcrossRestart(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	cfg := Config{Name: "Orders", Engine: wsreliable.Config{MaxGroupsPerCaller: 2}, Backoff: testBackoff,
		TickInterval: 20 * time.Millisecond}
	stranger, alice := caller.ID("addr:192.0.2.9"), caller.User("alice")
	d := startWith(t, db, cfg, Options{Backend: &fakeBackend{}})
	for i := range 2 {
		if st, body := createAs(t, d.Driver, stranger); st != 200 {
			t.Fatalf("stranger's sequence %d: got %d %.300s, want 200", i+1, st, body)
		}
	}
	refused := func(d *Driver) {
		t.Helper()
		st, body := createAs(t, d, stranger)
		if st < 400 || !strings.Contains(body, "CreateSequenceRefused") || !strings.Contains(body, "caller") {
			t.Fatalf("stranger's next sequence: got %d %.400s, want CreateSequenceRefused for its bound", st, body)
		}
	}
	refused(d.Driver)
	if st, body := createAs(t, d.Driver, alice); st != 200 {
		t.Fatalf("alice's sequence: got %d %.300s, want 200", st, body)
	}
	d.stop()
	d = startWith(t, db, cfg, Options{Backend: &fakeBackend{}})
	defer d.stop()
	refused(d.Driver)
	if st, body := createAs(t, d.Driver, alice); st != 200 {
		t.Fatalf("alice's sequence after the restart: got %d %.300s, want 200", st, body)
	}
}
