package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/examples/demo"
	"github.com/wsgw/wsgw/storage/badgerstore"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", "Usage: wsgw demo [--listen 127.0.0.1:8080] [--data ./wsgw-data]\n\n"+
		"Runs the gateway with the example services' backends and the conformance\n"+
		"kit's test service in this process.\n")
	listen := fs.String("listen", demo.DefaultListen, "gateway listen address (port 0 picks a free port)")
	data := fs.String("data", defaultDataDir, "data directory (badger store)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	log, err := newLogger(stderr, *logLevel, "text")
	if err != nil {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 2
	}
	d, err := startDemo(ctx, demoOptions{Listen: *listen, DataDir: *data, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "wsgw demo:", err)
		return 1
	}
	printDemo(stdout, d)
	if err := d.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "wsgw demo:", err)
		d.Close()
		return 1
	}
	if err := d.Close(); err != nil {
		fmt.Fprintln(stderr, "wsgw demo:", err)
		return 1
	}
	return 0
}

type demoOptions struct {
	Listen  string
	DataDir string
	Logger  *slog.Logger
}

// runningDemo is the demo with the node's store.
type runningDemo struct {
	*demo.Demo
	dataDir string
	db      *badger.DB
}

// startDemo opens the store and starts the demo; it serves until ctx ends.
func startDemo(ctx context.Context, opts demoOptions) (*runningDemo, error) {
	// The demo hosts the broker and reliable services.
	db, err := openStore(opts.DataDir, badgerstore.Uses{Broker: true, Reliable: 1}, opts.Logger)
	if err != nil {
		return nil, err
	}
	d, err := demo.Start(ctx, demo.Options{Listen: opts.Listen, Logger: opts.Logger, Registry: newRegistry(), DB: db})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &runningDemo{Demo: d, dataDir: opts.DataDir, db: db}, nil
}

// Close stops the demo and closes the store.
func (d *runningDemo) Close() error {
	return errors.Join(d.Demo.Close(), d.db.Close())
}

// printDemo prints the URLs and a request to try.
func printDemo(w io.Writer, d *runningDemo) {
	fmt.Fprintf(w, "wsgw demo: gateway on %s, data in %s\n\n", d.URL, d.dataDir)
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	for _, s := range d.Services {
		fmt.Fprintf(tw, "  %s\t%s\t(%s)\n", s.Name, s.Endpoint, s.Shape)
		fmt.Fprintf(tw, "  \t%s\t\n", s.WSDL)
	}
	fmt.Fprintf(tw, "  broker\t%s\t(WS-Notification; delivers to loopback consumers)\n", d.Broker.Endpoint)
	fmt.Fprintf(tw, "  \t%s\t\n", d.Broker.WSDL)
	fmt.Fprintf(tw, "  pull points\t%s\t\n", d.Broker.CreatePullPoint)
	fmt.Fprintf(tw, "  admin\t%s/admin\t\n", d.URL)
	fmt.Fprintf(tw, "  metrics\t%s/metrics\t\n", d.URL)
	fmt.Fprintf(tw, "  ready\t%s/readyz\t\n", d.URL)
	fmt.Fprintf(tw, "  health\t%s/healthz\t\n", d.URL)
	tw.Flush()
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(w, strings.TrimRight(line, " \n"))
	}
	fmt.Fprintf(w, "\nTry a SOAP 1.1 GetQuote (ServedBy shows the partition/replica):\n\n%s\n\nCtrl-C stops.\n", d.Curl())
}
