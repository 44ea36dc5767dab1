package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

func rec(key, value, scope string) wsreliable.Record {
	r := wsreliable.Record{Key: key, Scope: scope}
	if value != "" {
		r.Value = []byte(value)
	}
	return r
}

func msg(body, group string) queueing.Message {
	return queueing.Message{Body: []byte(body), Group: group, DedupKey: group + "#" + body}
}

func commit(t *testing.T, st driver.Store, recs []wsreliable.Record, msgs ...queueing.Message) {
	t.Helper()
	if err := st.Commit(ctx, recs, msgs); err != nil {
		t.Fatalf("Commit = %v, want nil", err)
	}
}

// records returns the store's records as key=value, sorted.
func records(t *testing.T, st driver.Store) []string {
	t.Helper()
	recs, err := st.Records(ctx)
	if err != nil {
		t.Fatalf("Records = %v", err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Key+"="+string(r.Value))
	}
	slices.Sort(out)
	return out
}

func wantRecords(t *testing.T, st driver.Store, want ...string) {
	t.Helper()
	if got := records(t, st); !slices.Equal(got, want) {
		t.Fatalf("records: got %q, want %q", got, want)
	}
}

// leaseAll leases what is visible now, after waiting up to within for at
// least min deliveries.
func leaseAll(t *testing.T, st driver.Store, min int, within time.Duration) []queueing.Lease {
	t.Helper()
	var got []queueing.Lease
	checkfor.Until(t, within, func() error {
		ls, err := st.Lease(ctx, 100, 0)
		if err != nil {
			return err
		}
		got = append(got, ls...)
		if len(got) < min {
			return fmt.Errorf("leased %d deliveries, want %d", len(got), min)
		}
		return nil
	})
	return got
}

func bodies(ls []queueing.Lease) []string {
	var out []string
	for _, l := range ls {
		out = append(out, string(l.Body))
	}
	return out
}

func ack(t *testing.T, st driver.Store, l queueing.Lease) {
	t.Helper()
	if err := st.Ack(ctx, l.ID, "", nil); err != nil {
		t.Fatalf("Ack(%s) = %v", l.Body, err)
	}
}

// testCommit: records (of scopes and of none) and deliveries written by
// one Commit are there together; a nil Value deletes; a later value
// replaces.
func testCommit(t *testing.T, o Opener) {
	st := o.Open(t, "commit", opts())
	commit(t, st, []wsreliable.Record{rec("in/g1", "a", "g1"), rec("held/g1\n2", "h", "g1"), rec("meta", "1", "")},
		msg("d1", "rm:g1"))
	wantRecords(t, st, "held/g1\n2=h", "in/g1=a", "meta=1")
	commit(t, st, []wsreliable.Record{rec("held/g1\n2", "", "g1"), rec("in/g1", "b", "g1"), rec("in/g1", "c", "g1")},
		msg("d2", "rm:g1"))
	wantRecords(t, st, "in/g1=c", "meta=1")
	ls := leaseAll(t, st, 1, 10*time.Second)
	if got := bodies(ls); !slices.Equal(got, []string{"d1"}) {
		t.Fatalf("leased %q, want [d1] (d2 waits for it: one group)", got)
	}
	if ls[0].Group != "rm:g1" || ls[0].Attempts != 1 {
		t.Fatalf("lease: group %q attempts %d, want rm:g1 and 1", ls[0].Group, ls[0].Attempts)
	}
	ack(t, st, ls[0])
	if got := bodies(leaseAll(t, st, 1, 10*time.Second)); !slices.Equal(got, []string{"d2"}) {
		t.Fatalf("leased %q after acking d1, want [d2]", got)
	}
}

// testCommitFull: a Commit whose deliveries the queue has no room for
// fails with ErrQueueFull and writes none of its records.
func testCommitFull(t *testing.T, o Opener) {
	qo := opts()
	qo.MaxLength = 2
	st := o.Open(t, "full", qo)
	commit(t, st, []wsreliable.Record{rec("in/g1", "a", "g1")}, msg("d1", "rm:g1"))
	err := st.Commit(ctx, []wsreliable.Record{rec("in/g2", "b", "g2")}, []queueing.Message{msg("d2", "rm:g2"), msg("d3", "rm:g3")})
	if !errors.Is(err, queueing.ErrQueueFull) {
		t.Fatalf("Commit beyond the queue's length: got %v, want ErrQueueFull", err)
	}
	wantRecords(t, st, "in/g1=a")
	if waiting, _ := st.Len(); waiting > 2 || !o.Dedup && waiting != 1 {
		t.Fatalf("Len: %d waiting, want 1 (at most 2 for a store that enqueues first)", waiting)
	}
}

