package bench

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/udprelay"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/agent"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// DirectPath is one subscriber count of the direct-path benchmark: the
// same Notifies through a broker's HTTP fan-out and through the direct
// path (issue 11's two measures).
type DirectPath struct {
	Subscribers int
	// Broker: the publisher POSTs each Notify to a wsgw broker (in this
	// process, on loopback, a badger store in a temporary directory),
	// which POSTs it to each subscriber.
	Broker Result
	// BrokerConns and DirectConns are the TCP connections the consumers
	// accepted on each path (each deliverer keeps its connections alive).
	BrokerConns, DirectConns int64
	// Direct: the publisher POSTs each Notify to its send agent's HTTP
	// handler; the sender sends it over UDP (Transport); a receive agent
	// per subscriber (its driver and its poster) POSTs it to its consumer.
	Direct Result
	// Transport says how the direct path's datagrams went.
	Transport string
}

// DirectLoss is one loss rate of the repair measure.
type DirectLoss struct {
	Loss      float64 // the fraction of the datagrams to each receiver dropped
	Receivers int
	// DataBytes and RepairBytes are what the sender sent (every copy of
	// its unicast fan-out); Ratio is RepairBytes / DataBytes.
	DataBytes, RepairBytes int64
	Ratio                  float64
	// LossEvents are the data datagrams (originals and repairs) dropped
	// towards a receiver; NAKs the NAKs the receivers sent, NAKsPerLoss
	// their quotient.
	LossEvents, NAKs int64
	NAKsPerLoss      float64
	// Gaps are the sequences given up (explicit gap events), over all
	// receivers; Complete is whether every receiver had every
	// notification delivered or in a gap.
	Gaps     int64
	Complete bool
	// Network says where the loss was made.
	Network string
}

// DirectPaths runs l through both paths for each subscriber count in subs.
func DirectPaths(ctx context.Context, l Load, subs []int, dataDir string) ([]DirectPath, error) {
	var out []DirectPath
	for _, n := range subs {
		b, err := brokerPath(ctx, l, n, dataDir)
		if err != nil {
			return out, fmt.Errorf("broker path, %d subscribers: %w", n, err)
		}
		d, transport, err := directPath(ctx, l, n)
		if err != nil {
			return out, fmt.Errorf("direct path, %d subscribers: %w", n, err)
		}
		out = append(out, DirectPath{Subscribers: n, Broker: b.Result, Direct: d.Result, Transport: transport, BrokerConns: b.conns, DirectConns: d.conns})
	}
	return out, nil
}

// collector is the subscribers' consumers: one HTTP server on loopback,
// /c/{i} for subscriber i, recording when each notification <n>k</n>
// arrives.
type collector struct {
	srv    *http.Server
	url    string
	sentAt []atomic.Int64 // unix nanoseconds, by notification
	mu     sync.Mutex
	lat    []time.Duration
	got    []int // deliveries per subscriber
	total  int
	done   chan struct{}
	want   int
	conns  atomic.Int64 // connections accepted
}

var numberRE = regexp.MustCompile(`<n>(\d+)</n>`)

func newCollector(messages, subs int) (*collector, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &collector{url: "http://" + ln.Addr().String() + "/c/", sentAt: make([]atomic.Int64, messages+1),
		got: make([]int, subs), done: make(chan struct{}), want: messages * subs}
	c.srv = &http.Server{Handler: http.HandlerFunc(c.serve), ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				c.conns.Add(1)
			}
		}}
	go c.srv.Serve(ln) //nolint:errcheck // ends with Close
	return c, nil
}

func (c *collector) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	now := time.Now()
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

