package driver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/wsgw/wsgw/wsnotify/direct"
)

// engine is what a driver needs of direct.Sender and direct.Receiver.
type engine interface {
	Tick(time.Time)
	Step(netip.AddrPort, direct.Packet)
	Next() time.Time
	HasReady() bool
	Ready() direct.Ready
	Advance()
}

// runner is the loop shared by both sides: it ticks the engine at its
// Next, steps the datagrams the reader hands it, and carries out Ready.
type runner struct {
	mu      sync.Mutex // guards eng (the engine is not safe for concurrent use) and stopped
	eng     engine
	stopped bool // run has returned: nothing more is sent
	cfg     NetConfig
	log     *slog.Logger
	// wmu is held while a Ready is carried out: taken before mu is
	// released, it keeps the datagrams on the wire (and the deliveries) in
	// the order the engine made them when several goroutines publish.
	wmu sync.Mutex

	c     atomic.Pointer[conn]
	bound chan struct{} // closed once the socket is open
	wake  chan struct{}
	// codec checks the tag of each datagram read and decodes it (the
	// engine has its own for what it writes: a Codec is not safe for
	// concurrent use).
	codec *direct.Codec
	// accept filters datagrams before the engine sees them.
	accept func(from netip.AddrPort, p direct.Packet) bool
	// allowPeer, when set, must accept every unicast destination (ToPeer)
	// before anything is written to it: the egress allow-list.
	allowPeer func(netip.Addr) bool
	// handle gets each Ready's deliveries, gaps and demotions, in order,
	// outside the lock.
	handle func(direct.Ready)

	readWaits, badPackets, badTags, writeErrs, egressRefused atomic.Int64
	writeCalls, readCalls                                    atomic.Int64 // system calls that wrote and read datagrams
	stepRounds                                               atomic.Int64 // engine rounds that stepped datagrams
}

func newRunner(eng engine, key []byte, cfg NetConfig, log *slog.Logger) (*runner, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	codec, err := direct.NewCodec(key)
	if err != nil {
		return nil, err
	}
	return &runner{eng: eng, codec: codec, cfg: cfg.withDefaults(), log: log, bound: make(chan struct{}), wake: make(chan struct{}, 1)}, nil
}

// run owns the socket c until ctx ends.
func (r *runner) run(ctx context.Context, c *conn) error {
	r.c.Store(c)
	close(r.bound)
	in := make(chan packet, 1024)
	go c.readLoop(in, &r.readWaits, &r.readCalls)
	defer func() {
		r.mu.Lock()
		r.stopped = true
		r.mu.Unlock()
		c.pc.Close()
		for range in { //nolint:revive // drain until the reader has stopped
		}
	}()
	return r.loop(ctx, in)
}

// stepBatch bounds the datagrams one engine round takes (choice: 64,
// eight reads of readBatch; a round holds the engine's lock, which
// Publish waits for).
const stepBatch = 64

// loop ticks the engine at its Next and steps the datagrams of in: those
// queued when it wakes, up to stepBatch, in one round (one lock, one
// tick, one Ready carried out), in the order read. Before, each datagram
// was a round of its own: a burst of 64 datagrams cost 64 ticks, 64
// Readys and as many write calls.
func (r *runner) loop(ctx context.Context, in <-chan packet) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	r.do(func() {})
	steps := make([]step, 0, stepBatch)
	for {
		r.mu.Lock()
		next := r.eng.Next()
		r.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(0, next.Sub(r.cfg.Now()))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case p, ok := <-in:
			if !ok {
				return errors.New("direct: the socket's reader stopped")
			}
			if steps = r.gather(steps[:0], p, in); len(steps) == 0 {
				continue
			}
			r.stepRounds.Add(1)
			r.do(func() {
				for _, s := range steps {
					r.eng.Step(s.from, s.pkt)
				}
			})
		case <-timer.C:
			r.do(func() {})
		case <-r.wake:
		}
	}
}

// step is a datagram for the engine.
type step struct {
	from netip.AddrPort
	pkt  direct.Packet
}

// gather appends p and the datagrams queued behind it in in, up to
// stepBatch read, to steps: those decode accepts.
func (r *runner) gather(steps []step, p packet, in <-chan packet) []step {
	for read := 1; ; read++ {
		if from, pkt, ok := r.decode(p); ok {
			steps = append(steps, step{from, pkt})
		}
		if read == stepBatch {
			return steps
		}
		select {
		case q, ok := <-in:
			if !ok {
				return steps
			}
			p = q
		default:
			return steps
		}
	}
}

