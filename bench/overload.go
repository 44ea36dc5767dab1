package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/gateway"
)

// OverloadOptions configure the overload benchmark. Zero fields take the
// defaults in comments.
type OverloadOptions struct {
	// Capacity is the backend's (an in-process stock-quote backend);
	// default 4 slots of 5ms, about 800 requests/s. Ignored with Backend.
	Capacity Capacity
	// Steps are the offered loads, as multiples of the measured capacity;
	// default 0.5, 1, 2, 4, 8.
	Steps    []float64
	Step     time.Duration // how long each load is offered; default 3s
	Timeout  time.Duration // a request without a reply by then failed; default 2s
	Size     int           // envelope bytes; default 1024
	Nginx    string        // nginx binary for the peer; "" or missing: not measured
	External string        // a separately started gateway's service URL; "": one in this process
	Backend  string        // a separately started backend's URL (wsgw bench backend); "": one in this process
	// MaxOutstanding bounds the requests in flight from the load generator;
	// a request due when the bound is reached is counted as not sent.
	// Default 4096.
	MaxOutstanding int
}

func (o OverloadOptions) withDefaults() OverloadOptions {
	if o.Capacity == (Capacity{}) {
		o.Capacity = Capacity{Slots: 4, Service: 5 * time.Millisecond}
	}
	if len(o.Steps) == 0 {
		o.Steps = []float64{0.5, 1, 2, 4, 8}
	}
	if o.Step <= 0 {
		o.Step = 3 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Size <= 0 {
		o.Size = 1024
	}
	if o.MaxOutstanding <= 0 {
		o.MaxOutstanding = 4096
	}
	return o
}

// OverloadStep is one offered load's outcome.
type OverloadStep struct {
	Factor  float64 // offered load over the measured capacity
	Offered float64 // requests per second offered
	Sent    int
	OK      int // answered with a GetQuoteResponse
	Refused int // answered 503 (wsgw: a Busy fault, at once)
	Failed  int // anything else: timeouts, errors, other statuses
	Unsent  int // due while MaxOutstanding requests were in flight
	// Goodput is the requests answered OK within the step, per second:
	// replies that came after the step ended (a backlog draining) do not
	// count.
	Goodput float64
	// Latency of the requests answered OK.
	P50, P99 time.Duration
}

// OverloadSide is one system's run over every step.
type OverloadSide struct {
	System   string
	Unloaded Result // one client, closed loop: the unloaded latency
	Steps    []OverloadStep
}

// OverloadReport is an overload run: wsgw and nginx in front of the same
// backend of bounded capacity.
type OverloadReport struct {
	Options  OverloadOptions
	Capacity float64 // measured, requests per second, directly at the backend
	Wsgw     OverloadSide
	// Nginx is nil when nginx was not measured; NginxNote says why.
	Nginx     *OverloadSide
	NginxNote string
}

// Overload measures wsgw (and nginx) past a backend's capacity: it
// measures the capacity directly (closed loop, 4 clients per slot, 2s),
// then offers each step's load open-loop (requests sent at evenly spaced
// times whatever the replies) for Step, through each side in turn.
func Overload(ctx context.Context, o OverloadOptions) (OverloadReport, error) {
	o = o.withDefaults()
	rep := OverloadReport{Options: o}
	backendURL := o.Backend
	if backendURL == "" {
		b, err := StartBackend("127.0.0.1:0", o.Capacity)
		if err != nil {
			return rep, err
		}
		defer b.Close()
		backendURL = b.URL
	}
	capacity, err := measureCapacity(ctx, backendURL+"/", o)
	if err != nil {
		return rep, fmt.Errorf("measuring the backend's capacity: %w", err)
	}
	rep.Capacity = capacity

	target, system := o.External, "wsgw serve at "+o.External+" (separate process)"
	if target == "" {
		gw, err := startGatewayWith(ctx, backendURL, gateway.ClientLimits{MaxConnsPerAddr: -1}, true)
		if err != nil {
			return rep, err
		}
		defer gw.stop()
		target, system = gw.url+"/services/StockQuote", "wsgw gateway in this process (adaptive limit per partition)"
	}
	if rep.Wsgw, err = overloadSide(ctx, target, capacity, o); err != nil {
		return rep, fmt.Errorf("wsgw: %w", err)
	}
	rep.Wsgw.System = system

	switch note := nginxMissing(o.Nginx); {
	case note != "":
		rep.NginxNote = note
	default:
		n, err := startNginx(o.Nginx, strings.TrimPrefix(backendURL, "http://"))
		if err != nil {
			rep.NginxNote = err.Error()
			break
		}
		side, err := overloadSide(ctx, "http://"+n.addr+"/", capacity, o)
		n.stop()
		if err != nil {
			rep.NginxNote = err.Error()
			break
		}
		side.System = n.version + " (proxy_pass, keepalive upstream)"
		rep.Nginx = &side
	}
	return rep, nil
}

// measureCapacity runs a closed loop of 4 clients per slot directly at the
// backend for 2s and returns the replies per second.
func measureCapacity(ctx context.Context, url string, o OverloadOptions) (float64, error) {
	clients := 4 * max(o.Capacity.Slots, 4)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	client := newLoadClient(clients)
	defer client.CloseIdleConnections()
	env := getQuoteEnvelope("ACME", o.Size)
	var n atomic.Int64
	var errOnce sync.Once
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := postSOAP(ctx, client, url, nsQuote+"/GetQuote", env); err != nil {
					if ctx.Err() == nil {
						errOnce.Do(func() { firstErr = err })
					}
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, firstErr
	}
	if n.Load() == 0 {
		return 0, errors.New("no reply in 2s")
	}
	return float64(n.Load()) / elapsed.Seconds(), nil
}

func newLoadClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}}
}

