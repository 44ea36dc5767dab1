package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// initAdmin reads the admin token and builds the admin handler (New).
func (g *Gateway) initAdmin(ln net.Listener) error {
	if ln != nil && g.cfg.Admin.Listen == "" {
		return errors.New("gateway.Options.AdminListener is set but Config.Admin.Listen is not")
	}
	g.adminLn = ln
	g.adminToken.file = g.cfg.Admin.TokenFile
	if err := g.adminToken.load(); err != nil {
		return fielderr.At(fielderr.Path{}.Field("Admin").Field("TokenFile"), err)
	}
	g.adminHandler = g.adminRoutes()
	return nil
}

// adminServer serves the admin endpoints on their own listener.
type adminServer struct {
	srv  *http.Server
	done chan struct{} // closed when Serve has returned
}

// startAdmin serves the admin endpoints on the admin listener when
// Config.Admin.Listen is set (Options.AdminListener, or a listener it
// opens), with the main listener's TLS; it returns nil without one. The
// admin listener failing later is logged, and the gateway goes on serving
// its clients (choice).
func (g *Gateway) startAdmin() (*adminServer, error) {
	if g.cfg.Admin.Listen == "" {
		return nil, nil
	}
	ln := g.adminLn
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", g.cfg.Admin.Listen); err != nil {
			return nil, fmt.Errorf("listening for admin: %w", err)
		}
	}
	a := &adminServer{srv: g.newServer(), done: make(chan struct{})}
	a.srv.Handler = g.adminHandler
	go func() {
		defer close(a.done)
		if err := g.serve(a.srv, ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("admin listener stopped", "err", err)
		}
	}()
	g.log.Info("serving admin", "addr", ln.Addr().String())
	return a, nil
}

// shutdown stops a (nil: nothing to stop) like the main listener: open
// requests finish until ctx ends, then connections are closed.
func (a *adminServer) shutdown(ctx context.Context) {
	if a == nil {
		return
	}
	if err := a.srv.Shutdown(ctx); err != nil {
		a.srv.Close()
	}
	<-a.done
}
