package badgerq

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

// crashDirEnv names the directory of the crash test's child process.
const crashDirEnv = "WSGW_BADGERQ_CRASH_DIR"

// TestQueue_CrashKeepsAcknowledged kills a child process that enqueues and
// acks under load with SIGKILL at random moments, restarting it on the
// same DB, then checks that every Enqueue that returned nil is present
// unless acked, that no acked message came back, and that the extra
// writes of EnqueueWith were committed exactly with their messages. One
// consumer acks with AckLazy and then enqueues: a lazy ack followed by a
// durable call that returned counts as acked (changes reach the disk in
// order); one without may come back.
func TestQueue_CrashKeepsAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	for round := range 3 {
		runAndKill(t, dir, round)
	}
	log := readCrashLogs(t, dir)
	if len(log.enqueued) == 0 || len(log.acked) == 0 || len(log.lazy) == 0 {
		t.Fatalf("got %d enqueued, %d acked, %d acked lazily by the children, want some of each",
			len(log.enqueued), len(log.acked), len(log.lazy))
	}
	got, markers := drainAfterCrash(t, filepath.Join(dir, "db"))
	checkMarkers(t, got, log, markers)
	for id, body := range log.enqueued {
		b, present := got[id]
		switch {
		case log.acked[id] && present:
			t.Errorf("message %d: acked, but present after restart", id)
		case !log.acking[id] && !present:
			t.Errorf("message %d (%s): enqueue returned nil, but lost", id, body)
		case present && b != body:
			t.Errorf("message %d: got body %q, want %q", id, b, body)
		}
	}
	for id := range got {
		if log.acked[id] {
			t.Errorf("message %d: acked, but delivered after restart", id)
		}
	}
	back := 0
	for id := range log.lazy {
		if _, present := got[id]; present {
			back++
		}
	}
	t.Logf("%d enqueued, %d acked (%d lazily), %d delivered after the crashes (%d of them acked lazily, no durable call after)",
		len(log.enqueued), len(log.acked), len(log.lazy), len(got), back)
}

func runAndKill(t *testing.T, dir string, round int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestQueue_CrashChild$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, fmt.Sprintf("WSGW_BADGERQ_CRASH_ROUND=%d", round))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting child: %v", err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			if sc.Text() == "ready" && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("round %d: child exited before getting ready", round)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("round %d: child not ready in 20s", round)
	}
	// Not a wait for anything: the child works for a random while, so
	// that the kill lands at a random point of its work.
	time.Sleep(time.Duration(200+rand.IntN(600)) * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("killing child: %v", err)
	}
	cmd.Wait()
}

// TestQueue_CrashChild is the child of TestQueue_CrashKeepsAcknowledged; it
// runs until killed.
func TestQueue_CrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("only run as the crash test's child")
	}
	db := openDB(t, filepath.Join(dir, "db"))
	q, err := Open(db, "q/crash/", queueing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("log-%d", os.Getpid())), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	// One write(2) per line: whatever was written survives SIGKILL.
	write := func(format string, args ...any) { fmt.Fprintf(logf, format+"\n", args...) }
	ctx := context.Background()
	for p := range 6 {
		go func() {
			for i := 0; ; i++ {
				m := queueing.Message{Body: fmt.Appendf(nil, "%d-%d-%d", os.Getpid(), p, i)}
				if i%3 == 0 {
					m.Group = fmt.Sprint("g", p)
				}
				var id uint64
				var err error
				if i%2 == 0 {
					id, err = q.Enqueue(ctx, m)
				} else {
					// With a marker key, written in the same transaction.
					m.Body = append(m.Body, "-w"...)
					var ids []uint64
					ids, err = q.EnqueueWith(ctx, []queueing.Message{m}, []Write{{Key: append([]byte(markerPrefix), m.Body...), Value: m.Body}})
					if err == nil {
						id = ids[0]
					}
				}
				if err != nil {
					write("X %v", err)
					return
				}
				write("E %d %s", id, m.Body)
			}
		}()
	}
	for c := range 2 {
		lazy := c == 1 // acks with AckLazy, then makes it durable with an Enqueue
		go func() {
			for {
				ls, err := q.Lease(ctx, 8, time.Hour)
				if err != nil {
					return
				}
				if len(ls) > 0 && ls[0].Attempts == 1 && ls[0].ID%5 == 0 {
					// Some go round again: redelivered at once.
					if err := q.Nack(ctx, ls[0].ID, 0); err != nil {
						return
					}
					ls = ls[1:]
				}
				for _, l := range ls {
					write("I %d %s", l.ID, l.Body)
				}
				if lazy {
					if err := q.AckLazy(ctx, ids(ls)...); err != nil {
						return
					}
					for _, l := range ls {
						write("L %d", l.ID)
					}
					// Changes reach the disk in order: once this durable
					// Enqueue returns, the lazy acks are on disk too.
					m := queueing.Message{Body: fmt.Appendf(nil, "%d-after-%d", os.Getpid(), len(ls))}
					id, err := q.Enqueue(ctx, m)
					if err != nil {
						write("X %v", err)
						return
					}
					write("E %d %s", id, m.Body)
				}
				if !lazy {
					if err := q.Ack(ctx, ids(ls)...); err != nil {
						return
					}
				}
				for _, l := range ls {
					write("A %d", l.ID)
				}
			}
		}()
	}
	fmt.Println("ready")
	select {}
}

