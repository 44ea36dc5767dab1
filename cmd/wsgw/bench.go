package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/wsgw/wsgw/bench"
)

const benchUsage = `Usage: wsgw bench durable [--messages N] [--size BYTES] [--concurrency C] [--amqp URL] [--data DIR] [--json]
       wsgw bench wsrm [--messages N] [--size BYTES] [--concurrency C] [--data DIR] [--cpuprofile FILE] [--json]
       wsgw bench proxy [--requests N] [--size BYTES] [--concurrency C] [--nginx PATH] [--external URL --backend URL] [--cpuprofile FILE] [--memprofile FILE] [--json]
       wsgw bench overload [--slots N] [--service D] [--steps 0.5,1,2,4,8] [--step D] [--nginx PATH] [--external URL --backend URL] [--svg FILE] [--json]
       wsgw bench slowbody [--requests N] [--size BYTES] [--concurrency C] [--attacks 64,100,1000] [--gap D] [--external URL] [--json]
       wsgw bench backend [--listen ADDR] [--slots N] [--service D]
       wsgw bench direct [--messages N] [--size BYTES] [--concurrency C] [--subscribers 1,10,50] [--transport multicast|unicast] [--hubs process|inprocess] [--rate BYTES/S] [--paced-fraction F] [--paced-messages N] [--loss 0.01,0.05,0.2] [--receivers R] [--loss-messages N] [--loss-rate N/S] [--data DIR] [--json]

Measures wsgw on this machine, side by side with a peer where there is one,
and reports the ratios wsgw/peer (package bench documents what is measured).

  durable   durable enqueue: N messages of BYTES bytes from C concurrent
            producers into a badgerq queue on a fresh badger store
            (SyncWrites), each acknowledged when it is on disk; the peer is
            an AMQP broker (RabbitMQ) at --amqp: a durable queue, persistent
            messages, publisher confirms. Without --amqp, or when it cannot
            be reached, only wsgw is measured and the report says so.
  wsrm      the reliable path of the gateway, in this process on loopback:
            C WS-RM 1.2 sequences sending N SetQuote messages (envelopes of
            BYTES bytes) to the stock-quote example service, reliable, each
            acknowledged when a SequenceAcknowledgement covering it comes
            back (stored on disk). The peer is the raw durable queue that
            path writes to, measured right before in the same run: the same
            load as wsgw bench durable (badgerq, SyncWrites, same --data).
            --cpuprofile writes a CPU profile of the WS-RM run (go tool
            pprof).
  proxy     request/response: N GetQuote requests (SOAP 1.1 envelopes of
            BYTES bytes, e.g. 1024 or 102400) from C keep-alive clients on
            loopback to the stock-quote backend, through an in-process
            gateway, through nginx (--nginx, started on 127.0.0.1 with a
            generated configuration and stopped after), and directly. When
            --nginx does not exist only wsgw and direct are measured and the
            report says so. With --external URL (a service URL, e.g.
            http://127.0.0.1:8080/services/StockQuote, of a separately
            started wsgw serve forwarding to --backend URL, a separately
            started wsgw bench backend) clients and gateway run in
            different processes over real sockets. --cpuprofile and
            --memprofile write a CPU and an allocation profile of the wsgw
            side's measured run (this process: the in-process gateway, its
            clients and the backend; go tool pprof).
  overload  past capacity: a backend of --slots slots of --service each
            (default 4 x 5ms, about 800/s; its capacity measured first),
            loads of --steps times that capacity offered open-loop for
            --step each, through wsgw and nginx: goodput, refusals (503),
            failures, p50/p99 of the answered requests; --svg writes a plot
            of goodput and p99 against the offered load. --external and
            --backend as for proxy (the backend then sets the capacity).
  slowbody  slow clients against the others: C keep-alive clients send N
            GetQuote requests alone, then again while each of --attacks
            connections (from 127.0.0.2) sends a request header and one body
            byte every --gap, reopening what the gateway closes; reports the
            others' p99 under attack over their p99 alone (goal: within 2x).
            The in-process gateway has the default client limits.
  backend   serves the stock-quote backend on --listen (with --slots and
            --service: of bounded capacity) until interrupted, for
            --external runs; prints its URL.
  direct    issue 11's measures. Paths: for each --subscribers count, N
            Notifies of BYTES bytes through the broker (HTTP to the broker,
            HTTP to each subscriber; a badger store in --data) and through
            the direct path (HTTP to the send agent, UDP, a receive agent
            per subscriber posting to its consumer): at saturation (C
            publishers each waiting for its answer) notifications/s until
            every subscriber has every one and p50/p99 publish-to-consumer
            latency; then both paths paced open-loop at --paced-fraction of
            the lower of the two saturation throughputs (the same offered
            rate; latency from when each Notify was due). --transport multicast (the
            default as root) runs everything in a network namespace it makes
            (lo only, multicast on; deleted at the end, on failure and on
            SIGINT/SIGTERM): the sender sends each datagram once to
            239.255.77.1:7400 and the kernel copies it; unicast sends a copy
            per receiver on loopback. --hubs process runs the broker and the
            send agent as processes of their own: the CPU each uses per
            notification, and the notifications/s one CPU of that hub could
            sustain at that cost (a projection). --rate is the sender's rate
            ceiling (every copy counted). Repair: for each --loss rate,
            --loss-messages notifications at --loss-rate a second to
            --receivers receivers in
            unicast fan-out, each behind a seeded lossy relay on real UDP
            sockets: repair bytes / data bytes, NAKs per lost data datagram,
            sequences given up (gap events), datagrams the kernel dropped.

Exit status: 0 when the run completed, 1 when it failed, 2 for bad usage.
`

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, benchUsage)
		return 2
	}
	switch args[0] {
	case "durable":
		return benchDurable(ctx, args[1:], stdout, stderr)
	case "wsrm":
		return benchWSRM(ctx, args[1:], stdout, stderr)
	case "proxy":
		return benchProxy(ctx, args[1:], stdout, stderr)
	case "overload":
		return benchOverload(ctx, args[1:], stdout, stderr) // bench_overload.go
	case "slowbody":
		return benchSlowBody(ctx, args[1:], stdout, stderr) // bench_overload.go
	case "backend":
		return benchBackend(ctx, args[1:], stdout, stderr) // bench_overload.go
	case "direct":
		return benchDirect(ctx, args[1:], stdout, stderr) // bench_direct.go
	case "direct-hub":
		return benchDirectHub(ctx, args[1:], stdout, stderr) // bench_netns.go
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, benchUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "wsgw bench: unknown benchmark %q\n\n%s", args[0], benchUsage)
		return 2
	}
}

