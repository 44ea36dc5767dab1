package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/bench"
)

// benchDirect is `wsgw bench direct` (issue 11's measures): the direct path
// against the broker's HTTP path for each subscriber count, then repair
// under each loss rate.
func benchDirect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var l bench.Load
	var subs, losses, data string
	var receivers, lossMessages int
	var asJSON bool
	fs := newFlagSet("bench direct", benchUsage+"\n")
	fs.IntVar(&l.Messages, "messages", 2000, "Notifies of the path comparison")
	fs.IntVar(&l.Size, "size", 1024, "bytes per Notify (about)")
	fs.IntVar(&l.Concurrency, "concurrency", 4, "concurrent publishers of the path comparison")
	fs.StringVar(&subs, "subscribers", "1,10,50", "subscriber counts of the path comparison")
	fs.StringVar(&losses, "loss", "0.01,0.05,0.2", "loss rates of the repair measure")
	fs.IntVar(&receivers, "receivers", 10, "receivers of the repair measure")
	fs.IntVar(&lossMessages, "loss-messages", 2000, "notifications of each loss rate")
	fs.StringVar(&data, "data", "", "directory of the broker's temporary badger store; default the temporary directory")
	fs.BoolVar(&asJSON, "json", false, "write the report as JSON")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "wsgw bench direct: "+format+"\n", a...)
		return 2
	}
	if err := l.Validate(); err != nil {
		return bad("%v", err)
	}
	var ns []int
	for _, f := range strings.Split(subs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1000 {
			return bad("--subscribers: %q is not a count from 1 to 1000", f)
		}
		ns = append(ns, n)
	}
	var ps []float64
	for _, f := range strings.Split(losses, ",") {
		p, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || p < 0 || p >= 1 {
			return bad("--loss: %q is not a fraction in [0, 1)", f)
		}
		ps = append(ps, p)
	}
	if receivers < 1 || receivers > 1000 || lossMessages < 1 {
		return bad("--receivers must be 1..1000 and --loss-messages at least 1")
	}
	fmt.Fprintln(stderr, "wsgw bench direct: the direct path against the broker's HTTP path...")
	paths, err := bench.DirectPaths(ctx, l, ns, data)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench direct:", err)
		return 1
	}
	fmt.Fprintln(stderr, "wsgw bench direct: repair under loss...")
	reps, err := bench.DirectRepair(ctx, ps, receivers, lossMessages, l.Size)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench direct:", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Paths  []bench.DirectPath
			Repair []bench.DirectLoss
		}{paths, reps}); err != nil {
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, "Direct path vs broker HTTP path: %d Notifies of %d bytes, %d publishers (one measurement on this machine)\n", l.Messages, l.Size, l.Concurrency)
	fmt.Fprintf(stdout, "%-12s %-8s %14s %10s %10s\n", "subscribers", "path", "notifications/s", "p50", "p99")
	for _, p := range paths {
		for _, r := range []struct {
			name string
			res  bench.Result
		}{{"broker", p.Broker}, {"direct", p.Direct}} {
			fmt.Fprintf(stdout, "%-12d %-8s %14.0f %10v %10v\n", p.Subscribers, r.name, r.res.Throughput, r.res.P50, r.res.P99)
		}
		if p.Broker.Throughput > 0 && p.Direct.P99 > 0 {
			fmt.Fprintf(stdout, "%-12d ratios   throughput direct/broker %.2f, p99 direct/broker %.2f\n", p.Subscribers,
				p.Direct.Throughput/p.Broker.Throughput, float64(p.Direct.P99)/float64(p.Broker.P99))
		}
	}
	if len(paths) > 0 {
		fmt.Fprintf(stdout, "direct transport: %s\n", paths[0].Transport)
	}
	fmt.Fprintf(stdout, "\nRepair under loss: %d receivers, %d notifications of %d bytes\n", receivers, lossMessages, l.Size)
	fmt.Fprintf(stdout, "%-6s %12s %12s %12s %10s %8s %9s\n", "loss", "repair/data", "loss events", "NAKs/loss", "gap seqs", "complete", "")
	for _, r := range reps {
		fmt.Fprintf(stdout, "%-6v %12.3f %12d %12.3f %10d %8v\n", r.Loss, r.Ratio, r.LossEvents, r.NAKsPerLoss, r.Gaps, r.Complete)
	}
	if len(reps) > 0 {
		fmt.Fprintf(stdout, "network: %s\n", reps[0].Network)
	}
	return 0
}