// publishNotifies posts l.Messages Notifies to url from l.Concurrency
// publishers, noting when each was sent, and waits until every subscriber
// has every one (or a minute has passed without all of them).
func publishNotifies(ctx context.Context, l Load, url string, c *collector) (Result, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: l.Concurrency}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, l.Concurrency)
	start := time.Now()
	for range l.Concurrency {
		wg.Go(func() {
			for {
				k := int(next.Add(1))
				if k > l.Messages {
					return
				}
				c.sentAt[k].Store(time.Now().UnixNano())
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
	r := newResult(l, elapsed, c.lat)
	r.Throughput = float64(l.Messages) / elapsed.Seconds() // notifications/s, each to every subscriber
	return r, nil
}

// pathResult is one path's measure and the connections its consumers
// accepted.
type pathResult struct {
	Result
	conns int64
}

func brokerPath(ctx context.Context, l Load, n int, dataDir string) (res pathResult, err error) {
	dir, err := os.MkdirTemp(dataDir, "wsgw-bench-direct-")
	if err != nil {
		return pathResult{}, err
	}
	defer os.RemoveAll(dir)
	db, err := badger.Open(badgerstore.Options(dir, badgerstore.Uses{Broker: true}).WithLogger(nil))
	if err != nil {
		return pathResult{}, err
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return pathResult{}, err
	}
	base := "http://" + ln.Addr().String()
	b, err := wsnotify.Open(badgerstore.NewBroker(db, "wsn/"), wsnotify.Config{PublicURL: base, Egress: egress.Config{CIDRs: []string{"loopback"}}}, wsnotify.Options{})
	if err != nil {
		ln.Close()
		return pathResult{}, err
	}
	defer b.Close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go b.Run(runCtx) //nolint:errcheck // ends with runCtx
	srv := &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	defer srv.Close()
	c, err := newCollector(l.Messages, n)
	if err != nil {
		return pathResult{}, err
	}
	defer c.close()
	brokerURL := base + "/wsn/NotificationBroker"
	client := &http.Client{}
	for i := range n {
		sub := `<wsnt:Subscribe xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa="` + soap.WSANS + `"><wsnt:ConsumerReference><wsa:Address>` +
			c.url + strconv.Itoa(i) + `</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe>`
		if err := post(ctx, client, brokerURL, "http://docs.oasis-open.org/wsn/bw-2/NotificationProducer/SubscribeRequest", sub); err != nil {
			return pathResult{}, fmt.Errorf("Subscribe: %w", err)
		}
	}
	r, err := publishNotifies(ctx, l, brokerURL, c)
	r.System = "broker over HTTP"
	return pathResult{r, c.conns.Load()}, err
}

// benchKey is a fresh channel key.
func benchKey() []byte {
	k := make([]byte, direct.KeySize)
	crand.Read(k) //nolint:errcheck // never fails
	return k
}

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

// newUnicastSender starts a sender of session 1 in unicast fan-out mode on
// loopback, with a rate ceiling that is not what is measured (1 GiB/s).
func newUnicastSender(ctx context.Context, key []byte) (*driver.Sender, netip.AddrPort, error) {
	s, err := driver.NewSender(direct.SenderConfig{Session: 1, Key: key, Epoch: 1, MaxRate: 1 << 30, MaxBurst: 1 << 20},
		driver.NetConfig{Unicast: true, Listen: loopback, Allow: func(a netip.Addr) bool { return a.IsLoopback() }}, nil)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	go s.Run(ctx) //nolint:errcheck // ends with ctx
	addr, err := s.Addr(ctx)
	return s, addr, err
}

// newUnicastReceiver starts a receiver of session 1 whose NAKs and Join go
// to control.
func newUnicastReceiver(ctx context.Context, key []byte, seed uint64, control netip.AddrPort, h driver.Handlers) (*driver.Receiver, error) {
	r, err := driver.NewReceiver(direct.SessionsConfig{
		Receiver: direct.ReceiverConfig{Key: key, Rand: rand.New(rand.NewPCG(seed, 1))},
		Senders:  []direct.Peer{{Session: 1, Control: control}},
	}, driver.NetConfig{Unicast: true, Listen: loopback}, h, nil)
	if err != nil {
		return nil, err
	}
	go r.Run(ctx) //nolint:errcheck // ends with ctx
	return r, nil
}

// waitJoined waits until n receivers joined s.
func waitJoined(ctx context.Context, s *driver.Sender, n int) error {
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

func directPath(ctx context.Context, l Load, n int) (pathResult, string, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	key := benchKey()
	s, control, err := newUnicastSender(ctx, key)
	if err != nil {
		return pathResult{}, "", err
	}
	c, err := newCollector(l.Messages, n)
	if err != nil {
		return pathResult{}, "", err
	}
	defer c.close()
	for i := range n {
		// Each receive agent has a client of its own, as separate agents
		// (processes, hosts) have. Before, n posters shared one transport
		// keeping 4 idle connections: most posts opened a connection.
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
		defer client.CloseIdleConnections()
		p := agent.NewPoster(c.url+strconv.Itoa(i), soap.V11, client, 4096, nil)
		go p.Run(ctx)
		if _, err := newUnicastReceiver(ctx, key, uint64(i), control, driver.Handlers{Deliver: p.Deliver, Gap: p.Gap}); err != nil {
			return pathResult{}, "", err
		}
	}
	if err := waitJoined(ctx, s, n); err != nil {
		return pathResult{}, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return pathResult{}, "", err
	}
	srv := &http.Server{Handler: agent.PublishHandler(&agent.Router{All: s}, xmldoc.Limits{}, nil), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	defer srv.Close()
	r, err := publishNotifies(ctx, l, "http://"+ln.Addr().String()+"/", c)
	r.System = "direct path (send agent, UDP, receive agents)"
	return pathResult{r, c.conns.Load()}, "unicast fan-out on loopback (one copy per receiver; multicast sends one)", err
}

// DirectRepair measures repair under loss: a sender in unicast fan-out mode
// and receivers each behind a lossy relay on loopback (internal/udprelay,
// seeded), messages notifications of size bytes published as fast as the
// sender takes them, for each loss rate.
func DirectRepair(ctx context.Context, losses []float64, receivers, messages, size int) ([]DirectLoss, error) {
	var out []DirectLoss
	for _, loss := range losses {
		r, err := directRepair(ctx, loss, receivers, messages, size)
		if err != nil {
			return out, fmt.Errorf("loss %v: %w", loss, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func directRepair(ctx context.Context, loss float64, receivers, messages, size int) (DirectLoss, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	key := benchKey()
	s, control, err := newUnicastSender(ctx, key)
	if err != nil {
		return DirectLoss{}, err
	}
	var lossEvents atomic.Int64
	var rs []*driver.Receiver
	for i := range receivers {
		rng := rand.New(rand.NewPCG(uint64(i)+1, 7))
		relay, err := udprelay.New(control, func(b []byte) bool {
			if rng.Float64() >= loss {
				return false
			}
			if len(b) > 0 && b[0] == '<' { // a data datagram (an envelope); control ones begin "WD"
				lossEvents.Add(1)
			}
			return true
		})
		if err != nil {
			return DirectLoss{}, err
		}
		go relay.Run(ctx)
		r, err := newUnicastReceiver(ctx, key, uint64(i), relay.Addr(), driver.Handlers{Deliver: func(direct.Delivery) {}, Gap: func(direct.Gap) {}})
		if err != nil {
			return DirectLoss{}, err
		}
		rs = append(rs, r)
	}
	if err := waitJoined(ctx, s, receivers); err != nil {
		return DirectLoss{}, err
	}
	for k := 1; k <= messages; k++ {
		for {
			_, err := s.Publish([]byte(notifyBody(k, size)))
			if err == nil {
				break
			}
			if !errors.Is(err, direct.ErrFull) {
				return DirectLoss{}, err
			}
			time.Sleep(time.Millisecond) // the send queue is full: the sender's pace
		}
	}
	res := DirectLoss{Loss: loss, Receivers: receivers, Network: "real UDP sockets on loopback, loss made by a seeded relay in front of each receiver (internal/udprelay)"}
	deadline := time.Now().Add(time.Minute)
	for {
		res.Complete, res.NAKs, res.Gaps = true, 0, 0
		for _, r := range rs {
			m, _ := r.Metrics()
			res.NAKs += m.Total.NAKsSent
			res.Gaps += m.Total.GapSeqs
			if m.Total.DeliveredSeqs+m.Total.GapSeqs < int64(messages) {
				res.Complete = false
			}
		}
		if res.Complete || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	sm, _ := s.Metrics()
	res.DataBytes, res.RepairBytes = sm.DataBytes, sm.RepairBytes
	if res.DataBytes > 0 {
		res.Ratio = float64(res.RepairBytes) / float64(res.DataBytes)
	}
	res.LossEvents = lossEvents.Load()
	if res.LossEvents > 0 {
		res.NAKsPerLoss = float64(res.NAKs) / float64(res.LossEvents)
	}
	return res, nil
}
