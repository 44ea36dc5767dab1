package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// openStore opens the node's one badger store in dir, creating it when
// needed. The parts that persist get it from here, each under its own key
// prefix (ARCHITECTURE.md, "One store").
func openStore(dir string, log *slog.Logger) (*badger.DB, error) {
	// SyncWrites: a write is on disk when its commit returns, which is
	// what "acknowledged" means for every part that persists (db.Sync
	// alone can miss a memtable that badger has just rotated).
	opts := badger.DefaultOptions(dir).WithSyncWrites(true).
		WithLogger(badgerLogger{log.With("component", "badger")})
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("opening store in %s: %w", dir, err)
	}
	log.Info("store opened", "dir", dir)
	return db, nil
}

// badgerLogger adapts slog to badger's logger. Badger's info messages are
// housekeeping: they go out at debug level.
type badgerLogger struct{ log *slog.Logger }

var _ badger.Logger = badgerLogger{}

func (l badgerLogger) Errorf(f string, a ...any)   { l.logf(slog.LevelError, f, a) }
func (l badgerLogger) Warningf(f string, a ...any) { l.logf(slog.LevelWarn, f, a) }
func (l badgerLogger) Infof(f string, a ...any)    { l.logf(slog.LevelDebug, f, a) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.logf(slog.LevelDebug, f, a) }

func (l badgerLogger) logf(lv slog.Level, f string, a []any) {
	if l.log.Enabled(context.Background(), lv) {
		l.log.Log(context.Background(), lv, strings.TrimSpace(fmt.Sprintf(f, a...)))
	}
}
