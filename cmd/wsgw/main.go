// Command wsgw is the SOAP gateway: `wsgw serve` runs it from a config file,
// `wsgw demo` runs it with the example services in one process.
//
// This package is the command line only: flags, the config file format, and
// wiring. The gateway itself is package gateway.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so that a
		// second one kills a shutdown that hangs.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