type benchFlags struct {
	load       bench.Load
	amqp       string
	queueType  string
	data       string
	cpuProfile string
	json       bool
}

// parseBenchFlags returns the flags of benchmark name (with the AMQP peer's
// when withPeer), or an exit code >= 0 to stop.
func parseBenchFlags(name string, withPeer bool, args []string, stdout, stderr io.Writer) (*benchFlags, int) {
	f := &benchFlags{}
	fs := newFlagSet("bench "+name, benchUsage+"\n")
	fs.IntVar(&f.load.Messages, "messages", 20000, "messages to send")
	fs.IntVar(&f.load.Size, "size", 1024, "bytes per message")
	fs.IntVar(&f.load.Concurrency, "concurrency", 16, "concurrent producers, each waiting for its acknowledgement")
	if withPeer {
		fs.StringVar(&f.amqp, "amqp", "", "AMQP URL of the peer, e.g. amqp://guest:guest@127.0.0.1:5672/ (none: wsgw only)")
		fs.StringVar(&f.queueType, "amqp-queue-type", "", `x-queue-type of the peer's queue: "" (classic) or "quorum"`)
	}
	fs.StringVar(&f.data, "data", "", "directory in which the fresh badger store is made (and removed); default the temporary directory")
	if name == "wsrm" {
		fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the WS-RM run to FILE")
	}
	fs.BoolVar(&f.json, "json", false, "write the report as JSON")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return nil, code
	}
	if err := f.load.Validate(); err != nil {
		fmt.Fprintf(stderr, "wsgw bench %s: %v\n", name, err)
		return nil, 2
	}
	return f, -1
}

func benchDurable(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, code := parseBenchFlags("durable", true, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	rep := bench.Report{Benchmark: "durable", Load: f.load}
	fmt.Fprintln(stderr, "wsgw bench durable: measuring wsgw (badgerq)...")
	res, err := bench.Durable(ctx, f.load, f.data)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench durable: wsgw side:", err)
		return 1
	}
	rep.Wsgw = res
	code = 0
	switch {
	case f.amqp == "":
		rep.PeerNote = "no --amqp URL given"
	default:
		fmt.Fprintf(stderr, "wsgw bench durable: measuring the peer at %s...\n", bench.RedactURL(f.amqp))
		peer, err := bench.AMQP(ctx, f.load, bench.AMQPOptions{URL: f.amqp, QueueType: f.queueType})
		if err == nil {
			rep.Peer = &peer
			break
		}
		rep.PeerNote = err.Error()
		if !errors.Is(err, bench.ErrUnreachable) {
			code = 1 // reached, but the run failed
		}
	}
	if err := writeReport(stdout, rep, f.json); err != nil {
		fmt.Fprintln(stderr, "wsgw bench durable: writing the report:", err)
		return 1
	}
	return code
}

