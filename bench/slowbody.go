package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/wsgw/wsgw/gateway"
)

// SlowBodyOptions configure the slow-body benchmark.
type SlowBodyOptions struct {
	Load    Load  // the other clients' run, repeated under each attack
	Attacks []int // attacking connections; default 64, 100, 1000
	// Gap is how long an attacker waits between body bytes; default 2s.
	Gap time.Duration
	// External and Backend: a separately started wsgw serve (its
	// service URL) and backend, as for Proxy; "": in this process, with
	// the gateway's default client limits.
	External, Backend string
}

// SlowBodyStep is the other clients' run under one attack.
type SlowBodyStep struct {
	Attackers int
	Result    Result
	Opened    int64 // connections the attackers opened (closed ones are reopened)
}

// SlowBodyReport is a slow-body run: the other clients alone, then under
// each attack.
type SlowBodyReport struct {
	Options  SlowBodyOptions
	Baseline Result
	Steps    []SlowBodyStep
}

// SlowBody measures what slow clients do to the others: Attackers
// connections from 127.0.0.2 (Linux routes 127/8 to lo) each send a
// request header with a 64 KiB Content-Length and then one body byte
// every Gap, reopening any connection the gateway closes; meanwhile Load
// runs from 127.0.0.1 as in Proxy. The p99 of the other clients under
// attack is compared with their p99 alone.
func SlowBody(ctx context.Context, o SlowBodyOptions) (SlowBodyReport, error) {
	if len(o.Attacks) == 0 {
		o.Attacks = []int{64, 100, 1000}
	}
	if o.Gap <= 0 {
		o.Gap = 2 * time.Second
	}
	rep := SlowBodyReport{Options: o}
	if err := o.Load.Validate(); err != nil {
		return rep, err
	}
	target := o.External
	if target == "" {
		b, err := StartBackend("127.0.0.1:0", Capacity{})
		if err != nil {
			return rep, err
		}
		defer b.Close()
		gw, err := startGatewayWith(ctx, b.URL, gateway.ClientLimits{}, false)
		if err != nil {
			return rep, err
		}
		defer gw.stop()
		target = gw.url + "/services/StockQuote"
	}
	var err error
	if rep.Baseline, err = proxyRun(ctx, o.Load, target, nil); err != nil {
		return rep, fmt.Errorf("baseline: %w", err)
	}
	for _, n := range o.Attacks {
		actx, stop := context.WithCancel(ctx)
		var opened atomic.Int64
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { attack(actx, target, o.Gap, &opened) })
		}
		res, err := proxyRun(ctx, o.Load, target, nil)
		stop()
		wg.Wait()
		if err != nil {
			return rep, fmt.Errorf("under %d slow connections: %w", n, err)
		}
		rep.Steps = append(rep.Steps, SlowBodyStep{Attackers: n, Result: res, Opened: opened.Load()})
	}
	return rep, nil
}

// attack keeps one slow connection to target open until ctx ends.
func attack(ctx context.Context, target string, gap time.Duration, opened *atomic.Int64) {
	host := strings.TrimPrefix(strings.TrimPrefix(target, "http://"), "https://")
	host, path, _ := strings.Cut(host, "/")
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: time.Second}
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", host)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		opened.Add(1)
		stop := context.AfterFunc(ctx, func() { c.Close() })
		_, err = fmt.Fprintf(c, "POST /%s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/xml; charset=utf-8\r\n"+
			"SOAPAction: \"\"\r\nContent-Length: 65536\r\n\r\n<", path, host)
		for err == nil && ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(gap):
				_, err = c.Write([]byte("x"))
			}
		}
		stop()
		c.Close()
	}
}

// WriteText writes the other clients' figures alone and under each
// attack, with p99 under attack over p99 alone.
func (r SlowBodyReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	l := r.Options.Load
	fmt.Fprintf(ew, "wsgw bench slowbody: %d GetQuote requests of %d bytes from %d clients (127.0.0.1), alone and while "+
		"slow connections from 127.0.0.2 send a body byte every %s\n\n", l.Messages, l.Size, l.Concurrency, r.Options.Gap)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "slow connections\trequests/s\tp50 ms\tp99 ms\tp99/p99 alone\tconnections opened\t")
	fmt.Fprintf(tw, "0\t%.0f\t%s\t%s\t1.00\t\t\n", r.Baseline.Throughput, ms(r.Baseline.P50), ms(r.Baseline.P99))
	for _, st := range r.Steps {
		fmt.Fprintf(tw, "%d\t%.0f\t%s\t%s\t%.2f\t%d\t\n", st.Attackers, st.Result.Throughput, ms(st.Result.P50),
			ms(st.Result.P99), ratioOf(st.Result.P99, r.Baseline.P99), st.Opened)
	}
	tw.Flush()
	fmt.Fprintln(ew, "\ngoal: p99 under attack within 2x of p99 alone (issue 12)")
	return ew.err
}

// WriteJSON writes the report as one JSON object.
func (r SlowBodyReport) WriteJSON(w io.Writer) error {
	type step struct {
		Attackers int        `json:"slow_connections"`
		Result    jsonResult `json:"result"`
		Ratio     float64    `json:"p99_over_alone"`
		Opened    int64      `json:"connections_opened"`
	}
	out := struct {
		Benchmark string     `json:"benchmark"`
		Baseline  jsonResult `json:"alone"`
		Steps     []step     `json:"under_attack"`
	}{Benchmark: "slowbody", Baseline: toJSONResult(r.Baseline)}
	for _, st := range r.Steps {
		out.Steps = append(out.Steps, step{st.Attackers, toJSONResult(st.Result), ratioOf(st.Result.P99, r.Baseline.P99), st.Opened})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
