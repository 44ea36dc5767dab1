package bench

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/internal/udpstat"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/agent"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// DirectOptions is what DirectPaths measures.
type DirectOptions struct {
	Load        Load  // the saturation runs: Load.Concurrency publishers, each waiting for its answer
	Subscribers []int // subscriber counts
	DataDir     string
	// Multicast: the direct path's sender sends each datagram once to Group
	// on Interface and the kernel copies it to every receiver; otherwise
	// it sends a copy to each receiver (unicast fan-out on loopback).
	// Multicast needs an interface with multicast on and a route to the
	// group (`wsgw bench direct` makes a network namespace of its own).
	Multicast bool
	Group     string
	Interface string
	// MaxRate is the direct path's rate ceiling in bytes/s (everything the
	// sender sends, every unicast copy counted).
	MaxRate int64
	// PacedFraction: each path is also run open-loop at this fraction of
	// the broker path's measured throughput (the same offered rate for
	// both), PacedMessages notifications, from PacedConcurrency
	// publishers; 0 skips the paced runs.
	PacedFraction    float64
	PacedMessages    int
	PacedConcurrency int
	// StartHub starts each path's hub (the broker, the send agent);
	// default StartHubInProcess, whose CPU is not measured.
	StartHub StartHub
}

// DirectPath is one subscriber count of the direct-path benchmark: the
// same Notifies through a broker's HTTP fan-out and through the direct
// path (issue 11's two measures), at saturation and at one offered rate.
type DirectPath struct {
	Subscribers int
	// Broker: the publisher POSTs each Notify to a wsgw broker (its hub,
	// on loopback, a badger store in a temporary directory), which POSTs
	// it to each subscriber's consumer. Direct: the publisher POSTs each
	// Notify to the send agent (its hub); the sender sends it over UDP
	// (Transport); a receive agent per subscriber (its driver and its
	// poster, in this process) POSTs it to its consumer.
	Broker, Direct PathRun
	// OfferedRate is the notifications/s of the paced runs (PacedFraction
	// of Broker's throughput); BrokerPaced and DirectPaced their figures,
	// latency measured from when each Notify was due (so a path that falls
	// behind the rate shows it).
	OfferedRate              float64
	BrokerPaced, DirectPaced PathRun
	// Transport says how the direct path's datagrams went.
	Transport string
	// KernelDrops are the datagrams the kernel dropped at the receivers'
	// sockets during the direct runs (internal/udpstat): losses nobody
	// made on purpose, each repaired by a NAK.
	KernelDrops int64
}

// PathRun is one run of one path.
type PathRun struct {
	Result
	// Conns are the TCP connections the consumers accepted since the path
	// was set up, warm-up included (each deliverer keeps its connections
	// alive).
	Conns int64
	// HubCPU is the CPU time the hub's process used during the run (-1:
	// not measured, the hub ran in this process); HubCPUPerNotification
	// its quotient by the notifications; HubSustainable = 1 s /
	// HubCPUPerNotification, the notifications/s one CPU of the hub could
	// take at this subscriber count: a projection from its CPU cost, not
	// a measured throughput.
	HubCPU, HubCPUPerNotification time.Duration
	HubSustainable                float64
	// Posts are the requests the consumers took during the run: fewer
	// than Subscribers × Messages when the deliverers (the broker, the
	// receive agents) put several notifications in one Notify.
	Posts int64
	// RestCPU is what this process (publishers, consumers, and on the
	// direct path the receive agents) used during the run.
	RestCPU time.Duration
	// DataBytes and RepairBytes are what the direct path's sender sent
	// during the run, NAKs the NAKs it received, QueueFull the Publishes
	// it refused (a full send queue: the publisher was answered 503 and
	// posted again).
	DataBytes, RepairBytes, NAKs, QueueFull int64
}

