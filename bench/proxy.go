package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/wsgw/wsgw/examples/stockquote"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/queueing"
)

// ProxyOptions configure the proxy benchmark's peer.
type ProxyOptions struct {
	// Nginx is the nginx binary started as the peer; "" or a path that
	// does not exist: the peer is not measured.
	Nginx string
	// External is the service URL of a separately started `wsgw serve`
	// (…/services/StockQuote) in front of Backend: clients and gateway
	// then share no Go runtime. "": a gateway in this process.
	External string
	// Backend is the URL of a separately started backend (`wsgw bench
	// backend`); "": one in this process. External needs it.
	Backend string
	// AroundWsgw, when set, is called just before the wsgw side's measured
	// run (after its warm-up) and the function it returns just after:
	// the command starts and stops its profiles there.
	AroundWsgw func() (stop func() error, err error)
}

// proxyWarmup is how many requests each side gets, unmeasured, before its
// run: the keep-alive connections are open and the first WSDL-driven
// paths have run when the clock starts.
const proxyWarmup = 200

// Proxy measures the request/response path: l.Messages GetQuote requests
// (SOAP 1.1 envelopes padded to l.Size bytes), sent by l.Concurrency
// keep-alive clients on loopback to the stock-quote example's backend
// (a) through a wsgw gateway in this process, (b) through nginx (when
// opts.Nginx is installed) and (c) directly. Each side's run is preceded
// by an unmeasured warm-up. A failure of the wsgw or direct side is an
// error; nginx failing to start or to run is reported in NginxNote, with
// NginxFailed set.
func Proxy(ctx context.Context, l Load, opts ProxyOptions) (ProxyReport, error) {
	rep := ProxyReport{Load: l}
	if err := l.Validate(); err != nil {
		return rep, err
	}
	if opts.External != "" && opts.Backend == "" {
		return rep, errors.New("an external gateway needs the URL of the backend it forwards to")
	}
	backendURL := opts.Backend
	if backendURL == "" {
		backend, err := StartBackend("127.0.0.1:0", Capacity{})
		if err != nil {
			return rep, err
		}
		defer backend.Close()
		backendURL = backend.URL
	}
	backendAddr := strings.TrimPrefix(backendURL, "http://")

	var err error
	rep.Direct, err = proxyRun(ctx, l, backendURL+"/", nil)
	if err != nil {
		return rep, fmt.Errorf("direct: %w", err)
	}
	rep.Direct.System = "stock-quote backend, directly"

	target := opts.External
	rep.Wsgw.System = "wsgw serve at " + target + ", a separate process"
	if target == "" {
		gw, err := startProxyGateway(ctx, backendURL)
		if err != nil {
			return rep, err
		}
		defer gw.stop()
		target = gw.url + "/services/StockQuote"
		rep.Wsgw.System = "wsgw gateway in this process (WSDL dispatch, envelope checks, key XPath //q:Symbol; 1 partition, 1 replica)"
	}
	system := rep.Wsgw.System
	rep.Wsgw, err = proxyRun(ctx, l, target, opts.AroundWsgw)
	if err != nil {
		return rep, fmt.Errorf("wsgw: %w", err)
	}
	rep.Wsgw.System = system
	rep.External = opts.External != ""

	switch note := nginxMissing(opts.Nginx); {
	case note != "":
		rep.NginxNote = note
	default:
		res, err := nginxRun(ctx, l, opts.Nginx, backendAddr)
		if err != nil {
			rep.NginxNote = err.Error()
			rep.NginxFailed = true
			break
		}
		rep.Nginx = &res
	}
	return rep, nil
}

