package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/agent"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

const directUsage = `Usage: wsgw direct send --config FILE
       wsgw direct recv --config FILE

Runs an agent of a direct path (no broker on the data path), like the
daemon of TIBCO Rendezvous beside each program:

  send   takes ordinary WS-Notification Notify requests from publishers on
         loopback (send.listen) and multicasts them to the group (or sends
         them to each joined receiver, transport: unicast), repairing what
         receivers miss within a capped budget. With broker: it registers
         its topics there, sends each on the channel the broker grants it,
         and forwards what it sent to the broker (which logs it for
         receivers' recovery and delivers it to the HTTP subscribers).
  recv   joins the group, repairs, and posts each notification as an
         ordinary wsnt:Notify to the consumer (recv.consumer). With broker:
         it subscribes a pull point of the broker's to its topic, follows
         the channel it is granted (or takes everything from the pull point
         when none is), and recovers from the broker what it loses.

The config file format is in README.md ("Direct paths"). On SIGTERM the
send agent sends what it accepted (send.drain_timeout) and the receive
agent posts what it holds; each prints its counters as one JSON line to
standard output.
`

func cmdDirect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "send" && args[0] != "recv" {
		fmt.Fprint(stderr, directUsage)
		return 2
	}
	role := args[0]
	fs := flag.NewFlagSet("direct "+role, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "direct.yaml", "config file")
	fs.Usage = func() { fmt.Fprint(stderr, directUsage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	fd, err := loadDirect(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 2
	}
	log, err := newLogger(stderr, fd.Log.Level, fd.Log.Format)
	if err != nil {
		fmt.Fprintf(stderr, "wsgw: config %s:\nlog: %v\n", *configPath, err)
		return 2
	}
	r := &directRun{fd: fd, log: log, stdout: stdout, stderr: stderr, path: *configPath}
	if errs := fd.checkBroker(role); len(errs) > 0 {
		return r.badConfig(errors.Join(errs...))
	}
	if role == "send" {
		return r.send(ctx)
	}
	return r.recv(ctx)
}

// directRun is one run of an agent.
type directRun struct {
	fd             *fileDirect
	log            *slog.Logger
	stdout, stderr io.Writer
	path           string
}

func (r *directRun) badConfig(err error) int {
	fmt.Fprintf(r.stderr, "wsgw: config %s:\n%v\n", r.path, err)
	return 2
}

func (r *directRun) fail(err error) int {
	fmt.Fprintln(r.stderr, "wsgw:", err)
	return 1
}

// client is the agent's WSN client (the broker's answers carry the
// channel's key: an https broker URL keeps it off the wire).
func (r *directRun) client() *agent.Client {
	return &agent.Client{HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// cleanup runs f with a short deadline of its own (the run's context has
// ended): best-effort calls to the broker at exit.
func cleanup(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return f(ctx)
}

// sendChannel is one channel the send agent sends on.
type sendChannel struct {
	topic string // "" without a broker
	s     *driver.Sender
}

func (r *directRun) send(ctx context.Context) int {
	fd := r.fd
	epoch, startAt := senderEpoch(time.Now())
	a := &addrs{}
	listen, control, allow, tuning := fd.sendBase(a)
	if len(a.errs) > 0 {
		return r.badConfig(errors.Join(a.errs...))
	}
	router := &agent.Router{}
	var chans []sendChannel
	var reg *agent.Registration
	var fw *agent.Forwarder
	if fd.Broker == nil {
		cfg, nc, _, err := fd.senderConfig(epoch)
		if err != nil {
			return r.badConfig(err)
		}
		s, err := driver.NewSender(cfg, nc, r.log)
		if err != nil {
			return r.badConfig(directFileKey(err))
		}
		router.All = s
		chans = append(chans, sendChannel{s: s})
	} else {
		c := r.client()
		var err error
		if reg, err = c.RegisterPublisher(ctx, fd.Broker.URL, fd.Broker.Topics, fd.Broker.request(control), time.Duration(fd.Broker.Termination)); err != nil {
			return r.fail(err)
		}
		defer cleanup(func(ctx context.Context) error { return c.DestroyRegistration(ctx, reg.Manager) }) //nolint:errcheck // best effort at exit
		router.Channels = map[string]agent.Publisher{}
		for _, ch := range reg.Channels {
			cfg, nc := fd.channelSender(ch, epoch, allow, tuning)
			s, err := driver.NewSender(cfg, nc, r.log.With("topic", ch.Topic))
			if err != nil {
				return r.fail(fmt.Errorf("the broker's channel for %s: %w", ch.Topic, err))
			}
			router.Channels[ch.Topic] = s
			chans = append(chans, sendChannel{topic: ch.Topic, s: s})
		}
		fw = agent.NewForwarder(c, reg.Consumer, 4096, r.log)
		router.Forward = fw
	}
	metrics := func() any { return sendMetrics(chans, fw) }
	wait := time.NewTimer(time.Until(startAt)) // a fresh epoch: see senderEpoch
	defer wait.Stop()
	select {
	case <-wait.C:
	case <-ctx.Done():
		return finish(nil, r.stdout, r.stderr, metrics())
	}
	ln, err := net.Listen("tcp", listen.String())
	if err != nil {
		return r.fail(err)
	}
	// The senders and the forwarder outlive ctx: at SIGTERM they first
	// send what was accepted (drain), then stop.
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	var wg sync.WaitGroup
	runErrs := make(chan error, len(chans))
	for _, ch := range chans {
		wg.Go(func() { runErrs <- ch.s.Run(runCtx) })
	}
	var addrs []string
	for _, ch := range chans {
		a, err := ch.s.Addr(ctx)
		if err != nil {
			ln.Close()
			stopRun()
			wg.Wait()
			return r.fail(errors.Join(err, <-runErrs))
		}
		addrs = append(addrs, a.String())
	}
	fwDone := make(chan struct{})
	if fw != nil {
		go func() { fw.Run(runCtx); close(fwDone) }()
	} else {
		close(fwDone)
	}
	mux := http.NewServeMux()
	mux.Handle("/", agent.PublishHandler(router, fd.Send.Limits.toXMLDoc(), r.log))
	mux.Handle("GET /metrics", metricsHandler(metrics))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown below
	fmt.Fprintf(r.stdout, "wsgw direct send: publishers on http://%s/, control udp %s, %s\n", ln.Addr(), strings.Join(addrs, " "), describeChannels(chans, fd))
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-runErrs: // a sender failed: stop
	}
	shutdown(srv) // no more Notifies accepted
	drainCtx, cancel := context.WithTimeout(context.Background(), or(time.Duration(fd.Send.DrainTimeout), 5*time.Second))
	defer cancel()
	for _, ch := range chans {
		if err := ch.s.Shutdown(drainCtx, 50*time.Millisecond); err != nil {
			r.log.Warn("direct: the drain timed out; receivers see a gap for what was not sent", "topic", ch.topic)
		}
	}
	if fw != nil {
		fw.Close()
		select {
		case <-fwDone:
		case <-drainCtx.Done():
			r.log.Warn("direct: the drain timed out before everything was forwarded to the broker")
		}
	}
	stopRun()
	wg.Wait()
	<-fwDone
	return finish(runErr, r.stdout, r.stderr, metrics())
}

func sendMetrics(chans []sendChannel, fw *agent.Forwarder) any {
	type channelMetrics struct {
		Topic  string               `json:"topic,omitempty"`
		Engine direct.SenderMetrics `json:"engine"`
		Driver driver.Counters      `json:"driver"`
	}
	out := struct {
		Role      string                   `json:"role"`
		Channels  []channelMetrics         `json:"channels"`
		Forwarder *agent.ForwarderCounters `json:"forwarder,omitempty"`
	}{Role: "send"}
	for _, ch := range chans {
		m, c := ch.s.Metrics()
		out.Channels = append(out.Channels, channelMetrics{ch.topic, m, c})
	}
	if fw != nil {
		c := fw.Counters()
		out.Forwarder = &c
	}
	return out
}

func (r *directRun) recv(ctx context.Context) int {
	fd := r.fd
	a := &addrs{}
	pol, v := fd.recvBase(a)
	listen := a.parse("recv.listen", fd.Recv.Listen, "")
	if len(a.errs) > 0 {
		return r.badConfig(errors.Join(a.errs...))
	}
	poster := agent.NewPoster(fd.Recv.Consumer, v, pol.Client(nil, 30*time.Second), fd.Recv.QueueLen, r.log)
	var cfg direct.SessionsConfig
	var nc driver.NetConfig
	var sub *agent.Subscription
	var c *agent.Client
	granted := true
	if fd.Broker == nil {
		var err error
		if cfg, nc, _, _, err = fd.receiverConfig(); err != nil {
			return r.badConfig(err)
		}
	} else {
		c = r.client()
		pp, err := c.CreatePullPoint(ctx, fd.Broker.pullPointFactory())
		if err != nil {
			return r.fail(err)
		}
		defer cleanup(func(ctx context.Context) error { return c.DestroyPullPoint(ctx, pp) }) //nolint:errcheck // best effort at exit
		if sub, err = c.Subscribe(ctx, fd.Broker.URL, pp, fd.Broker.Topics[0], fd.Broker.request(netip.AddrPort{}), time.Duration(fd.Broker.Termination)); err != nil {
			return r.fail(err)
		}
		defer cleanup(func(ctx context.Context) error { return c.Unsubscribe(ctx, sub.Manager) }) //nolint:errcheck // best effort at exit
		poster.Recovery = &agent.Recovery{Client: c, Subscription: sub.Manager, PullPoint: pp}
		if fd.Broker.Poll > 0 {
			poster.Poll = time.Duration(fd.Broker.Poll)
		}
		if granted = sub.Channel != nil; granted {
			cfg, nc = fd.channelReceiver(*sub.Channel, listen)
		}
	}
	var rc *driver.Receiver
	if granted {
		var err error
		if rc, err = driver.NewReceiver(cfg, nc, driver.Handlers{
			Deliver: poster.Deliver,
			Gap:     poster.Gap,
			Demoted: func(d direct.Demotion) {
				r.log.Warn("direct: demoted by a sender; its losses are recovered over HTTP until then",
					"session", fmt.Sprintf("%016x", d.Session), "reason", d.Reason.String(), "until", d.Until)
			},
		}, r.log); err != nil {
			if fd.Broker != nil {
				return r.fail(fmt.Errorf("the broker's channel: %w", err))
			}
			return r.badConfig(directFileKey(err))
		}
	}
	// The receiver stops at ctx's end; the poster then posts what it
	// holds, within the drain timeout, and is waited for.
	postCtx, stopPost := context.WithCancel(context.Background())
	defer stopPost()
	postDone := make(chan struct{})
	go func() { poster.Run(postCtx); close(postDone) }()
	var wg sync.WaitGroup
	runErr := make(chan error, 1)
	local := "none (the broker granted no channel: HTTP through the pull point)"
	if rc != nil {
		wg.Go(func() { runErr <- rc.Run(ctx) })
		addr, err := rc.Addr(ctx)
		if err != nil {
			poster.Close()
			<-postDone
			wg.Wait()
			return r.fail(errors.Join(err, <-runErr))
		}
		local = "udp " + addr.String()
	}
	if sub != nil {
		wg.Go(func() { r.renew(ctx, c, sub) })
	}
	metrics := func() any { return recvMetrics(rc, poster) }
	status := ""
	if fd.Recv.Status != "" {
		ln, err := net.Listen("tcp", fd.Recv.Status)
		if err != nil {
			return r.fail(err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler(metrics))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // ends with Shutdown below
		defer shutdown(srv)
		status = fmt.Sprintf(", status on http://%s/metrics", ln.Addr())
	}
	fmt.Fprintf(r.stdout, "wsgw direct recv: %s, consumer %s, %s%s\n", local, fd.Recv.Consumer, describeNet(nc, rc != nil), status)
	<-ctx.Done()
	wg.Wait()
	var err error
	if rc != nil {
		err = <-runErr
	}
	poster.Close()
	select {
	case <-postDone:
	case <-time.After(or(time.Duration(fd.Recv.DrainTimeout), 5*time.Second)):
		stopPost()
		<-postDone
	}
	return finish(err, r.stdout, r.stderr, metrics())
}

// renew renews the subscription at half its remaining lifetime until ctx
// ends (WS-BaseNotification 1.3, 6.1).
func (r *directRun) renew(ctx context.Context, c *agent.Client, sub *agent.Subscription) {
	lifetime := time.Duration(r.fd.Broker.Termination)
	for {
		wait := time.Until(sub.Termination) / 2
		if sub.Termination.IsZero() || wait <= 0 {
			wait = time.Minute
		}
		if lifetime == 0 {
			lifetime = 2 * wait
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		until, err := c.Renew(ctx, sub.Manager, lifetime)
		if err != nil {
			r.log.Warn("direct: renewing the subscription failed; trying again", "err", err)
			continue
		}
		sub.Termination = until
	}
}

func recvMetrics(rc *driver.Receiver, poster *agent.Poster) any {
	out := struct {
		Role   string                 `json:"role"`
		Engine direct.SessionsMetrics `json:"engine"`
		Driver driver.Counters        `json:"driver"`
		Poster agent.PosterCounters   `json:"poster"`
	}{Role: "recv", Poster: poster.Counters()}
	if rc != nil {
		out.Engine, out.Driver = rc.Metrics()
	}
	return out
}

// pullPointFactory is the CreatePullPoint endpoint: configured, or the
// broker URL's sibling (wsgw's /wsn/CreatePullPoint).
func (b *fileDirectBroker) pullPointFactory() string {
	if b.PullPoints != "" {
		return b.PullPoints
	}
	i := strings.LastIndexByte(b.URL, '/')
	return b.URL[:i+1] + "CreatePullPoint"
}

func describeChannels(chans []sendChannel, fd *fileDirect) string {
	if fd.Broker == nil {
		_, nc, _, _ := fd.senderConfig(0)
		return describeNet(nc, true)
	}
	var ts []string
	for _, ch := range chans {
		ts = append(ts, ch.topic)
	}
	return fmt.Sprintf("%d channels from the broker (%s)", len(chans), strings.Join(ts, " "))
}

func describeNet(nc driver.NetConfig, on bool) string {
	switch {
	case !on:
		return "HTTP only"
	case nc.Unicast:
		return "unicast"
	}
	ttl := nc.TTL
	if ttl == 0 {
		ttl = 1
	}
	return fmt.Sprintf("group %s ttl %d", nc.Group, ttl)
}

func metricsHandler(metrics func() any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(metrics()) //nolint:errcheck // the client is gone
	})
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx) //nolint:errcheck // best effort at exit
}

// finish prints the final counters and maps the run's error to the exit
// status.
func finish(err error, stdout, stderr io.Writer, metrics any) int {
	b, _ := json.Marshal(metrics)
	fmt.Fprintf(stdout, "wsgw direct: metrics %s\n", b)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 1
	}
	return 0
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
