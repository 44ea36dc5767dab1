package driver

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Groups reads the engine through the running loop: a sequence with a
// gap shows its received numbers and what it holds back; once Run has
// returned, Groups says the driver is not running instead of waiting.
func TestDriver_GroupsWhileRunning(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d := start(t, db, &fakeBackend{})
	seq := createSequence(t, d.Driver)
	send(t, d.Driver, seq, 1)
	send(t, d.Driver, seq, 3) // held: 2 is missing
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gs, total, err := d.Groups(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || len(gs) != 1 || gs[0].ID != seq || gs[0].State != "open" || gs[0].Received != 2 || gs[0].Held != 1 || gs[0].Gaps != 1 {
		t.Fatalf("Groups: got %+v (of %d), want %s open, 2 received, 1 held, 1 gap", gs, total, seq)
	}
	d.stop()
	if _, _, err := d.Groups(ctx, 10); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Groups after Run returned: got %v, want ErrNotRunning", err)
	}
}