// proxyRun warms target up and then measures l against it, inside around
// when it is not nil.
func proxyRun(ctx context.Context, l Load, target string, around func() (func() error, error)) (Result, error) {
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: l.Concurrency, DisableCompression: true,
	}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	env := getQuoteEnvelope("ACME", l.Size)
	send := func(ctx context.Context, _ int, _ []byte) error {
		reply, err := postSOAP(ctx, client, target, nsQuote+"/GetQuote", env)
		if err != nil {
			return err
		}
		if !bytes.Contains(reply, []byte("GetQuoteResponse")) || !bytes.Contains(reply, []byte("42.5")) {
			return fmt.Errorf("no GetQuoteResponse for ACME in %.300q", reply)
		}
		return nil
	}
	warm := l
	warm.Messages = max(proxyWarmup, l.Concurrency)
	if _, err := drive(ctx, warm, send); err != nil {
		return Result{}, fmt.Errorf("warm-up: %w", err)
	}
	if around == nil {
		return drive(ctx, l, send)
	}
	stop, err := around()
	if err != nil {
		return Result{}, err
	}
	res, err := drive(ctx, l, send)
	if serr := stop(); serr != nil && err == nil {
		err = serr
	}
	return res, err
}

// getQuoteEnvelope is a SOAP 1.1 GetQuote of symbol, padded with a Note
// element (which the backend ignores) to size bytes.
func getQuoteEnvelope(symbol string, size int) []byte {
	head := `<soap:Envelope xmlns:soap="` + nsSOAP11 + `" xmlns:q="` + nsQuote + `">` +
		`<soap:Body><q:GetQuote><q:Symbol>` + symbol + `</q:Symbol>`
	tail := `</q:GetQuote></soap:Body></soap:Envelope>`
	const noteOpen, noteClose = `<q:Note>`, `</q:Note>`
	pad := size - len(head) - len(tail) - len(noteOpen) - len(noteClose)
	if pad <= 0 {
		return []byte(head + tail)
	}
	return []byte(head + noteOpen + strings.Repeat("x", pad) + noteClose + tail)
}

// startProxyGateway serves a gateway with the stock-quote service (plain
// request/response, no store) in front of backendURL, keyed as the demo
// keys it.
//
// (choice) Its partition's adaptive concurrency limit is off: this gateway
// measures the cost of the request path against nginx, which sheds no
// load, with closed-loop clients against a backend that shares the
// machine's cores; there an RTT-learned limit sees the backend's CPU
// queue and refuses the clients above it (503), which is the overload
// benchmark's subject, not this one's.
func startProxyGateway(ctx context.Context, backendURL string) (*runningGateway, error) {
	return startGatewayWith(ctx, backendURL, gateway.ClientLimits{MaxConnsPerAddr: -1}, false) // every client is on loopback
}

// startGatewayWith is startProxyGateway with the given client limits, and
// the adaptive limit on when adaptive.
func startGatewayWith(ctx context.Context, backendURL string, clients gateway.ClientLimits, adaptive bool) (*runningGateway, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the gateway: %w", err)
	}
	addr := ln.Addr().String()
	cfg := gateway.Config{Listen: addr, PublicURL: "http://" + addr, Services: []gateway.ServiceConfig{{
		Name:    "StockQuote",
		WSDL:    backendURL + "/?wsdl",
		Cluster: cluster.Config{Partitions: []cluster.PartitionConfig{{Replicas: []string{backendURL}}}},
		Key:     gateway.KeyConfig{XPath: "//q:Symbol", Namespaces: map[string]string{"q": stockquote.Namespace}},
		Operations: map[string]gateway.OperationConfig{
			"GetQuote": {Idempotent: true}, "SetQuote": {Idempotent: false},
		},
	}}}
	cfg.AccessLogOff = true // as nginx's access_log off
	cfg.Clients = clients
	cfg.Services[0].Stage.Limiter = &queueing.LimiterConfig{Disabled: !adaptive}
	g, err := gateway.New(ctx, cfg, gateway.Options{Logger: discardLogger()})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("starting the gateway: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go pprof.Do(runCtx, pprof.Labels("side", "gateway"), func(runCtx context.Context) { // profiles: -tagfocus side=gateway
		done <- g.Serve(runCtx, ln)
	})
	return &runningGateway{url: "http://" + addr, stop: func() {
		cancel()
		<-done
		g.Close()
	}}, nil
}

// errNginx marks nginx failing to start.
var errNginx = errors.New("nginx")
