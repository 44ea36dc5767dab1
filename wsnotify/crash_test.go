package wsnotify

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage/badgerstore"
)

// TestBroker_CrashHelper is the broker process of TestBroker_KillRestart:
// it serves a broker over the badger in $WSN_CRASH_DIR and prints its URL.
func TestBroker_CrashHelper(t *testing.T) {
	dir := os.Getenv("WSN_CRASH_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(dir, "db")).WithLogger(nil).WithSyncWrites(true)) // as wsgw serve opens it
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.PublicURL = "http://" + l.Addr().String()
	b, err := Open(badgerstore.NewBroker(db, "wsn/"), cfg, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	go b.Run(context.Background())
	os.Stdout.WriteString("URL " + cfg.PublicURL + "\n")
	http.Serve(l, b.Handler()) //nolint:errcheck // killed
}

// TestBroker_KillRestart subscribes through a broker process, kills it with
// SIGKILL, starts a new process on the same store and checks that the
// subscription still delivers.
func TestBroker_KillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	c := newConsumer(t)
	start := func() (*exec.Cmd, string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBroker_CrashHelper$")
		cmd.Env = append(os.Environ(), "WSN_CRASH_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line := make(chan string, 1)
		go func() {
			s := bufio.NewScanner(out)
			for s.Scan() {
				if u, ok := strings.CutPrefix(s.Text(), "URL "); ok {
					line <- u
				}
			}
		}()
		select {
		case u := <-line:
			return cmd, u
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatal("broker process did not start")
		}
		return nil, ""
	}
	cmd, base := start()
	r := postRaw(t, base+pathBroker, soap.V11, envelope(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), "")))
	if r.status != 200 {
		cmd.Process.Kill()
		t.Fatalf("Subscribe: HTTP %d\n%s", r.status, r.body)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	cmd, base = start()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if r := postRaw(t, base+pathBroker, soap.V11, envelope(soap.V11, notifyXML("tns:t", "<m:x/>"))); r.status != http.StatusAccepted {
		t.Fatalf("Notify after restart: HTTP %d\n%s", r.status, r.body)
	}
	checkfor.True(t, waitTimeout, "delivery after kill -9 and restart", func() bool { return c.count() == 1 })
}
