package badgerq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

func TestQueue_EnqueueLeaseAck(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	a, b := e.enqueue("a", ""), e.enqueue("b", "")
	if a == 0 || b <= a {
		t.Fatalf("got IDs %d, %d, want increasing from 1", a, b)
	}
	ls := e.lease(10, time.Minute)
	if got, want := bodies(ls), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("got bodies %q, want %q", got, want)
	}
	if ls[0].Attempts != 1 || ls[0].ID != a {
		t.Errorf("got attempts %d id %d, want 1 and %d", ls[0].Attempts, ls[0].ID, a)
	}
	if want := e.clock.Now().Add(time.Minute); !ls[0].Deadline.Equal(want) {
		t.Errorf("got deadline %v, want %v", ls[0].Deadline, want)
	}
	if got := e.lease(10, time.Minute); len(got) != 0 {
		t.Fatalf("got %d messages while all leased, want 0", len(got))
	}
	e.ack(a, b)
	if got := e.q.Stats().Length; got != 0 {
		t.Errorf("got length %d after ack, want 0", got)
	}
	e.clock.Advance(2 * time.Minute)
	if got := e.lease(10, time.Minute); len(got) != 0 {
		t.Fatalf("got %d messages after ack, want 0", len(got))
	}
}

func TestQueue_VisibilityTimeoutRedelivers(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	id := e.enqueue("a", "")
	e.lease(1, 10*time.Second)
	e.clock.Advance(9 * time.Second)
	if got := e.lease(1, 10*time.Second); len(got) != 0 {
		t.Fatalf("got %d messages before the timeout, want 0", len(got))
	}
	e.clock.Advance(time.Second)
	ls := e.lease(1, 10*time.Second)
	if len(ls) != 1 || ls[0].ID != id || ls[0].Attempts != 2 {
		t.Fatalf("got %+v, want message %d on attempt 2", ls, id)
	}
}

func TestQueue_NackRedeliversAfterDelay(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	id := e.enqueue("a", "")
	e.lease(1, time.Minute)
	if err := e.q.Nack(context.Background(), id, 5*time.Second); err != nil {
		t.Fatalf("Nack: %v", err)
	}
	e.clock.Advance(4 * time.Second)
	if got := e.lease(1, time.Minute); len(got) != 0 {
		t.Fatalf("got %d messages before the nack delay, want 0", len(got))
	}
	e.clock.Advance(time.Second)
	if got := e.lease(1, time.Minute); len(got) != 1 || got[0].Attempts != 2 {
		t.Fatalf("got %+v after the nack delay, want the message on attempt 2", got)
	}
	if err := e.q.Nack(context.Background(), 999, 0); !errors.Is(err, queueing.ErrNotFound) {
		t.Errorf("Nack(unknown): got %v, want ErrNotFound", err)
	}
}

func TestQueue_NackDefaultBackoffGrows(t *testing.T) {
	e := newEnv(t, queueing.Options{Backoff: queueing.Backoff{Base: time.Second, Max: 4 * time.Second, Jitter: -1}})
	id := e.enqueue("a", "")
	for attempt, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		if got := e.lease(1, time.Minute); len(got) != 1 {
			t.Fatalf("attempt %d: got %d messages, want 1", attempt+1, len(got))
		}
		if err := e.q.Nack(context.Background(), id, -1); err != nil {
			t.Fatalf("Nack: %v", err)
		}
		e.clock.Advance(wait - time.Millisecond)
		if got := e.lease(1, time.Minute); len(got) != 0 {
			t.Fatalf("attempt %d: redelivered before %v", attempt+1, wait)
		}
		e.clock.Advance(time.Millisecond)
	}
}

