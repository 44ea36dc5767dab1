package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/storage/badgerstore"
)

// openStore opens the node's one badger store in dir, creating it when
// needed, with memory sized to the parts that use it (badgerstore.Options).
// The parts that persist get it from here, each under its own key prefix
// (ARCHITECTURE.md, "One store").
func openStore(dir string, uses badgerstore.Uses, log *slog.Logger) (*badger.DB, error) {
	opts := badgerstore.Options(dir, uses).WithLogger(badgerLogger{log.With("component", "badger")})
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("opening store in %s: %w", dir, err)
	}
	log.Info("store opened", "dir", dir, "memtable", opts.MemTableSize, "blockCache", opts.BlockCacheSize)
	return db, nil
}

// storeUses says which parts of cfg keep records in the node's badger
// store; a clustered node's broker keeps them in the cluster.
func storeUses(cfg gateway.Config, clustered bool) badgerstore.Uses {
	u := badgerstore.Uses{Broker: cfg.Broker != nil && !clustered}
	for _, s := range cfg.Services {
		if s.Reliable != nil {
			u.Reliable++
		}
	}
	return u
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
