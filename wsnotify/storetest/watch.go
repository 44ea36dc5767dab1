package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify"
)

// watcher collects the changes a Watch reports.
type watcher struct {
	mu      sync.Mutex // guards changes
	changes []storage.Change
	done    chan error
}

func watch(t *testing.T, st wsnotify.Resources, kind string) *watcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{done: make(chan error, 1)}
	go func() {
		w.done <- st.Watch(ctx, kind, func(c storage.Change) {
			w.mu.Lock()
			w.changes = append(w.changes, c)
			w.mu.Unlock()
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-w.done; err != nil {
			t.Errorf("Watch after its context ended = %v, want nil", err)
		}
	})
	return w
}

func (w *watcher) seen() []storage.Change {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.changes)
}

// loaded waits for ChangeLoaded and returns what came before it.
func (w *watcher) loaded(t *testing.T) []storage.Change {
	t.Helper()
	var before []storage.Change
	checkfor.Until(t, 10*time.Second, func() error {
		cs := w.seen()
		i := slices.IndexFunc(cs, func(c storage.Change) bool { return c.Op == storage.ChangeLoaded })
		if i < 0 {
			return fmt.Errorf("got %d changes and no ChangeLoaded, want the current records then ChangeLoaded", len(cs))
		}
		before = cs[:i]
		return nil
	})
	return before
}

// testWatchCurrent: a watch reports each record as it is, then
// ChangeLoaded; deleted records are not reported.
func testWatchCurrent(t *testing.T, o Opener) {
	st := o.Open(t)
	revA := mustCreate(t, st, "sub", "a", "1")
	revB := mustCreate(t, st, "sub", "b", "1")
	if _, err := st.Update(ctx, "sub", "b", []byte("2"), revB); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, st, "sub", "c", "1")
	if err := st.Delete(ctx, "sub", "c", 0); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, st, "reg", "x", "other kind")
	got := map[string]string{}
	for _, c := range watch(t, st, "sub").loaded(t) {
		if c.Op != storage.ChangeCurrent {
			t.Fatalf("before ChangeLoaded: got op %d for %q, want ChangeCurrent", c.Op, c.Key)
		}
		if c.Key == "a" && c.Rev != revA {
			t.Fatalf("current a has revision %d, want %d (Create's)", c.Rev, revA)
		}
		got[c.Key] = string(c.Value)
	}
	if want := map[string]string{"a": "1", "b": "2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("current records %v, want %v", got, want)
	}
}

// testWatchPeerChanges: a watch reports what another node writes after
// it started, in order, with the revisions the writer got; a value
// overwritten or deleted before the watch got to it may be skipped
// (JetStream keeps one value per key), the last change never is.
func testWatchPeerChanges(t *testing.T, o Opener) {
	if o.Peer == nil {
		t.Skip("the store has one writer")
	}
	st := o.Open(t)
	peer := o.Peer(t, st)
	w := watch(t, st, "sub")
	w.loaded(t)
	rev1 := mustCreate(t, peer, "sub", "k", "1")
	rev2, err := peer.Update(ctx, "sub", "k", []byte("2"), rev1)
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.Delete(ctx, "sub", "k", rev2); err != nil {
		t.Fatal(err)
	}
	want := []storage.Change{
		{Op: storage.ChangePut, Key: "k", Value: []byte("1"), Rev: rev1},
		{Op: storage.ChangePut, Key: "k", Value: []byte("2"), Rev: rev2},
		{Op: storage.ChangeDelete, Key: "k"},
	}
	checkfor.Until(t, 10*time.Second, func() error {
		var got []storage.Change
		for _, c := range w.seen() {
			if c.Key == "k" {
				got = append(got, c)
			}
		}
		if !isSubsequence(got, want) || len(got) == 0 || fmt.Sprint(got[len(got)-1]) != fmt.Sprint(want[len(want)-1]) {
			return fmt.Errorf("watch reported %v, want %v (or it without some of the first two)", got, want)
		}
		return nil
	})
}

func isSubsequence(got, want []storage.Change) bool {
	i := 0
	for _, w := range want {
		if i < len(got) && fmt.Sprint(got[i]) == fmt.Sprint(w) {
			i++
		}
	}
	return i == len(got)
}