func TestQueue_BatchIsAtomic(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxLength: 3, MaxMessageBytes: 4})
	ctx := context.Background()
	msgs := func(bs ...string) []queueing.Message {
		var out []queueing.Message
		for _, b := range bs {
			out = append(out, queueing.Message{Body: []byte(b)})
		}
		return out
	}
	ids, err := e.q.EnqueueBatch(ctx, msgs("a", "b"))
	if err != nil || len(ids) != 2 {
		t.Fatalf("EnqueueBatch: got %v, %v, want 2 IDs", ids, err)
	}
	if _, err := e.q.EnqueueBatch(ctx, msgs("c", "d")); !errors.Is(err, queueing.ErrQueueFull) {
		t.Fatalf("EnqueueBatch over MaxLength: got %v, want ErrQueueFull", err)
	}
	if _, err := e.q.EnqueueBatch(ctx, msgs("c", "toolong")); !errors.Is(err, queueing.ErrTooLarge) {
		t.Fatalf("EnqueueBatch with a large body: got %v, want ErrTooLarge", err)
	}
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("got %q, want only the first batch", got)
	}
	if _, err := e.q.EnqueueBatch(ctx, msgs("c")); err != nil {
		t.Fatalf("EnqueueBatch within bounds: %v", err)
	}
}

func TestQueue_MaxAttemptsDeadLetters(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxAttempts: 2})
	ctx := context.Background()
	nacked, timedOut := e.enqueue("nacked", ""), e.enqueue("timed out", "")
	for range 2 {
		e.lease(2, time.Second)
		if err := e.q.Nack(ctx, nacked, 0); err != nil {
			t.Fatalf("Nack: %v", err)
		}
		e.clock.Advance(time.Second)
	}
	if got := e.lease(2, time.Second); len(got) != 0 {
		t.Fatalf("got %q after max attempts, want none", bodies(got))
	}
	dl, err := e.q.DeadLetters(ctx, 0, 10)
	if err != nil {
		t.Fatalf("DeadLetters: %v", err)
	}
	if len(dl) != 2 || dl[0].ID != nacked || dl[1].ID != timedOut {
		t.Fatalf("got dead letters %+v, want %d and %d", dl, nacked, timedOut)
	}
	for _, d := range dl {
		if d.Reason != queueing.ReasonMaxAttempts || d.Attempts != 2 {
			t.Errorf("dead letter %d: got reason %q attempts %d, want %q and 2", d.ID, d.Reason, d.Attempts, queueing.ReasonMaxAttempts)
		}
	}
	if s := e.q.Stats(); s.Length != 0 || s.DeadLetters != 2 {
		t.Errorf("got stats %+v, want length 0, 2 dead letters", s)
	}
}

func TestQueue_ExpiredNotDelivered(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	ctx := context.Background()
	exp := e.clock.Now().Add(time.Minute)
	id, err := e.q.Enqueue(ctx, queueing.Message{Body: []byte("x"), ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	e.enqueue("y", "")
	e.clock.Advance(time.Minute)
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"y"}) {
		t.Fatalf("got %q, want only the unexpired message", got)
	}
	dl, _ := e.q.DeadLetters(ctx, 0, 10)
	if len(dl) != 1 || dl[0].ID != id || dl[0].Reason != queueing.ReasonExpired {
		t.Fatalf("got dead letters %+v, want %d expired", dl, id)
	}
	if !dl[0].ExpiresAt.Equal(exp) || string(dl[0].Body) != "x" {
		t.Errorf("got %+v, want body x and expiry %v", dl[0], exp)
	}
}

