package driver

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// Sender runs a direct.Sender on a socket.
type Sender struct {
	r   *runner
	eng *direct.Sender
	cfg NetConfig
}

// NewSender checks both configurations and builds the engine; it opens
// nothing (Run does).
func NewSender(cfg direct.SenderConfig, nc NetConfig, log *slog.Logger) (*Sender, error) {
	if nc.Unicast {
		cfg.Mode = direct.Unicast
	}
	err := errors.Join(fielderr.Under(fielderr.Path{}.Field("Engine"), cfg.Validate()), fielderr.Under(fielderr.Path{}.Field("Net"), nc.validate(true)))
	if err != nil {
		return nil, err
	}
	eng, err := direct.NewSender(cfg)
	if err != nil {
		return nil, err
	}
	s := &Sender{eng: eng, cfg: nc.withDefaults()}
	s.r = newRunner(eng, nc, log)
	if allow := s.cfg.Allow; allow != nil {
		s.r.accept = func(from netip.AddrPort, _ direct.Packet) bool { return allow(from.Addr()) }
		s.r.allowPeer = allow
	}
	return s, nil
}

// Run opens the control socket and runs the sender until ctx ends.
func (s *Sender) Run(ctx context.Context) error {
	c, err := listen(s.cfg, s.cfg.Listen, false)
	if err != nil {
		return err
	}
	return s.r.run(ctx, c)
}

// ErrNotRunning is Publish's answer before Run has opened the socket, and
// after it has returned.
var ErrNotRunning = errors.New("direct: the sender is not running")

// Publish sends a wsnt:Notify element (direct.ErrFull: the send queue is
// full, retry later). It is safe for concurrent use.
func (s *Sender) Publish(notify []byte) error {
	if s.r.c.Load() == nil {
		return ErrNotRunning
	}
	err := ErrNotRunning
	s.r.do(func() {
		if !s.r.stopped {
			err = s.eng.Publish(notify)
		}
	})
	s.r.poke()
	return err
}

// Addr waits until the socket is open and returns the control address.
func (s *Sender) Addr(ctx context.Context) (netip.AddrPort, error) { return s.r.addr(ctx) }

// Metrics returns the engine's counters and the driver's.
func (s *Sender) Metrics() (direct.SenderMetrics, Counters) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	return s.eng.Metrics(), s.r.counters()
}
