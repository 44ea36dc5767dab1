package driver

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"

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

// Receiver runs a direct.Receiver on a socket joined to the group.
type Receiver struct {
	r   *runner
	eng *direct.Receiver
	cfg NetConfig
}

// NewReceiver checks both configurations and builds the engine, with its
// back-off randomness seeded from crypto/rand unless cfg.Rand is set; it
// opens nothing (Run does).
func NewReceiver(cfg direct.ReceiverConfig, nc NetConfig, h Handlers, log *slog.Logger) (*Receiver, error) {
	if cfg.Rand == nil {
		var seed [16]byte
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("seeding the back-off: %w", err)
		}
		cfg.Rand = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	err := errors.Join(fielderr.Under(fielderr.Path{}.Field("Engine"), cfg.Validate()), fielderr.Under(fielderr.Path{}.Field("Net"), nc.validate(false)))
	if err != nil {
		return nil, err
	}
	eng, err := direct.NewReceiver(cfg)
	if err != nil {
		return nil, err
	}
	rc := &Receiver{eng: eng, cfg: nc.withDefaults()}
	rc.r = newRunner(eng, nc, log)
	sender := unmap(rc.cfg.Sender)
	rc.r.accept = func(from netip.AddrPort, _ direct.Packet) bool { return from == sender }
	rc.r.handle = func(rd direct.Ready) {
		for _, dm := range rd.Demoted {
			if h.Demoted != nil {
				h.Demoted(dm)
			}
		}
		for _, g := range rd.Gaps {
			if h.Gap != nil {
				h.Gap(g)
			}
		}
		for _, d := range rd.Deliver {
			if h.Deliver != nil {
				h.Deliver(d)
			}
		}
	}
	return rc, nil
}

// Run opens the socket (joining the group in multicast mode) and runs the
// receiver until ctx ends.
func (rc *Receiver) Run(ctx context.Context) error {
	addr := rc.cfg.Listen
	if !addr.IsValid() {
		port := rc.cfg.Group.Port()
		if rc.cfg.Unicast {
			port = 0
		}
		addr = netip.AddrPortFrom(netip.IPv4Unspecified(), port)
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
func (rc *Receiver) Metrics() (direct.ReceiverMetrics, Counters) {
	rc.r.mu.Lock()
	defer rc.r.mu.Unlock()
	return rc.eng.Metrics(), rc.r.counters()
}
