package storetest

import (
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify"
)

// testCreateRace: of several Creates of one key at once, exactly one
// succeeds; the others get storage.ErrExists.
func testCreateRace(t *testing.T, o Opener) {
	st := o.Open(t)
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := st.Create(ctx, "sub", "contended", []byte(strconv.Itoa(i)))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, storage.ErrExists):
			t.Fatalf("concurrent Create: got error %v, want nil or storage.ErrExists", err)
		}
	}
	if won != 1 {
		t.Fatalf("got %d successful concurrent Creates, want 1", won)
	}
}

// testUpdateRace: writers that read, change and write back with
// compare-and-set, retrying on storage.ErrConflict, lose no update.
func testUpdateRace(t *testing.T, o Opener) {
	st := o.Open(t)
	mustCreate(t, st, "sub", "counter", "0")
	const writers, each = 4, 25
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				if err := increment(st); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	wantRecord(t, st, "sub", "counter", strconv.Itoa(writers*each), 0)
}

// increment adds one to the counter record, with compare-and-set.
func increment(st wsnotify.Resources) error {
	for {
		r, err := st.Get(ctx, "sub", "counter")
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(string(r.Value))
		if err != nil {
			return err
		}
		_, err = st.Update(ctx, "sub", "counter", []byte(strconv.Itoa(n+1)), r.Rev)
		if !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
}