// testCommitDedup: the same delivery committed again (a crash between
// deliveries and records, then the client's retransmission) is delivered
// once, by a store that cannot commit both at once.
func testCommitDedup(t *testing.T, o Opener) {
	if !o.Dedup {
		t.Skip("the store writes records and deliveries at once")
	}
	st := o.Open(t, "dedup", opts())
	commit(t, st, nil, msg("d1", "rm:g1"))
	commit(t, st, []wsreliable.Record{rec("in/g1", "a", "g1")}, msg("d1", "rm:g1"), msg("d2", "rm:g1"))
	var got []string
	checkfor.Until(t, 10*time.Second, func() error {
		ls, err := st.Lease(ctx, 10, 0)
		if err != nil {
			return err
		}
		for _, l := range ls {
			got = append(got, string(l.Body))
			ack(t, st, l)
		}
		if len(got) < 2 {
			return fmt.Errorf("delivered %q", got)
		}
		return nil
	})
	if !slices.Equal(got, []string{"d1", "d2"}) {
		t.Fatalf("delivered %q, want [d1 d2] (the repeat dropped)", got)
	}
}

// testGroupOrder: a group's next delivery is not leased while one is, and
// a group's deliveries come in order.
func testGroupOrder(t *testing.T, o Opener) {
	st := o.Open(t, "order", opts())
	commit(t, st, nil, msg("a1", "rm:a"), msg("b1", "rm:b"), msg("a2", "rm:a"), msg("a3", "rm:a"))
	var got []string
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < 4 && time.Now().Before(deadline) {
		ls, err := st.Lease(ctx, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, l := range ls {
			if seen[l.Group] {
				t.Fatalf("two deliveries of group %s leased at once: %q", l.Group, bodies(ls))
			}
			seen[l.Group] = true
			got = append(got, string(l.Body))
			ack(t, st, l)
		}
		if len(ls) == 0 {
			time.Sleep(checkfor.Interval) // polling for the next one
		}
	}
	var a []string
	for _, b := range got {
		if b[0] == 'a' {
			a = append(a, b)
		}
	}
	if !slices.Equal(a, []string{"a1", "a2", "a3"}) || len(got) != 4 {
		t.Fatalf("delivered %q (group a: %q), want every one once and a1, a2, a3 in order", got, a)
	}
}

// testNackDelay: a nacked delivery comes again after its delay, counted.
func testNackDelay(t *testing.T, o Opener) {
	st := o.Open(t, "nack", opts())
	commit(t, st, nil, msg("d1", "rm:g"))
	l := leaseAll(t, st, 1, 10*time.Second)[0]
	const delay = 700 * time.Millisecond
	nacked := time.Now()
	if err := st.Nack(ctx, l.ID, delay); err != nil {
		t.Fatal(err)
	}
	again := leaseAll(t, st, 1, 10*time.Second)[0]
	if waited := time.Since(nacked); waited < delay-50*time.Millisecond {
		t.Fatalf("delivered again after %v, want after the delay %v", waited, delay)
	}
	if string(again.Body) != "d1" || again.Attempts != 2 {
		t.Fatalf("got %s attempt %d, want d1 attempt 2", again.Body, again.Attempts)
	}
}

// testDeadLetter: after its last attempt (MaxAttempts 3) a nacked delivery
// goes to the dead letters, and the group's next one goes on.
func testDeadLetter(t *testing.T, o Opener) {
	st := o.Open(t, "dead", opts())
	commit(t, st, nil, msg("d1", "rm:g"), msg("d2", "rm:g"))
	for attempt := 1; attempt <= 3; attempt++ {
		l := leaseAll(t, st, 1, 10*time.Second)[0]
		if string(l.Body) != "d1" || l.Attempts != attempt {
			t.Fatalf("got %s attempt %d, want d1 attempt %d", l.Body, l.Attempts, attempt)
		}
		if err := st.Nack(ctx, l.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := bodies(leaseAll(t, st, 1, 10*time.Second)); !slices.Equal(got, []string{"d2"}) {
		t.Fatalf("after d1's last attempt leased %q, want [d2]", got)
	}
	checkfor.Until(t, 10*time.Second, func() error {
		if waiting, dead := st.Len(); waiting != 1 || dead != 1 {
			return fmt.Errorf("Len = %d waiting, %d dead; want 1 and 1", waiting, dead)
		}
		return nil
	})
}

// testLeaseRunsOut: a delivery neither acked nor nacked (its consumer
// died) is delivered again once its lease has run out.
func testLeaseRunsOut(t *testing.T, o Opener) {
	st := o.Open(t, "lease", opts())
	commit(t, st, nil, msg("d1", "rm:g"))
	ls, err := st.Lease(ctx, 1, 300*time.Millisecond)
	for err == nil && len(ls) == 0 {
		time.Sleep(checkfor.Interval) // polling for the first delivery
		ls, err = st.Lease(ctx, 1, 300*time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	again := leaseAll(t, st, 1, 20*time.Second)[0]
	if string(again.Body) != "d1" || again.Attempts != 2 {
		t.Fatalf("got %s attempt %d, want d1 delivered again (attempt 2)", again.Body, again.Attempts)
	}
}

func take(t *testing.T, st driver.Store, box string, lease time.Duration) (string, string, bool) {
	t.Helper()
	key, reply, ok, err := st.TakeReply(ctx, box, lease)
	if err != nil {
		t.Fatalf("TakeReply = %v", err)
	}
	return key, string(reply), ok
}

// testReplyPickup: Ack keeps the reply in its box; a pickup leases the
// oldest, which another pickup does not get; settled unwritten it is
// offered again, written it is gone.
func testReplyPickup(t *testing.T, o Opener) {
	st := o.Open(t, "reply", opts())
	commit(t, st, nil, msg("d1", "rm:g1"), msg("d2", "rm:g2"), msg("d3", "rm:g3"))
	ls := leaseAll(t, st, 3, 10*time.Second)
	// acknowledged in the deliveries' order (the leases of three groups
	// may come in any order; a store may order a box by delivery)
	slices.SortFunc(ls, func(a, b queueing.Lease) int { return cmp.Compare(a.ID, b.ID) })
	for i, l := range ls {
		box, reply := "box", []byte(fmt.Sprintf("<r%d/>", i+1))
		if i == 2 {
			box, reply = "other", []byte("<o/>")
		}
		if err := st.Ack(ctx, l.ID, box, reply); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, ok := take(t, st, "none", time.Minute); ok {
		t.Fatal("an empty box gave a reply")
	}
	k1, r1, ok := take(t, st, "box", time.Minute)
	if !ok || r1 != "<r1/>" {
		t.Fatalf("first pickup: got %q %v, want <r1/>", r1, ok)
	}
	if _, r, ok := take(t, st, "box", time.Minute); !ok || r != "<r2/>" {
		t.Fatalf("second pickup: got %q %v, want <r2/> (r1 is leased)", r, ok)
	}
	if err := st.SettleReply(ctx, k1, false); err != nil {
		t.Fatal(err)
	}
	k1, r1, ok = take(t, st, "box", time.Minute)
	if !ok || r1 != "<r1/>" {
		t.Fatalf("after an unwritten answer: got %q %v, want <r1/> again", r1, ok)
	}
	if err := st.SettleReply(ctx, k1, true); err != nil {
		t.Fatal(err)
	}
	if _, r, ok := take(t, st, "box", time.Minute); ok {
		t.Fatalf("got %q, want nothing (r1 written, r2 leased)", r)
	}
	if _, r, ok := take(t, st, "other", time.Minute); !ok || r != "<o/>" {
		t.Fatalf("other box: got %q %v, want <o/>", r, ok)
	}
}

// testReplyLeaseRunsOut: a reply taken and never settled (its taker
// crashed) is offered again once its lease ran out.
func testReplyLeaseRunsOut(t *testing.T, o Opener) {
	st := o.Open(t, "replylease", opts())
	commit(t, st, nil, msg("d1", "rm:g1"))
	l := leaseAll(t, st, 1, 10*time.Second)[0]
	if err := st.Ack(ctx, l.ID, "box", []byte("<r/>")); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := take(t, st, "box", 300*time.Millisecond); !ok {
		t.Fatal("no reply to take")
	}
	checkfor.True(t, 10*time.Second, "the reply offered again", func() bool {
		_, r, ok := take(t, st, "box", time.Minute)
		return ok && r == "<r/>"
	})
}

// testRestart: records, deliveries (the leased one too) and kept replies
// are there after a restart.
func testRestart(t *testing.T, o Opener) {
	st := o.Open(t, "restart", opts())
	commit(t, st, []wsreliable.Record{rec("in/g1", "a", "g1"), rec("meta", "3", "")}, msg("d1", "rm:g1"), msg("d2", "rm:g2"), msg("d3", "rm:g3"))
	ls := leaseAll(t, st, 3, 10*time.Second)
	if err := st.Ack(ctx, ls[0].ID, "box", []byte("<r/>")); err != nil {
		t.Fatal(err)
	}
	ack(t, st, ls[1]) // ls[2] stays leased
	st = o.Reopen(t, st)
	wantRecords(t, st, "in/g1=a", "meta=3")
	if got := bodies(leaseAll(t, st, 1, 30*time.Second)); len(got) != 1 {
		t.Fatalf("after a restart leased %q, want the one left leased", got)
	}
	if _, r, ok := take(t, st, "box", time.Minute); !ok || r != "<r/>" {
		t.Fatalf("after a restart: reply %q %v, want <r/>", r, ok)
	}
}