func TestQueue_SweepDeadLettersExpiredWaitingMessages(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	ctx := context.Background()
	e.enqueue("head", "g")
	exp := e.clock.Now().Add(time.Second)
	waiting, err := e.q.Enqueue(ctx, queueing.Message{Body: []byte("w"), Group: "g", ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := e.q.Enqueue(ctx, queueing.Message{Body: []byte("l"), ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	e.lease(10, time.Hour) // head and l
	e.clock.Advance(time.Second)
	e.sweep()
	dl, _ := e.q.DeadLetters(ctx, 0, 10)
	if len(dl) != 1 || dl[0].ID != waiting {
		t.Fatalf("got dead letters %+v, want only %d (a leased message is left to its consumer)", dl, waiting)
	}
	e.ack(leased)
	e.sweep()
	if s := e.q.Stats(); s.Length != 1 || s.DeadLetters != 1 {
		t.Errorf("got %+v, want length 1 (head), 1 dead letter", s)
	}
}

func TestQueue_RedriveAndDeleteDeadLetters(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxAttempts: 1})
	ctx := context.Background()
	a, b := e.enqueue("a", "g"), e.enqueue("b", "")
	for _, l := range e.lease(2, time.Minute) {
		if err := e.q.Nack(ctx, l.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.q.Redrive(ctx, a, 12345); err != nil || n != 1 {
		t.Fatalf("Redrive: got %d, %v, want 1", n, err)
	}
	if err := e.q.DeleteDeadLetters(ctx, b); err != nil {
		t.Fatal(err)
	}
	ls := e.lease(10, time.Minute)
	if len(ls) != 1 || ls[0].ID != a || ls[0].Attempts != 1 || ls[0].Group != "g" {
		t.Fatalf("got %+v, want %d redriven on attempt 1 in group g", ls, a)
	}
	if dl, _ := e.q.DeadLetters(ctx, 0, 10); len(dl) != 0 {
		t.Fatalf("got %d dead letters, want 0", len(dl))
	}
	if s := e.q.Stats(); s.Length != 1 || s.DeadLetters != 0 {
		t.Errorf("got %+v, want length 1, no dead letters", s)
	}
}

func TestQueue_DeadLettersBounded(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxAttempts: 1, MaxDeadLetters: 2})
	ctx := context.Background()
	for _, b := range []string{"a", "b", "c"} {
		e.enqueue(b, "")
	}
	for _, l := range e.lease(3, time.Minute) {
		if err := e.q.Nack(ctx, l.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	dl, _ := e.q.DeadLetters(ctx, 0, 10)
	var got []string
	for _, d := range dl {
		got = append(got, string(d.Body))
	}
	if !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("got dead letters %q, want the newest two", got)
	}
}

func TestQueue_GroupFIFO(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	ctx := context.Background()
	a1, _ := e.enqueue("a1", "A"), e.enqueue("b1", "B")
	e.enqueue("a2", "A")
	e.enqueue("b2", "B")
	e.enqueue("free", "")
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"a1", "b1", "free"}) {
		t.Fatalf("got %q, want the head of each group and the ungrouped", got)
	}
	if err := e.q.Nack(ctx, a1, time.Second); err != nil {
		t.Fatal(err)
	}
	if got := e.lease(10, time.Minute); len(got) != 0 {
		t.Fatalf("got %q while heads are leased or waiting, want none", bodies(got))
	}
	e.clock.Advance(time.Second)
	ls := e.lease(10, time.Minute)
	if got := bodies(ls); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("got %q, want a1 redelivered before a2", got)
	}
	e.ack(a1)
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"a2"}) {
		t.Fatalf("got %q after acking a1, want a2", got)
	}
}

func TestQueue_GroupAdvancesPastDeadLetter(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxAttempts: 1})
	ctx := context.Background()
	a1 := e.enqueue("a1", "A")
	e.enqueue("a2", "A")
	e.lease(10, time.Minute)
	if err := e.q.Nack(ctx, a1, 0); err != nil {
		t.Fatal(err)
	}
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"a2"}) {
		t.Fatalf("got %q after a1 was dead-lettered, want a2", got)
	}
}

func TestQueue_ReopenResumes(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	a := e.enqueue("a", "")
	e.enqueue("b", "g")
	e.enqueue("c", "g")
	leased := e.lease(1, 10*time.Second) // a
	e.reopen()
	if s := e.q.Stats(); s.Length != 3 {
		t.Fatalf("got length %d after reopen, want 3", s.Length)
	}
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("got %q after reopen, want b (a still leased, c behind b)", got)
	}
	e.clock.Advance(10 * time.Second)
	ls := e.lease(10, time.Minute)
	if len(ls) != 1 || ls[0].ID != a || ls[0].Attempts != 2 {
		t.Fatalf("got %+v, want %d back on attempt 2 after its lease ran out", ls, leased[0].ID)
	}
	d := e.enqueue("d", "")
	if d <= a {
		t.Errorf("got ID %d after reopen, want above %d", d, a)
	}
}

func TestQueue_ClosedRefuses(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.q.Close()
	_, err := e.q.Enqueue(context.Background(), queueing.Message{Body: []byte("x")})
	if !errors.Is(err, queueing.ErrClosed) {
		t.Fatalf("Enqueue after Close: got %v, want ErrClosed", err)
	}
}

