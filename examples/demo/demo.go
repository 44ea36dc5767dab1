// Package demo wires the example services to a gateway in one process: it
// starts the stockquote, temperature and orders backends and the
// conformance kit's test service on loopback port-0 listeners, and a
// gateway whose configuration points at them (WSDLs loaded from the
// backends' ?wsdl), so that `wsgw conformance --target <demo>` finds an
// endpoint for every suite. The gateway also hosts the WS-Notification
// broker at /wsn/, allowed to deliver to loopback consumers only, with its
// state in Options.DB. `wsgw demo` and the end-to-end and interop tests
// run it.
//
// Like cmd/wsgw, it is wiring: it imports the gateway, and nothing imports
// it but commands and tests.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsgw/wsgw/gateway"
)

// DefaultListen is the gateway's address unless Options.Listen says
// otherwise.
const DefaultListen = gateway.DefaultListen

// Options configure Start.
type Options struct {
	Listen   string               // gateway address; default DefaultListen; port 0 picks one
	Logger   *slog.Logger         // default slog.Default()
	Registry *prometheus.Registry // handed to the gateway; nil: the gateway's default
	// DB is the node's store, where the broker keeps its state; nil: an
	// in-memory store that Close discards.
	DB *badger.DB
	// Admin places the admin page and the metrics and sets their token;
	// zero: on the gateway's listener, no token. AdminListener is
	// gateway.Options.AdminListener.
	Admin         gateway.AdminConfig
	AdminListener net.Listener
}

// Demo is a running demo: backends and a gateway serving.
type Demo struct {
	URL      string         // the gateway's base URL, "http://127.0.0.1:8080"
	Config   gateway.Config // the configuration the gateway runs
	Services []Service
	Broker   Broker // the WS-Notification broker's URLs

	log      *slog.Logger
	gw       *gateway.Gateway
	backends []*backend
	cancel   context.CancelFunc
	served   chan struct{} // closed when Serve returned
	serveErr error         // Serve's result; read after served is closed
	once     sync.Once     // guards the shutdown in Close
	memDB    *badger.DB    // the in-memory store when Options.DB is nil
	closeErr error
}

// Service describes one demo service for humans.
type Service struct {
	Name     string
	Endpoint string // the gateway's URL for it
	WSDL     string // Endpoint + "?wsdl"
	Shape    string // e.g. "2 partitions x 2 replicas, key //q:Symbol"
}

// Start starts the backends and the gateway, which serves until ctx ends or
// Close is called. Start returns once the gateway is listening; replicas
// become ready (GET /readyz) after their first health checks.
func Start(ctx context.Context, opts Options) (d *Demo, err error) {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	d = &Demo{log: opts.Logger, served: make(chan struct{})}
	started := d // d itself is nil once an error is returned
	defer func() {
		if err != nil {
			started.stopBackends()
			started.closeMemDB()
		}
	}()
	db, err := d.store(opts.DB)
	if err != nil {
		return nil, err
	}
	stock, err := d.startStockQuote()
	if err != nil {
		return nil, err
	}
	temp, err := d.startTemperature()
	if err != nil {
		return nil, err
	}
	ord, err := d.startOrders() // orders.go
	if err != nil {
		return nil, err
	}
	ts, err := d.startTestService() // testservice.go
	if err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", opts.Listen, err)
	}
	addr := ln.Addr().String()
	d.URL = "http://" + addr
	d.Config = gatewayConfig(addr, stock, temp)
	d.Config.Services = append(d.Config.Services, ordersService(ord))
	d.Config.Services = append(d.Config.Services, testServices(ts)...)
	d.Services = append(append(services(d.URL), ordersInfo(d.URL)), testServicesInfo(d.URL)...)
	d.Broker = brokerURLs(d.URL)
	d.Config.Admin = opts.Admin

	gw, err := gateway.New(ctx, d.Config, gateway.Options{Logger: opts.Logger, Registry: opts.Registry, DB: db,
		AdminListener: opts.AdminListener})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("starting gateway: %w", err)
	}
	d.gw = gw
	serveCtx, cancel := context.WithCancel(ctx)
	d.cancel = cancel
	go func() {
		defer close(d.served)
		d.serveErr = gw.Serve(serveCtx, ln)
	}()
	return d, nil
}

// Wait blocks until the gateway has stopped serving (its context ended, or
// Close) and returns Serve's error.
func (d *Demo) Wait() error {
	<-d.served
	return d.serveErr
}

// Close stops the gateway (draining in-flight requests) and the backends.
func (d *Demo) Close() error {
	d.once.Do(func() {
		d.cancel()
		serveErr := d.Wait()
		if errors.Is(serveErr, http.ErrServerClosed) || errors.Is(serveErr, context.Canceled) {
			serveErr = nil
		}
		d.closeErr = errors.Join(serveErr, d.gw.Close(), d.stopBackends(), d.closeMemDB())
	})
	return d.closeErr
}

// backend is one in-process backend replica.
type backend struct {
	id  string
	url string
	srv *http.Server
}

// startBackend serves h on a loopback port-0 listener.
func (d *Demo) startBackend(id string, h http.Handler) (*backend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for backend %s: %w", id, err)
	}
	b := &backend{id: id, url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := b.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("backend stopped", "backend", id, "err", err)
		}
	}()
	d.backends = append(d.backends, b)
	return b, nil
}

func (d *Demo) stopBackends() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, b := range d.backends {
		errs = append(errs, b.srv.Shutdown(ctx))
	}
	d.backends = nil
	return errors.Join(errs...)
}