// DirectPaths runs o through both paths for each subscriber count: both
// are set up, each is run at saturation, then each is paced at
// o.PacedFraction of the lower of the two saturation throughputs (a rate
// both can take: above a path's capacity its latency only measures how
// long the run was).
func DirectPaths(ctx context.Context, o DirectOptions) ([]DirectPath, error) {
	if o.StartHub == nil {
		o.StartHub = StartHubInProcess
	}
	if o.MaxRate == 0 {
		o.MaxRate = 1 << 30
	}
	var out []DirectPath
	for _, n := range o.Subscribers {
		p, err := directPaths(ctx, o, n)
		if err != nil {
			return out, fmt.Errorf("%d subscribers: %w", n, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func directPaths(ctx context.Context, o DirectOptions, n int) (DirectPath, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dp := DirectPath{Subscribers: n}
	b, err := setupBroker(ctx, o, n)
	if err != nil {
		return dp, fmt.Errorf("broker path: %w", err)
	}
	defer b.close()
	d, err := setupDirect(ctx, o, n)
	if err != nil {
		return dp, fmt.Errorf("direct path: %w", err)
	}
	defer d.close()
	dp.Transport = d.transport
	drops, derr := udpstat.Drops()
	defer func() {
		if after, aerr := udpstat.Drops(); derr == nil && aerr == nil {
			dp.KernelDrops = after - drops
		} else {
			dp.KernelDrops = -1
		}
	}()
	sat := pace{Messages: o.Load.Messages, Concurrency: o.Load.Concurrency}
	if dp.Broker, err = b.measure(ctx, o.Load, sat); err != nil {
		return dp, fmt.Errorf("broker path: %w", err)
	}
	if dp.Direct, err = d.measure(ctx, o.Load, sat); err != nil {
		return dp, fmt.Errorf("direct path: %w", err)
	}
	dp.Broker.System, dp.Direct.System = "broker over HTTP", "direct path (send agent, UDP, receive agents)"
	if o.PacedFraction <= 0 {
		return dp, nil
	}
	dp.OfferedRate = o.PacedFraction * min(dp.Broker.Throughput, dp.Direct.Throughput)
	paced := pace{Messages: o.PacedMessages, Concurrency: o.PacedConcurrency, Rate: dp.OfferedRate}
	if dp.BrokerPaced, err = b.measure(ctx, o.Load, paced); err != nil {
		return dp, fmt.Errorf("broker path, paced: %w", err)
	}
	if dp.DirectPaced, err = d.measure(ctx, o.Load, paced); err != nil {
		return dp, fmt.Errorf("direct path, paced: %w", err)
	}
	dp.BrokerPaced.System, dp.DirectPaced.System = "broker over HTTP, paced", "direct path, paced"
	return dp, nil
}

// collector is the subscribers' consumers: one HTTP server on loopback,
// /c/{i} for subscriber i, recording when each notification <n>k</n>
// arrives.
type collector struct {
	srv   *http.Server
	url   string
	conns atomic.Int64 // connections accepted
	posts atomic.Int64 // requests taken
	mu    sync.Mutex   // guards the fields below
	// sentAt is when each notification of the current run was sent (or
	// due, paced), in unix nanoseconds.
	sentAt []atomic.Int64
	lat    []time.Duration
	got    []int // deliveries per subscriber
	total  int
	done   chan struct{}
	want   int
}

var numberRE = regexp.MustCompile(`<n>(\d+)</n>`)

func newCollector(subs int) (*collector, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &collector{url: "http://" + ln.Addr().String() + "/c/", got: make([]int, subs)}
	c.srv = &http.Server{Handler: http.HandlerFunc(c.serve), ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				c.conns.Add(1)
			}
		}}
	go c.srv.Serve(ln) //nolint:errcheck // ends with Close
	return c, nil
}

// reset starts a run of messages notifications.
func (c *collector) reset(messages int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sentAt = make([]atomic.Int64, messages+1)
	c.lat = nil
	clear(c.got)
	c.total = 0
	c.done = make(chan struct{})
	c.want = messages * len(c.got)
}

func (c *collector) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	now := time.Now()
	c.posts.Add(1)
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/c/"))
	w.WriteHeader(http.StatusAccepted)
	if err != nil || i < 0 || i >= len(c.got) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range numberRE.FindAllSubmatch(body, -1) {
		k, _ := strconv.Atoi(string(m[1]))
		if k < 1 || k >= len(c.sentAt) {
			continue
		}
		c.lat = append(c.lat, now.Sub(time.Unix(0, c.sentAt[k].Load())))
		c.got[i]++
		c.total++
		if c.total == c.want {
			close(c.done)
		}
	}
}

func (c *collector) close() { c.srv.Close() }

// notifyBody is notification k's wsnt:Notify of about size bytes.
func notifyBody(k, size int) string {
	pad := max(0, size-200)
	return `<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><wsnt:NotificationMessage><wsnt:Message><m><n>` +
		strconv.Itoa(k) + `</n><pad>` + strings.Repeat("x", pad) + `</pad></m></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`
}

// post sends a SOAP 1.1 envelope with action and body to url, retrying a
// 503 (a full send queue) after a short pause.
func post(ctx context.Context, client *http.Client, url, action, body string) error {
	env := `<s:Envelope xmlns:s="` + soap.NS11 + `" xmlns:wsa="` + soap.WSANS + `"><s:Header><wsa:Action>` + action +
		`</wsa:Action><wsa:To>` + url + `</wsa:To></s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(env))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `"`+action+`"`)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusServiceUnavailable:
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
			continue
		case resp.StatusCode/100 != 2:
			return fmt.Errorf("%s answered HTTP %d: %s", url, resp.StatusCode, bytes.TrimSpace(b))
		}
		return nil
	}
}

// pace is how a run offers its Notifies: as fast as Concurrency
// publishers are answered (Rate 0), or open-loop at Rate notifications/s,
// each due at start + (k-1)/Rate and its latency measured from then.
type pace struct {
	Messages, Concurrency int
	Rate                  float64
}

// publishNotifies posts the Notifies of p to url, noting when each was
// sent (or due), and waits until every subscriber has every one (or a
// minute has passed without all of them).
func publishNotifies(ctx context.Context, l Load, p pace, url string, c *collector) (Result, error) {
	c.reset(p.Messages)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: p.Concurrency}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, p.Concurrency)
	start := time.Now()
	for range p.Concurrency {
		wg.Go(func() {
			for {
				k := int(next.Add(1))
				if k > p.Messages {
					return
				}
				at := time.Now()
				if p.Rate > 0 {
					at = start.Add(time.Duration(float64(k-1) / p.Rate * float64(time.Second)))
					select {
					case <-time.After(time.Until(at)):
					case <-ctx.Done():
						errc <- ctx.Err()
						return
					}
				}
				c.sentAt[k].Store(at.UnixNano())
				if err := post(ctx, client, url, direct.ActionNotify, notifyBody(k, l.Size)); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errc:
		return Result{}, err
	default:
	}
	select {
	case <-c.done:
	case <-time.After(time.Minute):
		c.mu.Lock()
		defer c.mu.Unlock()
		return Result{}, fmt.Errorf("after a minute the subscribers have %d of %d deliveries", c.total, c.want)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	elapsed := time.Since(start)
	c.mu.Lock()
	defer c.mu.Unlock()
	r := newResult(Load{Messages: p.Messages, Size: l.Size, Concurrency: p.Concurrency}, elapsed, c.lat)
	r.Throughput = float64(p.Messages) / elapsed.Seconds() // notifications/s, each to every subscriber
	return r, nil
}

// path is one path set up: where publishers post, its hub's counters,
// its subscribers' consumers.
type path struct {
	url, stats string
	c          *collector
	transport  string
	closers    []func()
}

func (p *path) close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
}

// measure runs pc through the path, after a first Notify (not measured)
// that every subscriber must get: the path is set up end to end (a
// multicast receiver has heard the session; connections to the
// consumers are open). The hub's CPU and counters are read around it.
func (p *path) measure(ctx context.Context, l Load, pc pace) (PathRun, error) {
	if _, err := publishNotifies(ctx, l, pace{Messages: 1, Concurrency: 1}, p.url, p.c); err != nil {
		return PathRun{}, fmt.Errorf("warming up: %w", err)
	}
	before, err := hubStats(ctx, p.stats)
	if err != nil {
		return PathRun{}, err
	}
	rest, posts := ProcessCPU(), p.c.posts.Load()
	r, err := publishNotifies(ctx, l, pc, p.url, p.c)
	if err != nil {
		return PathRun{}, err
	}
	after, err := hubStats(ctx, p.stats)
	if err != nil {
		return PathRun{}, err
	}
	run := PathRun{Result: r, Conns: p.c.conns.Load(), Posts: p.c.posts.Load() - posts, RestCPU: ProcessCPU() - rest, HubCPU: -1,
		DataBytes: after.DataBytes - before.DataBytes, RepairBytes: after.RepairBytes - before.RepairBytes,
		NAKs: after.NAKsReceived - before.NAKsReceived, QueueFull: after.QueueFull - before.QueueFull}
	if before.CPU >= 0 && after.CPU >= 0 {
		run.HubCPU = after.CPU - before.CPU
		run.HubCPUPerNotification = run.HubCPU / time.Duration(pc.Messages)
		if run.HubCPUPerNotification > 0 {
			run.HubSustainable = float64(time.Second) / float64(run.HubCPUPerNotification)
		}
	}
	return run, nil
}

func setupBroker(ctx context.Context, o DirectOptions, n int) (p *path, err error) {
	p = &path{}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	hub, stop, err := o.StartHub(ctx, HubConfig{Role: RoleBroker, DataDir: o.DataDir})
	if err != nil {
		return p, err
	}
	p.closers = append(p.closers, func() { stop() }) //nolint:errcheck // the measure is taken
	p.url, p.stats = hub.URL, hub.Stats
	if p.c, err = newCollector(n); err != nil {
		return p, err
	}
	p.closers = append(p.closers, p.c.close)
	client := &http.Client{}
	for i := range n {
		sub := `<wsnt:Subscribe xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa="` + soap.WSANS + `"><wsnt:ConsumerReference><wsa:Address>` +
			p.c.url + strconv.Itoa(i) + `</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe>`
		if err := post(ctx, client, hub.URL, "http://docs.oasis-open.org/wsn/bw-2/NotificationProducer/SubscribeRequest", sub); err != nil {
			return p, fmt.Errorf("Subscribe: %w", err)
		}
	}
	return p, nil
}

// benchKey is a fresh channel key.
func benchKey() []byte {
	k := make([]byte, direct.KeySize)
	crand.Read(k) //nolint:errcheck // never fails
	return k
}

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

// newReceiver starts a receiver of session 1 whose NAKs and Join go to
// control: unicast on loopback, or joined to o's group.
func newReceiver(ctx context.Context, o DirectOptions, key []byte, seed uint64, control netip.AddrPort, h driver.Handlers) (*driver.Receiver, error) {
	nc := driver.NetConfig{Unicast: true, Listen: loopback}
	if o.Multicast {
		g, err := netip.ParseAddrPort(o.Group)
		if err != nil {
			return nil, fmt.Errorf("group: %w", err)
		}
		nc = driver.NetConfig{Group: g, Interface: o.Interface}
	}
	r, err := driver.NewReceiver(direct.SessionsConfig{
		Receiver: direct.ReceiverConfig{Key: key, Rand: rand.New(rand.NewPCG(seed, 1))},
		Senders:  []direct.Peer{{Session: 1, Control: control}},
	}, nc, h, nil)
	if err != nil {
		return nil, err
	}
	go r.Run(ctx) //nolint:errcheck // ends with ctx
	return r, nil
}

// waitSenderJoined waits until n receivers joined s.
func waitSenderJoined(ctx context.Context, s *driver.Sender, n int) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, _ := s.Metrics()
		joined := 0
		for _, p := range m.Receivers {
			if p.Joined {
				joined++
			}
		}
		if joined >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d receivers joined the sender", joined, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func setupDirect(ctx context.Context, o DirectOptions, n int) (p *path, err error) {
	ctx, cancel := context.WithCancel(ctx)
	p = &path{closers: []func(){cancel}}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	key := benchKey()
	hub, stop, err := o.StartHub(ctx, HubConfig{Role: RoleSender, Key: key, Multicast: o.Multicast, Group: o.Group, Interface: o.Interface, MaxRate: o.MaxRate})
	if err != nil {
		return p, err
	}
	p.closers = append(p.closers, func() { stop() }) //nolint:errcheck // the measure is taken
	p.url, p.stats = hub.URL, hub.Stats
	if p.c, err = newCollector(n); err != nil {
		return p, err
	}
	p.closers = append(p.closers, p.c.close)
	for i := range n {
		// Each receive agent has a client of its own, as separate agents
		// (processes, hosts) have. Before, n posters shared one transport
		// keeping 4 idle connections: most posts opened a connection.
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
		p.closers = append(p.closers, client.CloseIdleConnections)
		pst := agent.NewPoster(p.c.url+strconv.Itoa(i), soap.V11, client, 4096, nil)
		go pst.Run(ctx)
		r, err := newReceiver(ctx, o, key, uint64(i), hub.Control, driver.Handlers{Deliver: pst.Deliver, Gap: pst.Gap})
		if err != nil {
			return p, err
		}
		if _, err := r.Addr(ctx); err != nil { // its socket is open (and joined to the group)
			return p, err
		}
	}
	// Multicast receivers of one host share the group's port, so their
	// Joins come from one address: the sender counts one receiver. The
	// warm-up Notify (measure) tells when each hears the session instead.
	if !o.Multicast {
		if err := waitJoined(ctx, hub.Stats, n); err != nil {
			return p, err
		}
	}
	p.transport = "unicast fan-out on loopback (one copy per receiver)"
	if o.Multicast {
		p.transport = fmt.Sprintf("multicast to %s on %s (one datagram per fragment, copied by the kernel)", o.Group, o.Interface)
	}
	return p, nil
}
