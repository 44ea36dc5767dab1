package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/agent"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// The hub of each path is what every notification goes through once: the
// broker (HTTP path: it takes the publisher's Notify and POSTs it to each
// subscriber) or the send agent (direct path: it takes the publisher's
// Notify and sends its datagrams, once to the group or once per receiver).
// Run as a process of its own (StartHub, `wsgw bench direct-hub`), its CPU
// time is its own and tells what one hub costs per notification, which the
// end-to-end figures of one machine cannot (every receiver and consumer
// shares the CPU with it).

// Hub roles.
const (
	RoleBroker = "broker"
	RoleSender = "sender"
)

// HubConfig is what a hub runs.
type HubConfig struct {
	Role    string
	DataDir string // broker: where its temporary badger store goes
	// Sender: the channel's key, its transport, and its rate ceiling
	// (bytes/s of everything sent, every unicast copy counted).
	Key       []byte
	Multicast bool
	Group     string // multicast: group and port, e.g. 239.255.77.1:7400
	Interface string // multicast: interface to send on, e.g. lo
	MaxRate   int64
}

// HubAddr is where a running hub is.
type HubAddr struct {
	URL     string         // broker: its NotificationBroker; sender: its publish handler
	Stats   string         // GET: HubStats as JSON
	Control netip.AddrPort // sender: where receivers send Joins and NAKs
}

// HubStats is a hub's counters so far.
type HubStats struct {
	// CPU is the user and system time of the hub's process, -1 when the
	// hub shares its process (StartHubInProcess: not measurable apart).
	CPU time.Duration
	// Sender only.
	Joined                 int
	DataBytes, RepairBytes int64
	NAKsReceived           int64
	QueueFull              int64 // Publishes answered ErrFull (the agent answered 503)
	MaxRate                int64
}

// StartHub starts a hub and returns where it is and how to stop it.
type StartHub func(ctx context.Context, cfg HubConfig) (HubAddr, func() error, error)

// StartHubInProcess runs the hub in this process (tests; its CPU is not
// measured).
func StartHubInProcess(ctx context.Context, cfg HubConfig) (HubAddr, func() error, error) {
	ctx, stop := context.WithCancel(ctx)
	addrc := make(chan HubAddr, 1)
	done := make(chan error, 1)
	go func() { done <- RunHub(ctx, cfg, nil, func(a HubAddr) { addrc <- a }) }()
	select {
	case a := <-addrc:
		return a, func() error { stop(); return ignoreCanceled(<-done) }, nil
	case err := <-done:
		stop()
		return HubAddr{}, nil, err
	}
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// RunHub runs the hub of cfg until ctx ends; ready is told where it is
// once it serves. cpu, when set, is the process's CPU time so far.
func RunHub(ctx context.Context, cfg HubConfig, cpu func() time.Duration, ready func(HubAddr)) error {
	if cpu == nil {
		cpu = func() time.Duration { return -1 }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	var addr HubAddr
	var stats func() HubStats
	switch cfg.Role {
	case RoleBroker:
		dir, err := os.MkdirTemp(cfg.DataDir, "wsgw-bench-direct-")
		if err != nil {
			ln.Close()
			return err
		}
		defer os.RemoveAll(dir)
		db, err := badger.Open(badgerstore.Options(dir, badgerstore.Uses{Broker: true}).WithLogger(nil))
		if err != nil {
			ln.Close()
			return err
		}
		defer db.Close()
		b, err := wsnotify.Open(badgerstore.NewBroker(db, "wsn/"), wsnotify.Config{PublicURL: base, Egress: egress.Config{CIDRs: []string{"loopback"}}}, wsnotify.Options{})
		if err != nil {
			ln.Close()
			return err
		}
		defer b.Close()
		go b.Run(ctx) //nolint:errcheck // ends with ctx
		mux.Handle("/", b.Handler())
		addr.URL = base + "/wsn/NotificationBroker"
		stats = func() HubStats { return HubStats{CPU: cpu()} }
	case RoleSender:
		s, err := newSender(cfg)
		if err != nil {
			ln.Close()
			return err
		}
		go s.Run(ctx) //nolint:errcheck // ends with ctx
		if addr.Control, err = s.Addr(ctx); err != nil {
			ln.Close()
			return err
		}
		mux.Handle("/", agent.PublishHandler(&agent.Router{All: s}, xmldoc.Limits{}, nil))
		addr.URL = base + "/"
		stats = func() HubStats {
			m, _ := s.Metrics()
			st := HubStats{CPU: cpu(), DataBytes: m.DataBytes, RepairBytes: m.RepairBytes, NAKsReceived: m.NAKsReceived, QueueFull: m.QueueFull, MaxRate: cfg.MaxRate}
			for _, p := range m.Receivers {
				if p.Joined {
					st.Joined++
				}
			}
			return st
		}
	default:
		ln.Close()
		return fmt.Errorf("hub role %q: want %s or %s", cfg.Role, RoleBroker, RoleSender)
	}
	mux.HandleFunc("GET /bench/stats", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(stats()) //nolint:errcheck // the reader sees a short body
	})
	addr.Stats = base + "/bench/stats"
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	ready(addr)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}

// newSender is the direct path's sender of session 1: multicast to
// cfg.Group on cfg.Interface (multicast loopback on, so that receivers of
// this host get it), or unicast fan-out to the receivers that joined.
func newSender(cfg HubConfig) (*driver.Sender, error) {
	nc := driver.NetConfig{Unicast: true, Listen: loopback, Allow: func(a netip.Addr) bool { return a.IsLoopback() }}
	if cfg.Multicast {
		g, err := netip.ParseAddrPort(cfg.Group)
		if err != nil {
			return nil, fmt.Errorf("group: %w", err)
		}
		nc = driver.NetConfig{Group: g, Interface: cfg.Interface, Loopback: true, Listen: loopback, Allow: func(a netip.Addr) bool { return a.IsLoopback() }}
	}
	return driver.NewSender(direct.SenderConfig{Session: 1, Key: cfg.Key, Epoch: 1, MaxRate: cfg.MaxRate, MaxBurst: 1 << 20}, nc, nil)
}

// hubStats reads a hub's counters.
func hubStats(ctx context.Context, url string) (HubStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return HubStats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return HubStats{}, err
	}
	defer resp.Body.Close()
	var st HubStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return HubStats{}, fmt.Errorf("reading the hub's stats: %w", err)
	}
	return st, nil
}

// waitJoined waits until n receivers joined the sender hub.
func waitJoined(ctx context.Context, stats string, n int) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := hubStats(ctx, stats)
		if err != nil {
			return err
		}
		if st.Joined >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d receivers joined the sender", st.Joined, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
