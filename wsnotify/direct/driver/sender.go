package driver

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

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
	if s.r, err = newRunner(eng, cfg.Key, nc, log); err != nil {
		return nil, err
	}
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

// Publish sends a wsnt:Notify element and returns its position in the
// session (direct.ErrFull: the send queue is full, retry later;
// direct.ErrClosed: Shutdown has closed the session). It is safe for
// concurrent use.
func (s *Sender) Publish(notify []byte) (direct.Position, error) {
	if s.r.c.Load() == nil {
		return direct.Position{}, ErrNotRunning
	}
	var pos direct.Position
	err := ErrNotRunning
	s.r.do(func() {
		if !s.r.stopped {
			pos, err = s.eng.Publish(notify)
			s.r.soonerPoke()
		}
	})
	return pos, err
}

// drainPoll is how often Shutdown looks at the engine while it waits.
const drainPoll = 5 * time.Millisecond

// Shutdown ends the session in order: it waits, until ctx ends, for what
// was published to be sent and for the repairs receivers ask for to be
// made (the engine idle for linger: late NAKs still come), then closes
// the session, whose final heartbeats are written before it returns:
// receivers then report anything they lack, notifications published and
// not sent included, as a gap at once. Publish answers direct.ErrClosed
// from then on. It returns ctx's error when ctx ended the wait (the rest
// was abandoned), nil otherwise. Run keeps running until its own context
// ends.
func (s *Sender) Shutdown(ctx context.Context, linger time.Duration) error {
	var err error
	if s.r.c.Load() != nil {
		t := time.NewTicker(drainPoll)
		defer t.Stop()
		var idleSince time.Time
	wait:
		for {
			s.r.mu.Lock()
			idle, stopped := s.eng.Idle(), s.r.stopped
			s.r.mu.Unlock()
			now := s.cfg.Now()
			switch {
			case stopped:
				break wait
			case !idle:
				idleSince = time.Time{}
			case idleSince.IsZero():
				idleSince = now
			case now.Sub(idleSince) >= linger:
				break wait
			}
			select {
			case <-ctx.Done():
				err = ctx.Err()
				break wait
			case <-t.C:
			}
		}
	}
	s.r.do(func() { s.eng.Close() })
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
