package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/bench"
)

// benchGroup is the multicast group of bench direct in its namespace
// (choice: administratively scoped, RFC 2365; the namespace is its own).
const benchGroup = "239.255.77.1:7400"

// benchDirect is `wsgw bench direct` (issue 11's measures): the direct path
// against the broker's HTTP path for each subscriber count, at saturation
// and at one offered rate, with each hub's CPU; then repair under each
// loss rate.
func benchDirect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := bench.DirectOptions{PacedFraction: 0.5, PacedConcurrency: 16}
	ro := bench.RepairOptions{}
	var subs, losses, transport, hubs string
	var asJSON bool
	fs := newFlagSet("bench direct", benchUsage+"\n")
	fs.IntVar(&o.Load.Messages, "messages", 2000, "Notifies of each saturation run")
	fs.IntVar(&o.Load.Size, "size", 1024, "bytes per Notify (about)")
	fs.IntVar(&o.Load.Concurrency, "concurrency", 4, "publishers of the saturation runs, each waiting for its answer")
	fs.StringVar(&subs, "subscribers", "1,10,50", "subscriber counts of the path comparison")
	defTransport := "unicast"
	if os.Geteuid() == 0 {
		defTransport = "multicast"
	}
	fs.StringVar(&transport, "transport", defTransport, "the direct path's transport: multicast (in a network namespace of its own; needs root and ip) or unicast (fan-out on loopback)")
	fs.StringVar(&hubs, "hubs", "process", "where the broker and the send agent run: process (each its own, CPU measured) or inprocess")
	fs.Int64Var(&o.MaxRate, "rate", 1<<30, "the direct sender's rate ceiling, bytes/s of everything it sends (every unicast copy counted)")
	fs.Float64Var(&o.PacedFraction, "paced-fraction", 0.5, "the paced runs offer both paths this fraction of the lower of their saturation throughputs; 0 skips them")
	fs.IntVar(&o.PacedMessages, "paced-messages", 1000, "Notifies of each paced run")
	fs.StringVar(&losses, "loss", "0.01,0.05,0.2", "loss rates of the repair measure")
	fs.IntVar(&ro.Receivers, "receivers", 10, "receivers of the repair measure")
	fs.IntVar(&ro.Messages, "loss-messages", 2000, "notifications of each loss rate")
	fs.Float64Var(&ro.Rate, "loss-rate", 500, "notifications/s published in the repair measure; 0: as fast as the sender takes them")
	fs.StringVar(&o.DataDir, "data", "", "directory of the broker's temporary badger store; default the temporary directory")
	fs.BoolVar(&asJSON, "json", false, "write the report as JSON")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "wsgw bench direct: "+format+"\n", a...)
		return 2
	}
	if err := o.Load.Validate(); err != nil {
		return bad("%v", err)
	}
	for _, f := range strings.Split(subs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1000 {
			return bad("--subscribers: %q is not a count from 1 to 1000", f)
		}
		o.Subscribers = append(o.Subscribers, n)
	}
	for _, f := range strings.Split(losses, ",") {
		p, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || p < 0 || p >= 1 {
			return bad("--loss: %q is not a fraction in [0, 1)", f)
		}
		ro.Losses = append(ro.Losses, p)
	}
	if ro.Receivers < 1 || ro.Receivers > 1000 || ro.Messages < 1 || ro.Rate < 0 {
		return bad("--receivers must be 1..1000, --loss-messages at least 1 and --loss-rate at least 0")
	}
	if o.MaxRate < 1<<20 {
		return bad("--rate: %d bytes/s, want at least 1 MiB/s", o.MaxRate)
	}
	if o.PacedFraction < 0 || o.PacedFraction > 1 || o.PacedMessages < 1 {
		return bad("--paced-fraction must be in [0, 1] and --paced-messages at least 1")
	}
	switch hubs {
	case "process":
		o.StartHub = startHubProcess
	case "inprocess":
		o.StartHub = bench.StartHubInProcess
	default:
		return bad("--hubs: %q, want process or inprocess", hubs)
	}
	switch transport {
	case "unicast":
	case "multicast":
		if os.Getenv(benchNetnsEnv) == "" {
			code, err := runInBenchNetns(ctx, append([]string{"bench", "direct"}, args...), stdout, stderr)
			if err != nil {
				fmt.Fprintln(stderr, "wsgw bench direct:", err)
				return 1
			}
			return code
		}
		if ns := os.Getenv(benchNetnsEnv); !inBenchNetns(ns) {
			return bad("%s=%s, but this process is not in that network namespace: multicast mode runs only in a namespace of its own", benchNetnsEnv, ns)
		}
		o.Multicast, o.Group, o.Interface = true, benchGroup, "lo"
	default:
		return bad("--transport: %q, want multicast or unicast", transport)
	}
	ro.Size, ro.MaxRate = o.Load.Size, o.MaxRate
	fmt.Fprintln(stderr, "wsgw bench direct: the direct path against the broker's HTTP path...")
	paths, err := bench.DirectPaths(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench direct:", err)
		return 1
	}
	fmt.Fprintln(stderr, "wsgw bench direct: repair under loss...")
	reps, err := bench.DirectRepair(ctx, ro)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench direct:", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			MaxRate int64
			Paths   []bench.DirectPath
			Repair  []bench.DirectLoss
		}{o.MaxRate, paths, reps}); err != nil {
			return 1
		}
		return 0
	}
	writeDirectPaths(stdout, o, paths)
	writeDirectRepair(stdout, ro, reps)
	return 0
}