// decode authenticates and decodes p, and applies the driver's filter;
// what it refuses it counts.
func (r *runner) decode(p packet) (netip.AddrPort, direct.Packet, bool) {
	pkt, err := r.codec.Decode(p.b)
	if errors.Is(err, direct.ErrUnauthenticated) {
		r.badTags.Add(1)
		r.log.Debug("direct: a datagram whose tag does not verify", "from", p.from)
		return netip.AddrPort{}, nil, false
	}
	if err != nil {
		r.badPackets.Add(1)
		r.log.Debug("direct: undecodable datagram", "from", p.from, "err", err)
		return netip.AddrPort{}, nil, false
	}
	from := unmap(p.from)
	if r.accept != nil && !r.accept(from, pkt) {
		r.badPackets.Add(1)
		return netip.AddrPort{}, nil, false
	}
	return from, pkt, true
}

// do ticks the engine, runs f on it and carries out what it asks, after
// what earlier calls asked (wmu).
func (r *runner) do(f func()) {
	r.mu.Lock()
	r.eng.Tick(r.cfg.Now())
	f()
	var rds []direct.Ready
	for r.eng.HasReady() {
		rds = append(rds, r.eng.Ready())
		r.eng.Advance()
	}
	r.wmu.Lock()
	r.mu.Unlock()
	defer r.wmu.Unlock()
	c := r.c.Load()
	for _, rd := range rds {
		if c != nil {
			r.write(c, rd.Send)
		}
		if r.handle != nil && len(rd.Deliver)+len(rd.Gaps)+len(rd.Demoted) > 0 {
			r.handle(rd)
		}
	}
}

// writeBatch bounds the datagrams of one system call (choice; Linux's
// sendmmsg takes at most UIO_MAXIOV, 1024).
const writeBatch = 256

// write writes ds to their destinations, as few system calls as it can
// (sendmmsg on Linux: a unicast fan-out copies each datagram to every
// receiver, one call for them all instead of one each).
func (r *runner) write(c *conn, ds []direct.Datagram) {
	ms := make([]ipv4.Message, 0, min(len(ds), writeBatch))
	kinds := make([]direct.Kind, 0, cap(ms))
	flush := func() {
		for sent := 0; sent < len(ms); {
			r.writeCalls.Add(1)
			n, err := c.p.WriteBatch(ms[sent:], 0)
			sent += n
			if sent < len(ms) && (err != nil || n == 0) { // the datagram at sent failed: skip it
				r.writeErrs.Add(1)
				r.log.Debug("direct: writing a datagram", "to", ms[sent].Addr, "kind", kinds[sent], "err", err)
				sent++
			}
		}
		ms, kinds = ms[:0], kinds[:0]
	}
	for _, d := range ds {
		to := d.To.Addr
		if d.To.Kind == direct.ToGroup {
			to = r.cfg.Group
		}
		if d.To.Kind == direct.ToPeer && r.allowPeer != nil && !r.allowPeer(to.Addr()) {
			r.egressRefused.Add(1)
			continue
		}
		ms = append(ms, ipv4.Message{Buffers: [][]byte{d.Bytes}, Addr: net.UDPAddrFromAddrPort(to)})
		kinds = append(kinds, d.Kind)
		if len(ms) == writeBatch {
			flush()
		}
	}
	flush()
}

func (r *runner) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Addr waits until the socket is open and returns its local address.
func (r *runner) addr(ctx context.Context) (netip.AddrPort, error) {
	select {
	case <-r.bound:
		return r.c.Load().pc.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort(), nil
	case <-ctx.Done():
		return netip.AddrPort{}, ctx.Err()
	}
}

// Counters of the driver itself.
type Counters struct {
	// ReadWaits counts the datagrams the reader held until the engine loop
	// took them (it was behind; the socket's buffer held what came
	// meanwhile).
	ReadWaits   int64 `json:"read_waits"`
	BadTags     int64 `json:"bad_tags"`     // datagrams whose tag does not verify under the channel's key
	BadPackets  int64 `json:"bad_packets"`  // authentic but undecodable, or from an address not accepted
	WriteErrors int64 `json:"write_errors"` // datagrams the socket refused
	// EgressRefused counts datagrams not written: the egress allow-list
	// refuses their destination.
	EgressRefused int64 `json:"egress_refused"`
}

func (r *runner) counters() Counters {
	return Counters{ReadWaits: r.readWaits.Load(), BadTags: r.badTags.Load(), BadPackets: r.badPackets.Load(), WriteErrors: r.writeErrs.Load(),
		EgressRefused: r.egressRefused.Load()}
}
