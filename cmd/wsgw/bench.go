package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/wsgw/wsgw/bench"
)

const benchUsage = `Usage: wsgw bench durable [--messages N] [--size BYTES] [--concurrency C] [--amqp URL] [--data DIR] [--json]

Measures wsgw side by side with a peer on this machine and reports the
ratios wsgw/peer (package bench documents what is measured).

  durable   durable enqueue: N messages of BYTES bytes from C concurrent
            producers into a badgerq queue on a fresh badger store
            (SyncWrites), each acknowledged when it is on disk; the peer is
            an AMQP broker (RabbitMQ) at --amqp: a durable queue, persistent
            messages, publisher confirms. Without --amqp, or when it cannot
            be reached, only wsgw is measured and the report says so.

The WS-RM path through the gateway (wsgw bench wsrm) is not measured yet.
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
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, benchUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "wsgw bench: unknown benchmark %q\n\n%s", args[0], benchUsage)
		return 2
	}
}

type durableFlags struct {
	load      bench.Load
	amqp      string
	queueType string
	data      string
	json      bool
}

// parseDurableFlags returns the flags, or an exit code >= 0 to stop.
func parseDurableFlags(args []string, stderr io.Writer) (*durableFlags, int) {
	f := &durableFlags{}
	fs := flag.NewFlagSet("bench durable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&f.load.Messages, "messages", 20000, "messages to send")
	fs.IntVar(&f.load.Size, "size", 1024, "bytes per message")
	fs.IntVar(&f.load.Concurrency, "concurrency", 16, "concurrent producers, each waiting for its acknowledgement")
	fs.StringVar(&f.amqp, "amqp", "", "AMQP URL of the peer, e.g. amqp://guest:guest@127.0.0.1:5672/ (none: wsgw only)")
	fs.StringVar(&f.queueType, "amqp-queue-type", "", `x-queue-type of the peer's queue: "" (classic) or "quorum"`)
	fs.StringVar(&f.data, "data", "", "directory in which the fresh badger store is made (and removed); default the temporary directory")
	fs.BoolVar(&f.json, "json", false, "write the report as JSON")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage+"\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, 2
	}
	if err := f.load.Validate(); err != nil {
		fmt.Fprintf(stderr, "wsgw bench durable: %v\n", err)
		return nil, 2
	}
	return f, -1
}

func benchDurable(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, code := parseDurableFlags(args, stderr)
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

func writeReport(w io.Writer, rep bench.Report, asJSON bool) error {
	if asJSON {
		return rep.WriteJSON(w)
	}
	return rep.WriteText(w)
}