func writeDirectPaths(w io.Writer, o bench.DirectOptions, paths []bench.DirectPath) {
	if len(paths) == 0 {
		return
	}
	fmt.Fprintf(w, "Direct path vs broker HTTP path (one run on this machine)\n")
	fmt.Fprintf(w, "direct transport: %s\n", paths[0].Transport)
	fmt.Fprintf(w, "direct sender's rate ceiling: %.0f MiB/s (every copy counted)\n", float64(o.MaxRate)/(1<<20))
	fmt.Fprintf(w, "\nSaturation: %d Notifies of %d bytes, %d publishers each waiting for its answer\n", o.Load.Messages, o.Load.Size, o.Load.Concurrency)
	fmt.Fprintf(w, "%-5s %-7s %10s %10s %10s %12s %12s %9s %8s\n", "subs", "path", "notif/s", "p50", "p99", "hub CPU/n", "rest CPU/n", "drops", "n/post")
	for _, p := range paths {
		for _, r := range []struct {
			name  string
			run   bench.PathRun
			drops string
		}{{"broker", p.Broker, ""}, {"direct", p.Direct, strconv.FormatInt(p.KernelDrops, 10)}} {
			fmt.Fprintf(w, "%-5d %-7s %10.0f %10v %10v %12s %12v %9s %8.1f\n", p.Subscribers, r.name, r.run.Throughput, round(r.run.P50), round(r.run.P99),
				cpuPer(r.run.HubCPU, r.run.HubCPUPerNotification), round(r.run.RestCPU/time.Duration(max(1, r.run.Load.Messages))), r.drops, perPost(r.run, p.Subscribers))
		}
		if p.Broker.Throughput > 0 && p.Broker.P99 > 0 {
			fmt.Fprintf(w, "%-5d ratios direct/broker: throughput %.2f, p50 %.2f, p99 %.2f (sender: %d NAKs taken, %d Notifies answered 503)\n", p.Subscribers,
				p.Direct.Throughput/p.Broker.Throughput, float64(p.Direct.P50)/float64(p.Broker.P50), float64(p.Direct.P99)/float64(p.Broker.P99),
				p.Direct.NAKs, p.Direct.QueueFull)
		}
	}
	if o.PacedFraction > 0 {
		fmt.Fprintf(w, "\nPaced: %d Notifies offered open-loop to both paths at %.0f%% of the lower of their saturation throughputs; latency from when each was due\n",
			o.PacedMessages, 100*o.PacedFraction)
		fmt.Fprintf(w, "%-5s %10s %-7s %10s %10s %10s %12s %8s\n", "subs", "offered/s", "path", "achieved/s", "p50", "p99", "hub CPU/n", "n/post")
		for _, p := range paths {
			for _, r := range []struct {
				name string
				run  bench.PathRun
			}{{"broker", p.BrokerPaced}, {"direct", p.DirectPaced}} {
				fmt.Fprintf(w, "%-5d %10.0f %-7s %10.0f %10v %10v %12s %8.1f\n", p.Subscribers, p.OfferedRate, r.name, r.run.Throughput, round(r.run.P50), round(r.run.P99),
					cpuPer(r.run.HubCPU, r.run.HubCPUPerNotification), perPost(r.run, p.Subscribers))
			}
			if p.BrokerPaced.P50 > 0 && p.BrokerPaced.P99 > 0 {
				fmt.Fprintf(w, "%-5d ratios direct/broker: p50 %.2f, p99 %.2f\n", p.Subscribers,
					float64(p.DirectPaced.P50)/float64(p.BrokerPaced.P50), float64(p.DirectPaced.P99)/float64(p.BrokerPaced.P99))
			}
		}
	}
	if paths[0].Broker.HubCPU < 0 {
		fmt.Fprintf(w, "\nHub CPU: not measured (--hubs inprocess)\n")
		return
	}
	fmt.Fprintf(w, "\nHub CPU projection (saturation runs): CPU time of the hub's own process per notification, and the notifications/s\n")
	fmt.Fprintf(w, "one CPU of that hub could sustain at that cost (1 s / CPU per notification; a projection, not a measured throughput)\n")
	fmt.Fprintf(w, "%-5s %14s %14s %16s %16s %8s\n", "subs", "broker CPU/n", "sender CPU/n", "broker notif/s", "sender notif/s", "ratio")
	for _, p := range paths {
		ratio := 0.0
		if p.Broker.HubSustainable > 0 {
			ratio = p.Direct.HubSustainable / p.Broker.HubSustainable
		}
		fmt.Fprintf(w, "%-5d %14v %14v %16.0f %16.0f %8.1f\n", p.Subscribers, round(p.Broker.HubCPUPerNotification), round(p.Direct.HubCPUPerNotification),
			p.Broker.HubSustainable, p.Direct.HubSustainable, ratio)
	}
}