type crashLog struct {
	enqueued map[uint64]string
	leased   map[string]bool // bodies of messages an Ack was called for
	acking   map[uint64]bool // an Ack was called
	acked    map[uint64]bool // an Ack returned nil (an AckLazy, and a durable call after it)
	lazy     map[uint64]bool // an AckLazy returned nil
}

func readCrashLogs(t *testing.T, dir string) crashLog {
	t.Helper()
	l := crashLog{enqueued: map[uint64]string{}, leased: map[string]bool{}, acking: map[uint64]bool{}, acked: map[uint64]bool{},
		lazy: map[uint64]bool{}}
	files, _ := filepath.Glob(filepath.Join(dir, "log-*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			var id uint64
			var body string
			switch {
			case strings.HasPrefix(line, "E "):
				if n, _ := fmt.Sscanf(line, "E %d %s", &id, &body); n == 2 {
					l.enqueued[id] = body
				}
			case strings.HasPrefix(line, "I "):
				if n, _ := fmt.Sscanf(line, "I %d %s", &id, &body); n == 2 {
					l.acking[id] = true
					l.leased[body] = true
				}
			case strings.HasPrefix(line, "A "):
				if n, _ := fmt.Sscanf(line, "A %d", &id); n == 1 {
					l.acked[id] = true
				}
			case strings.HasPrefix(line, "L "):
				if n, _ := fmt.Sscanf(line, "L %d", &id); n == 1 {
					l.lazy[id] = true
				}
			case strings.HasPrefix(line, "X "):
				t.Errorf("child: %s", line)
			}
		}
	}
	return l
}

// markerPrefix prefixes the keys the child writes with EnqueueWith.
const markerPrefix = "x/"

// checkMarkers checks that a marker exists for every message enqueued with
// one that was committed (found after the crashes, or leased before), and
// a message for every marker.
func checkMarkers(t *testing.T, got map[uint64]string, log crashLog, markers map[string]bool) {
	t.Helper()
	committed := map[string]bool{}
	for _, b := range got {
		committed[b] = true
	}
	for b := range log.leased {
		committed[b] = true
	}
	n := 0
	for b := range committed {
		if strings.HasSuffix(b, "-w") {
			n++
			if !markers[b] {
				t.Errorf("message %s: committed without the marker written with it", b)
			}
		}
	}
	for b := range markers {
		if !committed[b] {
			t.Errorf("marker %s: committed without its message", b)
		}
	}
	if n == 0 {
		t.Errorf("got no message enqueued with a marker, want some")
	}
}

// drainAfterCrash reopens the DB two hours later (every lease has run out)
// and leases and acks everything, checking no message comes twice and each
// group comes in ID order. It returns the messages and the marker keys
// (EnqueueWith) found.
func drainAfterCrash(t *testing.T, dbDir string) (map[uint64]string, map[string]bool) {
	t.Helper()
	db := openDB(t, dbDir)
	defer db.Close()
	markers := map[string]bool{}
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(markerPrefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			markers[strings.TrimPrefix(string(it.Item().Key()), markerPrefix)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	q, err := Open(db, "q/crash/", queueing.Options{Now: later, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	length := q.Stats().Length
	got := map[uint64]string{}
	lastInGroup := map[string]uint64{}
	for {
		ls, err := q.Lease(context.Background(), 1000, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) == 0 {
			break
		}
		for _, l := range ls {
			if _, dup := got[l.ID]; dup {
				t.Fatalf("message %d delivered twice after restart", l.ID)
			}
			got[l.ID] = string(l.Body)
			if l.Group != "" && l.ID < lastInGroup[l.Group] {
				t.Errorf("group %s: got %d after %d, want ID order", l.Group, l.ID, lastInGroup[l.Group])
			}
			lastInGroup[l.Group] = l.ID
		}
		if err := q.Ack(context.Background(), ids(ls)...); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != length {
		t.Errorf("got %d messages delivered, want the stored length %d", len(got), length)
	}
	if s := q.Stats(); s.Length != 0 || s.DeadLetters != 0 {
		t.Errorf("got %+v after draining, want an empty queue", s)
	}
	return got, markers
}