func TestQueue_PrefixesAreSeparate(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	other, err := Open(e.db, "q/other/", e.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	e.enqueue("mine", "")
	if _, err := other.Enqueue(context.Background(), queueing.Message{Body: []byte("theirs")}); err != nil {
		t.Fatal(err)
	}
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"mine"}) {
		t.Fatalf("got %q, want only this queue's message", got)
	}
}

func TestQueue_ReadySignalsEnqueue(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	ready := e.q.Ready()
	id := e.enqueue("a", "")
	select {
	case <-ready:
	default:
		t.Fatal("Ready not closed after an Enqueue")
	}
	ready = e.q.Ready()
	e.lease(1, time.Minute)
	select {
	case <-ready:
		t.Fatal("Ready closed by a Lease, want open")
	default:
	}
	if err := e.q.Nack(context.Background(), id, 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ready:
	default:
		t.Fatal("Ready not closed after a Nack without delay")
	}
}

// TestQueue_LeaseScanIsBoundedByTombstones checks that leasing does not
// step over the deleted index keys that acks leave behind: before the
// scan floor (leased-out keys) or after now (the acked leases' deadlines).
func TestQueue_LeaseScanIsBoundedByTombstones(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	for range 300 {
		e.enqueue("x", "")
		e.ack(ids(e.lease(1, time.Minute))...)
	}
	e.enqueue("last", "")
	before := e.q.scanned.Load()
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"last"}) {
		t.Fatalf("got %q, want [last]", got)
	}
	if got := e.q.scanned.Load() - before; got > 4 {
		t.Errorf("got %d index keys visited by one Lease after 300 acks, want at most 4", got)
	}
}

// TestQueue_SyncModes checks both ways of syncing (doc.go): one sync per
// durable call here, since the calls are sequential, and the data back
// after reopening.
func TestQueue_SyncModes(t *testing.T) {
	for _, syncWrites := range []bool{true, false} {
		t.Run(fmt.Sprint("SyncWrites=", syncWrites), func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			db := openDBSync(t, dir, syncWrites)
			q, err := Open(db, "q/", queueing.Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range []string{"a", "b"} {
				if _, err := q.Enqueue(ctx, queueing.Message{Body: []byte(b)}); err != nil {
					t.Fatal(err)
				}
			}
			ls, err := q.Lease(ctx, 1, time.Minute)
			if err != nil || len(ls) != 1 {
				t.Fatalf("Lease: got %d, %v, want 1 message", len(ls), err)
			}
			if err := q.Ack(ctx, ls[0].ID); err != nil {
				t.Fatal(err)
			}
			if got := q.Stats().Syncs; got != 3 {
				t.Errorf("got %d syncs, want 3 (two enqueues, one ack; none for the lease)", got)
			}
			q.Close()
			db.Close()
			db = openDBSync(t, dir, syncWrites)
			defer db.Close()
			q, err = Open(db, "q/", queueing.Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			if ls, _ := q.Lease(ctx, 10, time.Minute); len(ls) != 1 || string(ls[0].Body) != "b" {
				t.Fatalf("got %+v after reopen, want b", ls)
			}
		})
	}
}

func TestQueue_LeaseWithEndedContextLeasesNothing(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.enqueue("a", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 10 {
		if _, err := e.q.Lease(ctx, 1, time.Minute); !errors.Is(err, context.Canceled) {
			t.Fatalf("Lease with an ended context: got %v, want context.Canceled", err)
		}
	}
	if ls := e.lease(1, time.Minute); len(ls) != 1 || ls[0].Attempts != 1 {
		t.Fatalf("got %+v, want the message on its first attempt", ls)
	}
}

func TestQueue_LeaseBoundedByBytes(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxBatchBytes: 8, MaxMessageBytes: 5})
	for _, b := range []string{"aaaaa", "bbbbb", "c"} {
		e.enqueue(b, "")
	}
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"aaaaa", "bbbbb"}) {
		t.Fatalf("got %q, want leasing to stop once MaxBatchBytes is reached", got)
	}
}
