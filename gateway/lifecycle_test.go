package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/goroutines"
	"github.com/wsgw/wsgw/wsnotify"
)

// backgroundFrames mark the goroutines of the gateway's background parts:
// reliable drivers, the broker, health checks, and Run itself.
var backgroundFrames = []string{
	"github.com/wsgw/wsgw/wsreliable/driver.",
	"github.com/wsgw/wsgw/wsnotify.",
	"github.com/wsgw/wsgw/wsnotify/delivery.",
	"github.com/wsgw/wsgw/gateway/cluster.",
	"github.com/wsgw/wsgw/gateway.(*Gateway).run",
}

// backgroundGoroutines returns the stacks of the goroutines running a
// background part of some gateway.
func backgroundGoroutines() []string { return goroutines.Matching(backgroundFrames...) }

// A gateway that is built but not run starts no goroutine and delivers
// nothing, not even the reliable messages its queue held from an earlier
// run; Run delivers them; cancelling Run stops every goroutine it started,
// and after Close the process is back to the goroutines it had before.
func TestGateway_NothingRunsUntilRunAndCancelStopsAll(t *testing.T) {
	b := newLogBackend(t)
	b.stop()
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	quotes := Config{Services: []ServiceConfig{reliableQuote(b)}}
	url, stop := serveWithDB(t, quotes, db)
	c := newRMClient(t, url+"/services/Quotes")
	c.send(1, "A") // acknowledged, so stored; the backend is down
	c.send(2, "B")
	stop()
	b.start(t)

	// A goroutine past its WaitGroup's Done may still be on its way out:
	// poll, so that only one that stays is a failure.
	noBackground := func(when string) {
		t.Helper()
		checkfor.Until(t, 5*time.Second, func() error {
			if bg := backgroundGoroutines(); len(bg) != 0 {
				return fmt.Errorf("%s: got %d background goroutines, want none:\n%s", when, len(bg), strings.Join(bg, "\n\n"))
			}
			return nil
		})
	}
	noBackground("before New")
	before := runtime.NumGoroutine()
	plain := newBackend(t, "p0")
	cfg := quotes
	cfg.PublicURL = "http://127.0.0.1:1"
	cfg.Services = append(cfg.Services, quoteService("Plain", cluster.PartitionConfig{Replicas: []string{plain.url()}}))
	cfg.Broker = &wsnotify.Config{SweepInterval: 10 * time.Millisecond}
	g, err := New(context.Background(), cfg, Options{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if bg := backgroundGoroutines(); len(bg) != 0 {
		t.Fatalf("after New: got %d background goroutines, want none:\n%s", len(bg), strings.Join(bg, "\n\n"))
	}
	if got := b.received(); len(got) != 0 {
		t.Fatalf("after New: backend got %v, want nothing before Run", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- g.Run(ctx) }()
	b.waitLog(t, "A", "B")
	checkfor.Until(t, 5*time.Second, func() error {
		bg := strings.Join(backgroundGoroutines(), "\n")
		for _, part := range []string{"driver.(*Driver).Run", "wsnotify.(*Broker).Run", "cluster.(*Cluster).Run"} {
			if !strings.Contains(bg, part) {
				return fmt.Errorf("%s is not running", part)
			}
		}
		return nil
	})
	if err := g.Run(ctx); err == nil {
		t.Errorf("a second Run: got nil, want an error")
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run: got %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not return after cancel; running:\n%s", strings.Join(backgroundGoroutines(), "\n\n"))
	}
	noBackground("after Run returned")
	if err := g.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := g.Run(context.Background()); err == nil {
		t.Errorf("Run after Close: got nil, want an error")
	}
	plain.srv.Close()
	checkfor.Until(t, 10*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > before {
			return fmt.Errorf("got %d goroutines, want at most the %d of before New", n, before)
		}
		return nil
	})
}
