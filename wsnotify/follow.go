package wsnotify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/wsgw/wsgw/storage"
)

// A broker sharing its store (Options.Shared) follows it: it watches the
// kinds other nodes change (subscriptions, pull points, registrations) and
// applies each change to its memory. A change whose revision is the one
// the broker holds is its own write, or nothing new; any other is applied
// by reading the stored record again, so that an echo of this node's own
// older write that arrives after a newer one changes nothing (revisions
// are compared for equality only: storage.Record). Once the watch has
// reported the current records, what the broker held when the watch
// started and the store no longer has is dropped (deleted while this node
// was not watching).

// follow watches the shared kinds until ctx ends.
func (b *Broker) follow(ctx context.Context) {
	done := make(chan struct{})
	for _, kind := range []string{kindSub, kindPullPoint, kindReg} {
		go func() {
			defer func() { done <- struct{}{} }()
			retry(ctx, "watching "+kind, b.log, func() error { return b.watchKind(ctx, kind) })
		}()
	}
	for range 3 {
		<-done
	}
}

// retry runs fn until ctx ends, again a second after it returns.
func retry(ctx context.Context, what string, log *slog.Logger, fn func() error) {
	for ctx.Err() == nil {
		if err := fn(); err != nil && ctx.Err() == nil {
			log.Warn("wsnotify: "+what, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// watchKind watches kind once: until ctx ends or the watch fails.
func (b *Broker) watchKind(ctx context.Context, kind string) error {
	held := b.heldKeys(kind) // candidates for "deleted while not watching"
	seen := map[string]bool{}
	return b.st.Watch(ctx, kind, func(c storage.Change) {
		switch c.Op {
		case storage.ChangeCurrent:
			seen[c.Key] = true
			b.applyChange(ctx, kind, c)
		case storage.ChangeLoaded:
			for key := range held {
				if !seen[key] {
					b.forget(kind, key)
				}
			}
			held, seen = nil, nil
		case storage.ChangePut:
			b.applyChange(ctx, kind, c)
		case storage.ChangeDelete:
			b.forget(kind, c.Key)
		}
	})
}

// heldKeys are the keys of kind in memory that are stored (revision set).
func (b *Broker) heldKeys(kind string) map[string]bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	keys := map[string]bool{}
	switch kind {
	case kindSub:
		for id, s := range b.subs {
			if s.rev != 0 {
				keys[id] = true
			}
		}
	case kindPullPoint:
		for id := range b.pps {
			keys[id] = true
		}
	case kindReg:
		for id, r := range b.regs {
			if r.rev != 0 {
				keys[id] = true
			}
		}
	}
	return keys
}

// heldRev is the revision of kind/key in memory (0: none, or not known).
func (b *Broker) heldRev(kind, key string) (uint64, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	switch kind {
	case kindSub:
		if s := b.subs[key]; s != nil {
			return s.rev, true
		}
	case kindPullPoint:
		if pp := b.pps[key]; pp != nil {
			return pp.rev, true
		}
	case kindReg:
		if r := b.regs[key]; r != nil {
			return r.rev, true
		}
	}
	return 0, false
}

// applyChange brings kind/key in memory to what the store holds, unless
// the change's revision is the one held already.
func (b *Broker) applyChange(ctx context.Context, kind string, c storage.Change) {
	rev, ok := b.heldRev(kind, c.Key)
	if ok && rev == c.Rev {
		return
	}
	r, err := b.st.Get(ctx, kind, c.Key)
	if errors.Is(err, storage.ErrNotFound) {
		b.forget(kind, c.Key)
		return
	}
	if err != nil {
		b.log.Error("wsnotify: reading a record another node changed", "kind", kind, "key", c.Key, "err", err)
		return
	}
	switch kind {
	case kindSub:
		b.syncSub(r)
	case kindPullPoint:
		b.syncPP(r) // pullpoint.go
	case kindReg:
		b.syncReg(r)
	}
}

// syncSub makes the stored record r of a subscription the one in memory:
// a new subscription is compiled and added, a known one takes the
// record's mutable fields (termination, paused); its filters never change.
func (b *Broker) syncSub(r storage.Record) {
	now := b.now()
	var rec subRecord
	if err := json.Unmarshal(r.Value, &rec); err != nil {
		b.log.Error("wsnotify: decoding subscription", "id", r.Key, "err", err)
		return
	}
	b.mu.Lock()
	s := b.subs[r.Key]
	if s != nil {
		if s.rev != r.Rev {
			paused := s.rec.Paused
			s.rec, s.rev = rec, r.Rev
			s.gen++
			if rec.PullPoint == "" && paused != rec.Paused {
				if rec.Paused {
					b.disp.Pause(r.Key)
				} else {
					b.disp.Resume(r.Key)
				}
			}
		}
		b.mu.Unlock()
		b.kickDemand()
		return
	}
	b.mu.Unlock()
	ns, err := b.decodeSub(r, now)
	if err != nil || ns == nil {
		return
	}
	b.mu.Lock()
	if _, ok := b.subs[r.Key]; !ok {
		b.addLocked(ns)
	}
	b.mu.Unlock()
	b.kickDemand()
}

// syncReg makes the stored record r of a registration the one in memory.
func (b *Broker) syncReg(r storage.Record) {
	var rec regRecord
	if err := json.Unmarshal(r.Value, &rec); err != nil {
		b.log.Error("wsnotify: decoding registration", "id", r.Key, "err", err)
		return
	}
	reg, err := compileReg(rec, b.now())
	if err != nil {
		return
	}
	reg.rev = r.Rev
	b.mu.Lock()
	if cur := b.regs[r.Key]; cur != nil {
		cur.rec, cur.rev = rec, r.Rev
	} else {
		b.addRegLocked(reg)
	}
	b.mu.Unlock()
	b.kickDemand()
}

// forget drops kind/key from memory: another node deleted it. The store
// is not written: whoever deleted it cleaned up after it.
func (b *Broker) forget(kind, key string) {
	b.mu.Lock()
	switch kind {
	case kindSub:
		b.removeLocked(key)
	case kindPullPoint:
		b.removePPLocked(key)
	case kindReg:
		b.removeRegLocked(key)
	}
	b.mu.Unlock()
	b.kickDemand()
}