// overloadSide measures target unloaded, then at every step.
func overloadSide(ctx context.Context, target string, capacity float64, o OverloadOptions) (OverloadSide, error) {
	var side OverloadSide
	unloaded, err := proxyRun(ctx, Load{Messages: 500, Size: o.Size, Concurrency: 1}, target, nil)
	if err != nil {
		return side, fmt.Errorf("unloaded run: %w", err)
	}
	side.Unloaded = unloaded
	client := newLoadClient(o.MaxOutstanding)
	defer client.CloseIdleConnections()
	for _, f := range o.Steps {
		st := openLoop(ctx, client, target, f*capacity, o)
		st.Factor = f
		side.Steps = append(side.Steps, st)
		if ctx.Err() != nil {
			return side, ctx.Err()
		}
	}
	return side, nil
}

// openLoop offers rate requests per second to target for o.Step, each
// sent at its time whatever the replies to the earlier ones, and waits for
// the last replies (at most o.Timeout).
func openLoop(ctx context.Context, client *http.Client, target string, rate float64, o OverloadOptions) OverloadStep {
	st := OverloadStep{Offered: rate}
	env := getQuoteEnvelope("ACME", o.Size)
	total := int(rate * o.Step.Seconds())
	var mu sync.Mutex // guards st's counts and lat
	var lat []time.Duration
	inStep := 0 // OK replies within the step
	var wg sync.WaitGroup
	slots := make(chan struct{}, o.MaxOutstanding)
	start := time.Now()
	for i := 0; i < total && ctx.Err() == nil; {
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		// Send everything due by now: a late wake-up sends a burst, as
		// an open-loop source would have.
		for ; i < total && !start.Add(time.Duration(float64(i)/rate*float64(time.Second))).After(time.Now()); i++ {
			select {
			case slots <- struct{}{}:
			default:
				mu.Lock()
				st.Unsent++
				mu.Unlock()
				continue
			}
			wg.Go(func() {
				defer func() { <-slots }()
				t0 := time.Now()
				kind := sendOnce(ctx, client, target, env, o.Timeout)
				d := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				st.Sent++
				switch kind {
				case http.StatusOK:
					st.OK++
					lat = append(lat, d)
					if t0.Add(d).Sub(start) <= o.Step {
						inStep++
					}
				case http.StatusServiceUnavailable:
					st.Refused++
				default:
					st.Failed++
				}
			})
		}
	}
	wg.Wait()
	st.Goodput = float64(inStep) / o.Step.Seconds()
	slices.Sort(lat)
	if len(lat) > 0 {
		st.P50, st.P99 = percentile(lat, 0.5), percentile(lat, 0.99)
	}
	return st
}

// sendOnce posts env and returns 200 for a GetQuoteResponse, 503 for a
// 503, else 0.
func sendOnce(ctx context.Context, client *http.Client, target string, env []byte, timeout time.Duration) int {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(env))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+nsQuote+`/GetQuote"`)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case err != nil:
		return 0
	case resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte("GetQuoteResponse")):
		return http.StatusOK
	case resp.StatusCode == http.StatusServiceUnavailable:
		return http.StatusServiceUnavailable
	}
	return 0
}