func benchWSRM(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, code := parseBenchFlags("wsrm", false, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	// The peer first: the raw durable queue the WS-RM path writes to, with
	// the same load on the same disk, so that the ratio compares the two
	// in one run of a shared machine.
	fmt.Fprintln(stderr, "wsgw bench wsrm: measuring the raw durable queue (badgerq)...")
	raw, err := bench.Durable(ctx, f.load, f.data)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench wsrm: raw queue:", err)
		return 1
	}
	fmt.Fprintln(stderr, "wsgw bench wsrm: measuring the gateway's WS-RM path...")
	stopProfile, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench wsrm:", err)
		return 1
	}
	res, err := bench.WSRM(ctx, f.load, f.data)
	if perr := stopProfile(); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench wsrm:", err)
		return 1
	}
	raw.System = "raw badgerq durable enqueue, same load (wsgw bench durable)"
	rep := bench.Report{Benchmark: "wsrm", Load: f.load, Wsgw: res.Result, Peer: &raw}
	if res.Delivered > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("backend: every message delivered %.2fs after the first send", res.Delivered.Seconds()))
	} else {
		rep.Notes = append(rep.Notes, "backend: not every message was delivered within a minute of the last acknowledgement")
	}
	if err := writeReport(stdout, rep, f.json); err != nil {
		fmt.Fprintln(stderr, "wsgw bench wsrm: writing the report:", err)
		return 1
	}
	return 0
}

// startCPUProfile starts writing a CPU profile to path ("": none) and
// returns the function that stops it.
func startCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting the CPU profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// startProfiles starts a CPU profile to cpuPath ("": none) and, when
// memPath is not "", notes the allocations so far; stop writes the CPU
// profile, the allocation profile to memPath and what came before to
// memPath+".base" (go tool pprof -sample_index=alloc_space
// -diff_base=memPath.base memPath: the run's allocations alone).
func startProfiles(cpuPath, memPath string) (stop func() error, err error) {
	stopCPU, err := startCPUProfile(cpuPath)
	if err != nil || memPath == "" {
		return stopCPU, err
	}
	var base bytes.Buffer
	runtime.GC() // the profile counts allocations up to the last GC
	if err := pprof.Lookup("allocs").WriteTo(&base, 0); err != nil {
		return nil, errors.Join(err, stopCPU())
	}
	return func() error {
		err := stopCPU()
		runtime.GC()
		var run bytes.Buffer
		werr := pprof.Lookup("allocs").WriteTo(&run, 0)
		return errors.Join(err, werr, os.WriteFile(memPath, run.Bytes(), 0o644),
			os.WriteFile(memPath+".base", base.Bytes(), 0o644))
	}, nil
}

// report is a benchmark report that can be written as text or JSON.
type report interface {
	WriteText(io.Writer) error
	WriteJSON(io.Writer) error
}

func writeReport(w io.Writer, rep report, asJSON bool) error {
	if asJSON {
		return rep.WriteJSON(w)
	}
	return rep.WriteText(w)
}

func benchProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var l bench.Load
	var nginx string
	var asJSON bool
	fs := newFlagSet("bench proxy", benchUsage+"\n")
	fs.IntVar(&l.Messages, "requests", 20000, "requests to send")
	fs.IntVar(&l.Size, "size", 1024, "bytes per request envelope (padded)")
	fs.IntVar(&l.Concurrency, "concurrency", 16, "concurrent keep-alive clients, each waiting for its response")
	fs.StringVar(&nginx, "nginx", "/usr/sbin/nginx", `nginx binary run as the peer ("" or missing: not measured)`)
	var popts bench.ProxyOptions
	fs.StringVar(&popts.External, "external", "", "service URL of a separately started wsgw serve (needs --backend)")
	fs.StringVar(&popts.Backend, "backend", "", "URL of a separately started wsgw bench backend")
	var cpuProfile, memProfile string
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the wsgw side's measured run to FILE")
	fs.StringVar(&memProfile, "memprofile", "", "write an allocation profile of the wsgw side's measured run to FILE")
	fs.BoolVar(&asJSON, "json", false, "write the report as JSON")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if memProfile != "" {
		runtime.MemProfileRate = 4096 // (choice) fine enough for a request's allocations; set before the run allocates
	}
	if cpuProfile != "" || memProfile != "" {
		popts.AroundWsgw = func() (func() error, error) { return startProfiles(cpuProfile, memProfile) }
	}
	if popts.External != "" && popts.Backend == "" {
		fmt.Fprintln(stderr, "wsgw bench proxy: --external needs --backend")
		return 2
	}
	popts.Nginx = nginx
	if err := l.Validate(); err != nil {
		fmt.Fprintf(stderr, "wsgw bench proxy: %v\n", err)
		return 2
	}
	fmt.Fprintln(stderr, "wsgw bench proxy: measuring direct, wsgw, then nginx...")
	rep, err := bench.Proxy(ctx, l, popts)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench proxy:", err)
		return 1
	}
	if err := writeReport(stdout, rep, asJSON); err != nil {
		fmt.Fprintln(stderr, "wsgw bench proxy: writing the report:", err)
		return 1
	}
	if rep.NginxFailed {
		return 1 // installed, but its side failed: the report says how
	}
	return 0
}
