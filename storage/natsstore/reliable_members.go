package natsstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsgw/wsgw/wsreliable/driver"
)

// The nodes of a reliable service (driver.Membership) and the holders of
// its shards: each node writes its heartbeat, key {node} of bucket P_hb,
// every Heartbeat with a per-message TTL of NodeTTL (the server deletes
// it, and tells the watchers, when the node stops writing); shard s's
// holder is key "o.{s}" of the records bucket, its value the node's name
// ("" for none), changed only by a write conditioned on its revision
// (Claim, Release). Run follows both buckets with watches.

// members is what Run sees.
type members struct {
	node string

	mu        sync.Mutex // guards the fields below
	live      map[string]bool
	holders   []string
	revs      []uint64      // the revision of each holder key seen
	lastBeat  time.Time     // this node's last heartbeat written
	changed   chan struct{} // closed at the next change
	following bool          // both watches have loaded
}

func newMembers(node string, shards int) *members {
	return &members{node: node, live: map[string]bool{}, holders: make([]string, shards), revs: make([]uint64, shards),
		changed: make(chan struct{})}
}

// markChanged wakes View's callers; m.mu held.
func (m *members) markChangedLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *members) holds(s int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return s >= 0 && s < len(m.holders) && m.holders[s] == m.node
}

func (m *members) held() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []int
	for s, h := range m.holders {
		if h == m.node {
			out = append(out, s)
		}
	}
	return out
}

// setHolder records shard s's holder as of revision rev, unless a later
// one is known (a watch reports a write after Claim has).
func (m *members) setHolder(s int, node string, rev uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if rev < m.revs[s] {
		return
	}
	m.revs[s] = rev
	if m.holders[s] != node {
		m.holders[s] = node
		m.markChangedLocked()
	}
}

// View implements driver.Membership. Before Run has loaded the heartbeats
// and holders, the view is empty.
func (r *Reliable) View() (driver.View, <-chan struct{}) {
	m := r.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.following {
		return driver.View{Holders: make([]string, len(m.holders))}, m.changed
	}
	live := make([]string, 0, len(m.live))
	for n := range m.live {
		live = append(live, n)
	}
	slices.Sort(live)
	return driver.View{Live: live, Holders: slices.Clone(m.holders)}, m.changed
}

// Available implements driver.Membership: nil while this node's
// heartbeats are written (a write needs a quorum of the bucket's
// replicas).
func (r *Reliable) Available() error {
	r.m.mu.Lock()
	last := r.m.lastBeat
	r.m.mu.Unlock()
	if last.IsZero() {
		return errors.New("no heartbeat written yet")
	}
	if since := time.Since(last); since > r.o.NodeTTL {
		return fmt.Errorf("no heartbeat written for %v (no quorum?)", since.Round(time.Millisecond))
	}
	return nil
}

