package driver

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/wsgw/wsgw/wsreliable"
)

// The shards this node holds (Options.Cluster; doc.go, "Several nodes").
// The owner goroutine compares the view (the live nodes, each shard's
// holder) with the rule, and moves shards: it takes a shard that belongs
// on this node once its holder gave it up or is dead, and gives up one
// that belongs on another live node. The engine's part is done on the
// loop goroutine, between two steps: Adopt after the claim, Release
// before the shard is given up, so that the loop steps no request of a
// shard the engine does not hold.

// balanceInterval is how often the owner looks at the view besides when
// it changes.
const balanceInterval = 500 * time.Millisecond

// releaseTimeout bounds giving the shards up when Run ends.
const releaseTimeout = 2 * time.Second

// shardSet is the set of shards whose state the engine holds.
type shardSet struct {
	mu   sync.Mutex // guards held
	held []bool
}

func (ss *shardSet) holds(s int) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return s >= 0 && s < len(ss.held) && ss.held[s]
}

func (ss *shardSet) set(s int, v bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.held[s] = v
}

func (ss *shardSet) list() []int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []int
	for s, h := range ss.held {
		if h {
			out = append(out, s)
		}
	}
	return out
}

// own moves shards (see above) until ctx ends, then gives up those held
// so that the other nodes take them at once.
func (d *Driver) own(ctx context.Context) {
	t := time.NewTicker(balanceInterval)
	defer t.Stop()
	for {
		v, changed := d.cl.View()
		d.balance(ctx, v)
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
			defer cancel()
			for _, s := range d.shards.list() {
				d.cl.CloseShard(s)
				if err := d.cl.Release(rctx, s); err != nil {
					d.log.Warn("giving up a shard at shutdown", "shard", s, "err", err)
				}
			}
			return
		case <-changed:
		case <-t.C:
		}
	}
}

// balance takes and gives up shards as v and the rule say. A node that
// does not see its own heartbeat (no quorum) moves nothing: the others
// take its shards once its heartbeat has expired, and it drops them when
// it sees so.
func (d *Driver) balance(ctx context.Context, v View) {
	me := d.cl.Node()
	alive := slices.Contains(v.Live, me)
	for s := range d.cl.Shards() {
		holder := ""
		if s < len(v.Holders) {
			holder = v.Holders[s]
		}
		held := d.shards.holds(s)
		want := alive && Rendezvous(v.Live, s) == me
		var err error
		switch {
		case held && holder != "" && holder != me:
			err = d.dropShard(ctx, s, false) // another node took it: this one was taken for dead
		case held && alive && !want:
			err = d.dropShard(ctx, s, true)
		case !held && want && (holder == "" || holder == me || !slices.Contains(v.Live, holder)):
			err = d.take(ctx, s, holder)
		}
		if err != nil && ctx.Err() == nil {
			d.log.Warn("moving a shard", "shard", s, "err", err)
		}
	}
}

// take claims shard s (held by prev, "" none) and adopts its records.
func (d *Driver) take(ctx context.Context, s int, prev string) error {
	ok, err := d.cl.Claim(ctx, s, prev)
	if err != nil || !ok {
		return err
	}
	recs, err := d.cl.ShardRecords(ctx, s)
	if err == nil {
		err = d.onLoop(ctx, func() error {
			if d.broken {
				return errUnavailable
			}
			if err := d.eng.Adopt(recs); err != nil {
				return err
			}
			d.shards.set(s, true)
			d.step(ctx, nil) // what the adopted state asks now (held messages released)
			return nil
		})
	}
	if err != nil {
		if rerr := d.cl.Release(context.WithoutCancel(ctx), s); rerr != nil {
			d.log.Warn("giving back a shard not adopted", "shard", s, "err", rerr)
		}
		return fmt.Errorf("adopting shard %d: %w", s, err)
	}
	d.cl.OpenShard(s)
	d.log.Info("took a shard", "shard", s, "from", prev, "records", len(recs))
	return nil
}

// dropShard stops leasing shard s, drops its state from the engine (a
// SubmitRM waiting on one of its tokens fails: the delivery goes back to
// the queue, for the new holder) and, with release, gives it up.
func (d *Driver) dropShard(ctx context.Context, s int, release bool) error {
	d.cl.CloseShard(s)
	err := d.onLoop(ctx, func() error {
		d.shards.set(s, false)
		rel := d.eng.Release(func(scope string) bool { return d.cl.ShardOf(scope) == s })
		for _, token := range rel.Tokens {
			d.ob.finish(token, fmt.Errorf("%w: its sequence moved to another node", ErrOutboundFailed))
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.log.Info("gave up a shard", "shard", s, "release", release)
	if release {
		return d.cl.Release(ctx, s)
	}
	return nil
}

// onLoop runs fn on the loop goroutine, between two steps, and returns
// its error; ErrNotRunning when the loop has stopped.
func (d *Driver) onLoop(ctx context.Context, fn func() error) error {
	res := make(chan error, 1)
	q := func() { res <- fn() }
	select {
	case d.queries <- q:
	case <-d.loopDone:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-res
}

// routeScope is the scope a request's events are about: the group of its
// first event that names one (the new sequence of a CreateSequence), ""
// for none (MakeConnection, an acknowledgement alone, a refusal).
func routeScope(evs []wsreliable.Event) string {
	for _, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.Message:
			return ev.Group
		case wsreliable.CreateSequence:
			return ev.NewID
		case wsreliable.AckRequest:
			return ev.Group
		case wsreliable.Close:
			return ev.Group
		case wsreliable.Terminate:
			return ev.Group
		case wsreliable.PollRequest:
			if len(ev.Refs) > 0 {
				return ev.Refs[0].Group
			}
		}
	}
	return ""
}