func writeDirectRepair(w io.Writer, ro bench.RepairOptions, reps []bench.DirectLoss) {
	pace := "as fast as the sender takes them"
	if ro.Rate > 0 {
		pace = fmt.Sprintf("%.0f/s", ro.Rate)
	}
	fmt.Fprintf(w, "\nRepair under loss: %d receivers, %d notifications of %d bytes published %s, rate ceiling %.0f MiB/s\n",
		ro.Receivers, ro.Messages, ro.Size, pace, float64(ro.MaxRate)/(1<<20))
	fmt.Fprintf(w, "%-6s %12s %12s %10s %15s %15s %13s %13s %8s\n", "loss", "repair/data", "loss events", "NAKs/loss", "gap seqs/all", "repairs capped", "below window", "kernel drops", "complete")
	for _, r := range reps {
		fmt.Fprintf(w, "%-6v %12.3f %12d %10.3f %15s %15d %13d %13d %8v\n", r.Loss, r.Ratio, r.LossEvents, r.NAKsPerLoss,
			fmt.Sprintf("%d/%d", r.Gaps, r.Sequences*int64(r.Receivers)), r.RepairsDropped, r.NAKsBelowWindow, r.KernelDrops, r.Complete)
	}
	for _, r := range reps {
		if len(r.GapsBy) > 0 {
			fmt.Fprintf(w, "gap seqs at %v loss by reason: %v\n", r.Loss, r.GapsBy)
		}
	}
	if len(reps) > 0 {
		fmt.Fprintf(w, "network: %s; relay socket buffers granted: %d B receive, %d B send (Linux reports twice the size asked)\n",
			reps[0].Network, reps[0].RelayBuffers.Read, reps[0].RelayBuffers.Write)
	}
}

// perPost is the notifications a consumer got per request in run.
func perPost(run bench.PathRun, subs int) float64 {
	if run.Posts == 0 {
		return 0
	}
	return float64(run.Load.Messages*subs) / float64(run.Posts)
}

// cpuPer formats a hub's CPU per notification ("-": not measured).
func cpuPer(total, per time.Duration) string {
	if total < 0 {
		return "-"
	}
	return round(per).String()
}

// round keeps three significant figures or so of d.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(100 * time.Nanosecond)
	}
}
