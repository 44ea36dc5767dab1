package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/wsgw/wsgw/gateway"
)

// reloadOnSIGHUP reloads on every SIGHUP, until ctx ends or the returned
// stop is called: the TLS certificates, keys and client CAs (new
// connections get them, open ones go on), the admin token and the users
// file. A part that
// does not load is logged and left as it was.
func reloadOnSIGHUP(ctx context.Context, gw *gateway.Gateway, usersPath string, log *slog.Logger) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-sig:
				if err := reload(gw, usersPath); err != nil {
					log.Error("reload failed; keeping what did not load", "err", err)
					continue
				}
				log.Info("reloaded", "tls", "certificates and keys", "admin", "token", "users", usersPath)
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		cancel()
		<-done
	}
}

// reload reloads the TLS material, the admin token and the users file
// ("" for none).
func reload(gw *gateway.Gateway, usersPath string) error {
	err := errors.Join(gw.ReloadTLS(), gw.ReloadAdminToken())
	if usersPath != "" {
		users, uerr := loadUsers(usersPath)
		if uerr == nil {
			uerr = gw.SetUsers(users)
		}
		err = errors.Join(err, uerr)
	}
	return err
}
