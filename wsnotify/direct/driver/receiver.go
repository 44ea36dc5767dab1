package driver

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// Handlers receive what a Receiver delivers, on its loop goroutine, in
// order. They must not block for long: the loop also answers the network.
type Handlers struct {
	Deliver func(direct.Delivery)
	Gap     func(direct.Gap)
	Demoted func(direct.Demotion)
}

// Receiver runs the receiving side of a channel (direct.Sessions: every
// session heard under the channel's key) on a socket joined to the group.
type Receiver struct {
	r   *runner
	eng *direct.Sessions
	cfg NetConfig
}

// NewReceiver checks both configurations and builds the engine, with its
// back-off randomness seeded from crypto/rand unless cfg.Receiver.Rand is
// set; it opens nothing (Run does). Datagrams are taken from any address
// when their tag verifies (choice: the key, not the source address,
// tells the channel's senders; a sender's address is learnt from its
// datagrams).
func NewReceiver(cfg direct.SessionsConfig, nc NetConfig, h Handlers, log *slog.Logger) (*Receiver, error) {
	if cfg.Receiver.Rand == nil {
		var seed [16]byte
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("seeding the back-off: %w", err)
		}
		cfg.Receiver.Rand = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	err := errors.Join(fielderr.Under(fielderr.Path{}.Field("Engine"), cfg.Validate()), fielderr.Under(fielderr.Path{}.Field("Net"), nc.validate(false)))
	if err != nil {
		return nil, err
	}
	eng, err := direct.NewSessions(cfg)
	if err != nil {
		return nil, err
	}
	rc := &Receiver{eng: eng, cfg: nc.withDefaults()}
	if rc.r, err = newRunner(eng, cfg.Receiver.Key, nc, log); err != nil {
		return nil, err
	}
	rc.r.handle = func(rd direct.Ready) { dispatch(rd, h) }
	return rc, nil
}

// dispatch hands a Ready's demotions, then its deliveries and gaps in the
// order of their sequence numbers within each session and epoch (the
// engine reports them in two lists): a consumer sees a gap where the loss
// was, which its recovery relies on.
func dispatch(rd direct.Ready, h Handlers) {
	for _, dm := range rd.Demoted {
		if h.Demoted != nil {
			h.Demoted(dm)
		}
	}
	type event struct {
		session uint64
		epoch   uint32
		seq     uint64
		d       *direct.Delivery
		g       *direct.Gap
	}
	evs := make([]event, 0, len(rd.Deliver)+len(rd.Gaps))
	for i := range rd.Deliver {
		d := &rd.Deliver[i]
		evs = append(evs, event{d.Session, d.Epoch, d.Seq, d, nil})
	}
	for i := range rd.Gaps {
		g := &rd.Gaps[i]
		evs = append(evs, event{g.Session, g.Epoch, g.From, nil, g})
	}
	slices.SortStableFunc(evs, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.session, b.session), cmp.Compare(a.epoch, b.epoch), cmp.Compare(a.seq, b.seq))
	})
	for _, e := range evs {
		switch {
		case e.d != nil && h.Deliver != nil:
			h.Deliver(*e.d)
		case e.g != nil && h.Gap != nil:
			h.Gap(*e.g)
		}
	}
}

// Run opens the socket (joining the group in multicast mode) and runs the
// receiver until ctx ends.
func (rc *Receiver) Run(ctx context.Context) error {
	addr := rc.cfg.Listen
	switch {
	case addr.IsValid():
	case rc.cfg.Unicast:
		addr = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	default:
		addr = rc.cfg.Group
	}
	c, err := listen(rc.cfg, addr, !rc.cfg.Unicast)
	if err != nil {
		return err
	}
	return rc.r.run(ctx, c)
}

// Addr waits until the socket is open and returns its local address.
func (rc *Receiver) Addr(ctx context.Context) (netip.AddrPort, error) { return rc.r.addr(ctx) }

// Metrics returns the engine's counters and the driver's.
func (rc *Receiver) Metrics() (direct.SessionsMetrics, Counters) {
	rc.r.mu.Lock()
	defer rc.r.mu.Unlock()
	return rc.eng.Metrics(), rc.r.counters()
}
