package soapserver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main is the main function of an example backend command: it reads the
// -listen and -id flags, builds the handler for the id and serves it until
// SIGINT or SIGTERM. name names the service in logs and messages.
func Main(name, defaultListen, defaultID, idUsage string, newHandler func(id string, log *slog.Logger) http.Handler) {
	listen := flag.String("listen", defaultListen, "address to listen on")
	id := flag.String("id", defaultID, idUsage)
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info(name+" backend listening", "addr", *listen, "wsdl", "http://"+*listen+"/?wsdl")
	if err := serve(ctx, *listen, newHandler(*id, log)); err != nil {
		fmt.Fprintf(os.Stderr, "%s backend: %v\n", name, err)
		os.Exit(1)
	}
}

// serve serves h on addr until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
