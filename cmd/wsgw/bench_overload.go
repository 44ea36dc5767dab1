package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/bench"
)

func benchOverload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o bench.OverloadOptions
	var steps, svg string
	var asJSON bool
	fs := newFlagSet("bench overload", benchUsage+"\n")
	fs.IntVar(&o.Capacity.Slots, "slots", 4, "the backend's slots (requests served at once)")
	fs.DurationVar(&o.Capacity.Service, "service", 5*time.Millisecond, "the backend's time per request in a slot")
	fs.StringVar(&steps, "steps", "0.5,1,2,4,8", "offered loads, as multiples of the measured capacity")
	fs.DurationVar(&o.Step, "step", 3*time.Second, "how long each load is offered")
	fs.DurationVar(&o.Timeout, "timeout", 2*time.Second, "a request without a reply by then failed")
	fs.IntVar(&o.Size, "size", 1024, "bytes per request envelope (padded)")
	fs.StringVar(&o.Nginx, "nginx", "/usr/sbin/nginx", `nginx binary run as the peer ("" or missing: not measured)`)
	fs.StringVar(&o.External, "external", "", "service URL of a separately started wsgw serve (needs --backend)")
	fs.StringVar(&o.Backend, "backend", "", "URL of a separately started wsgw bench backend")
	fs.StringVar(&svg, "svg", "", "write a plot of goodput and p99 against the offered load to this file")
	fs.BoolVar(&asJSON, "json", false, "write the report as JSON")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	for _, f := range strings.Split(steps, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 {
			fmt.Fprintf(stderr, "wsgw bench overload: --steps: %q is not a positive number\n", f)
			return 2
		}
		o.Steps = append(o.Steps, v)
	}
	if o.External != "" && o.Backend == "" {
		fmt.Fprintln(stderr, "wsgw bench overload: --external needs --backend")
		return 2
	}
	fmt.Fprintln(stderr, "wsgw bench overload: measuring the backend's capacity, then wsgw, then nginx...")
	rep, err := bench.Overload(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench overload:", err)
		return 1
	}
	if svg != "" {
		f, err := os.Create(svg)
		if err == nil {
			err = rep.WriteSVG(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "wsgw bench overload: writing the plot:", err)
			return 1
		}
	}
	if err := writeReport(stdout, rep, asJSON); err != nil {
		fmt.Fprintln(stderr, "wsgw bench overload: writing the report:", err)
		return 1
	}
	return 0
}

func benchBackend(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c bench.Capacity
	var listen string
	fs := newFlagSet("bench backend", benchUsage+"\n")
	fs.StringVar(&listen, "listen", "127.0.0.1:0", "listen address")
	fs.IntVar(&c.Slots, "slots", 0, "requests served at once (0: no bound)")
	fs.DurationVar(&c.Service, "service", 0, "time per request in a slot")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	err := bench.ServeBackend(ctx, listen, c, func(url string) {
		fmt.Fprintf(stdout, "wsgw bench backend: serving the stock-quote backend on %s (WSDL at %s/?wsdl)\n", url, url)
	})
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench backend:", err)
		return 1
	}
	return 0
}

func benchSlowBody(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o bench.SlowBodyOptions
	var attacks string
	var asJSON bool
	fs := newFlagSet("bench slowbody", benchUsage+"\n")
	fs.IntVar(&o.Load.Messages, "requests", 5000, "requests the other clients send, alone and under each attack")
	fs.IntVar(&o.Load.Size, "size", 1024, "bytes per request envelope (padded)")
	fs.IntVar(&o.Load.Concurrency, "concurrency", 16, "the other clients: keep-alive, each waiting for its response")
	fs.StringVar(&attacks, "attacks", "64,100,1000", "slow connections of each attack")
	fs.DurationVar(&o.Gap, "gap", 2*time.Second, "time between an attacker's body bytes")
	fs.StringVar(&o.External, "external", "", "service URL of a separately started wsgw serve")
	fs.BoolVar(&asJSON, "json", false, "write the report as JSON")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	for _, f := range strings.Split(attacks, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "wsgw bench slowbody: --attacks: %q is not a positive number\n", f)
			return 2
		}
		o.Attacks = append(o.Attacks, n)
	}
	if err := o.Load.Validate(); err != nil {
		fmt.Fprintf(stderr, "wsgw bench slowbody: %v\n", err)
		return 2
	}
	fmt.Fprintln(stderr, "wsgw bench slowbody: measuring the clients alone, then under each attack...")
	rep, err := bench.SlowBody(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw bench slowbody:", err)
		return 1
	}
	if err := writeReport(stdout, rep, asJSON); err != nil {
		fmt.Fprintln(stderr, "wsgw bench slowbody: writing the report:", err)
		return 1
	}
	return 0
}
