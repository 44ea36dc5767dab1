package storetest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify"
)

// The crash test: a writer process makes steps of writes through the
// store and reports each step once all its writes have returned; the test
// kills it with SIGKILL at a random point, opens the store again and
// checks that every reported step is there and that what follows is the
// writer's steps in order, the last one possibly cut short. A kill -9
// loses what a store buffers in its own process (an asynchronous publish,
// a write batched for later); it does not lose what the operating system
// holds, so this checks that writes are handed over before they return,
// not that they reach the disk (no test here can pull the power).

// Step i of the writer, in this order:
//
//	Create  crash/k{i} = v{i}
//	Append  e{i} to the list crashlog
//	        (i%8 == 7) DeleteThrough the entry e{i-4}
//	        (i%5 == 4) Delete crash/k{i-2}
//	Put     crash/n = i+1 (the steps done: written last)
const (
	crashKind = "crash"
	maxSteps  = 100_000
)

var crashLog = storage.List{Kind: "crashlog"}

func crashKey(i int) string { return "k" + strconv.Itoa(i) }

// CrashWriter is the writer process's side of Crash: it makes steps over
// st, printing "acked N" to out when step N has returned, until it is
// killed (or out fails, or maxSteps).
func CrashWriter(st wsnotify.Store, out io.Writer) error {
	for i := range maxSteps {
		if _, err := st.Create(ctx, crashKind, crashKey(i), []byte("v"+strconv.Itoa(i))); err != nil {
			return err
		}
		if _, err := st.Append(ctx, storage.Add{List: crashLog, Value: []byte("e" + strconv.Itoa(i))}); err != nil {
			return err
		}
		if i%8 == 7 {
			es, err := st.Read(ctx, crashLog, 0, 0)
			if err != nil {
				return err
			}
			at := slices.IndexFunc(es, func(e storage.Entry) bool { return string(e.Value) == "e"+strconv.Itoa(i-4) })
			if at < 0 {
				return fmt.Errorf("step %d: entry e%d missing from %d entries", i, i-4, len(es))
			}
			if err := st.DeleteThrough(ctx, crashLog, es[at].Seq); err != nil {
				return err
			}
		}
		if i%5 == 4 {
			if err := st.Delete(ctx, crashKind, crashKey(i-2), 0); err != nil {
				return err
			}
		}
		if _, err := st.Put(ctx, crashKind, "n", []byte(strconv.Itoa(i+1))); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(out, "acked %d\n", i); err != nil {
			return err
		}
	}
	return nil
}

// Crash runs rounds of the crash test, each over a new directory: start
// returns the writer process (a test binary running CrashWriter over a
// store in dir, its stdout for Crash to read), reopen opens that store
// again after the kill.
func Crash(t *testing.T, rounds int, start func(t *testing.T, dir string) *exec.Cmd, reopen func(t *testing.T, dir string) wsnotify.Store) {
	for r := range rounds {
		dir := t.TempDir()
		acked := crashRound(t, start(t, dir), 1+rand.IntN(40))
		st := reopen(t, dir)
		done, err := checkCrashed(st, acked)
		if err != nil {
			t.Fatalf("round %d, killed after step %d was acknowledged: %v", r, acked, err)
		}
		t.Logf("round %d: killed after step %d was acknowledged; %d steps stored", r, acked, done)
	}
}

// crashRound starts cmd, kills it once it has acknowledged step kill and
// returns the last step it read acknowledged.
func crashRound(t *testing.T, cmd *exec.Cmd, kill int) int {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := make(chan int)
	go func() {
		defer close(acks)
		s := bufio.NewScanner(out)
		for s.Scan() {
			if n, ok := strings.CutPrefix(s.Text(), "acked "); ok {
				i, _ := strconv.Atoi(n)
				acks <- i
			}
		}
	}()
	last := -1
	timeout := time.After(60 * time.Second)
	for last < kill {
		select {
		case i, ok := <-acks:
			if !ok {
				cmd.Wait() //nolint:errcheck // reporting the early end
				t.Fatalf("writer ended after step %d, before the kill", last)
			}
			last = i
		case <-timeout:
			cmd.Process.Kill() //nolint:errcheck // giving up
			t.Fatalf("writer acknowledged %d steps in 60s, want %d", last+1, kill+1)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := range acks { // what it printed before it died was acknowledged too
		last = i
	}
	cmd.Wait() //nolint:errcheck // killed
	return last
}

// checkCrashed checks the store a writer was killed over: the steps done
// (the counter) cover every acknowledged one, and the records and the list
// are those of the steps done, the step after them possibly half made. It
// returns the steps done.
func checkCrashed(st wsnotify.Store, acked int) (int, error) {
	n := 0
	r, err := st.Get(ctx, crashKind, "n")
	switch {
	case err == nil:
		if n, err = strconv.Atoi(string(r.Value)); err != nil {
			return 0, fmt.Errorf("counter %q: %w", r.Value, err)
		}
	case !errors.Is(err, storage.ErrNotFound):
		return 0, err
	}
	if n < acked+1 {
		return n, fmt.Errorf("%d steps stored, want at least the %d acknowledged", n, acked+1)
	}
	if err := checkCrashRecords(st, n); err != nil {
		return n, err
	}
	return n, checkCrashLog(st, n)
}

// checkCrashRecords: k{j} is there for the steps done that no done step
// deleted; step n may have made k{n} and deleted k{n-2}.
func checkCrashRecords(st wsnotify.Store, n int) error {
	deleted := func(j, steps int) bool { return j+2 < steps && (j+2)%5 == 4 }
	seen := map[int]bool{}
	err := st.Scan(ctx, crashKind, func(r storage.Record) error {
		if r.Key == "n" {
			return nil
		}
		j, err := strconv.Atoi(strings.TrimPrefix(r.Key, "k"))
		if err != nil || string(r.Value) != "v"+strconv.Itoa(j) {
			return fmt.Errorf("record %s = %q, not one the writer made", r.Key, r.Value)
		}
		if j > n || deleted(j, n) {
			return fmt.Errorf("record %s is there after %d steps, want it not made or deleted", r.Key, n)
		}
		seen[j] = true
		return nil
	})
	if err != nil {
		return err
	}
	for j := range n {
		if !deleted(j, n) && !seen[j] && !(j == n-2 && n%5 == 4) {
			return fmt.Errorf("record %s missing after %d steps", crashKey(j), n)
		}
	}
	return nil
}

// checkCrashLog: the list is that of n steps, or of n steps and the
// append (and trim) of step n.
func checkCrashLog(st wsnotify.Store, n int) error {
	es, err := st.Read(ctx, crashLog, 0, 0)
	if err != nil {
		return err
	}
	var got []string
	for _, e := range es {
		got = append(got, string(e.Value))
	}
	model := func(steps int, lastAppendOnly bool) []string {
		var l []string
		for i := range steps {
			l = append(l, "e"+strconv.Itoa(i))
			if i%8 == 7 && !(lastAppendOnly && i == steps-1) {
				l = l[slices.Index(l, "e"+strconv.Itoa(i-4))+1:]
			}
		}
		return l
	}
	for _, want := range [][]string{model(n, false), model(n+1, true), model(n+1, false)} {
		if slices.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("list after %d steps holds %q, want %q (or with step %d's append)", n, got, model(n, false), n)
}