// Run implements driver.Membership: it writes heartbeats and follows the
// heartbeats and holders until ctx ends, then deletes its heartbeat.
func (r *Reliable) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	beats, holders := make(chan struct{}), make(chan struct{})
	wg.Go(func() { r.follow(ctx, r.beats, ">", beats, r.onBeat) })
	wg.Go(func() { r.follow(ctx, r.records, "o.*", holders, r.onHolder) })
	wg.Go(func() {
		for _, c := range []chan struct{}{beats, holders} {
			select {
			case <-c:
			case <-ctx.Done():
				return
			}
		}
		r.m.mu.Lock()
		r.m.following = true
		r.m.markChangedLocked()
		r.m.mu.Unlock()
	})
	t := time.NewTicker(r.o.Heartbeat)
	defer t.Stop()
	for {
		r.beat(ctx)
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			r.beats.Purge(dctx, r.o.Node) //nolint:errcheck // else it expires after NodeTTL
			cancel()
			wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

// beat writes this node's heartbeat.
func (r *Reliable) beat(ctx context.Context) {
	bctx, cancel := context.WithTimeout(ctx, r.o.Heartbeat)
	defer cancel()
	_, err := r.js.Publish(bctx, "$KV."+r.beats.Bucket()+"."+r.o.Node, []byte(r.o.Node), jetstream.WithMsgTTL(heartbeatTTL(r.o.NodeTTL)))
	if err != nil {
		if ctx.Err() == nil {
			r.log("writing the heartbeat", "err", err)
		}
		return
	}
	r.m.mu.Lock()
	r.m.lastBeat = time.Now()
	r.m.mu.Unlock()
}

// heartbeatTTL is the per-message TTL of a heartbeat: NodeTTL rounded up
// to whole seconds. JetStream counts a TTL in whole seconds, at least one:
// it refuses a shorter one (the node would never be available) and cuts a
// fraction off (1.5s would live 1s, closer to the heartbeat than asked).
func heartbeatTTL(nodeTTL time.Duration) time.Duration {
	return max(time.Second, (nodeTTL + time.Second - 1).Truncate(time.Second))
}

// follow watches keys of kv and hands every entry to fn (nil for a key
// deleted: fn gets its key and nil), closing loaded once the initial
// values are in, until ctx ends; a watch that ends is started again.
func (r *Reliable) follow(ctx context.Context, kv jetstream.KeyValue, keys string, loaded chan struct{}, fn func(key string, value []byte, rev uint64)) {
	once := sync.OnceFunc(func() { close(loaded) })
	for ctx.Err() == nil {
		w, err := kv.Watch(ctx, keys)
		if err != nil {
			r.log("watching", "bucket", kv.Bucket(), "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		for e := range w.Updates() {
			switch {
			case e == nil:
				once()
			case e.Operation() == jetstream.KeyValuePut:
				fn(e.Key(), e.Value(), e.Revision())
			default:
				fn(e.Key(), nil, e.Revision())
			}
		}
		w.Stop() //nolint:errcheck // ended
	}
}

func (r *Reliable) onBeat(node string, value []byte, _ uint64) {
	m := r.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if alive := value != nil; m.live[node] != alive {
		if alive {
			m.live[node] = true
		} else {
			delete(m.live, node)
		}
		m.markChangedLocked()
	}
}

func (r *Reliable) onHolder(key string, value []byte, rev uint64) {
	s, err := strconv.Atoi(strings.TrimPrefix(key, "o."))
	if err != nil || s < 0 || s >= r.o.Shards {
		return
	}
	r.m.setHolder(s, string(value), rev)
}

func holderKey(s int) string { return "o." + strconv.Itoa(s) }

// Claim implements driver.Shards: a write of the holder key conditioned
// on the revision at which it named prev.
func (r *Reliable) Claim(ctx context.Context, s int, prev string) (bool, error) {
	rev, err := r.setHolderKey(ctx, s, prev, r.o.Node)
	if rev != 0 {
		r.m.setHolder(s, r.o.Node, rev)
	}
	return rev != 0, err
}

// Release implements driver.Shards: the holder key becomes "" if this
// node still holds it; this node's revisions of the shard are forgotten.
func (r *Reliable) Release(ctx context.Context, s int) error {
	rev, err := r.setHolderKey(ctx, s, r.o.Node, "")
	if rev != 0 {
		r.m.setHolder(s, "", rev)
	}
	r.revs.reset(s, nil)
	return err
}

// setHolderKey writes node as shard s's holder if it is from, and returns
// the write's revision; 0 when it is not (or another node wrote first).
func (r *Reliable) setHolderKey(ctx context.Context, s int, from, node string) (uint64, error) {
	ctx, cancel := r.call(ctx)
	defer cancel()
	rev := uint64(0)
	e, err := r.records.Get(ctx, holderKey(s))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		if from != "" {
			return 0, nil
		}
	case err != nil:
		return 0, fmt.Errorf("natsstore: reading shard %d's holder: %w", s, err)
	case string(e.Value()) != from:
		return 0, nil
	default:
		rev = e.Revision()
	}
	ack, err := r.js.Publish(ctx, "$KV."+r.records.Bucket()+"."+holderKey(s), []byte(node),
		jetstream.WithExpectLastSequencePerSubject(rev))
	if isWrongLastSequence(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("natsstore: writing shard %d's holder: %w", s, err)
	}
	return ack.Sequence, nil
}
