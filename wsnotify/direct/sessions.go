package direct

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// Sessions is the receiving side of a channel: it follows every session
// heard on it (the broker's own sender and each registered publisher's
// agent send in sessions of their own, under the channel's key), one
// Receiver each. A session is followed from its first original data
// datagram or heartbeat; its sender's address is learnt from the
// datagrams only a sender sends (data, heartbeats, NCFs, demotions), and
// its NAKs and Joins go there. Senders named in the configuration are
// joined at once, before anything is heard of them (unicast fan-out
// needs the Join). Like Receiver it is deterministic and not safe for
// concurrent use.
type Sessions struct {
	cfg  SessionsConfig
	now  time.Time
	subs map[uint64]*session
	ids  []uint64 // the keys of subs, sorted: the order of Tick and Ready
	rd   Ready
	// Refused counts packets of sessions not followed: beyond
	// MaxSessions, or whose first packet does not position a receiver.
	refused int64
	forgot  int64
}

type session struct {
	r      *Receiver
	sender netip.AddrPort
	known  bool      // named in the configuration: never forgotten
	heard  time.Time // the last packet of the session
}

// Peer is a sender known in advance: its session and its control address
// (where NAKs and Joins go).
type Peer struct {
	Session uint64
	Control netip.AddrPort
}

// SessionsConfig configures Sessions.
type SessionsConfig struct {
	// Receiver configures the receiver of each session (its Session is
	// set per session; Key and Rand are required).
	Receiver ReceiverConfig
	// Senders are joined at start (their Control is where NAKs go until
	// the session's own datagrams say otherwise).
	Senders []Peer
	// MaxSessions bounds the sessions followed at once; default 16.
	MaxSessions int
	// IdleTimeout: a session heard of only on the network (not in
	// Senders) is forgotten after this long without a packet, once it
	// waits for nothing; default 5 minutes.
	IdleTimeout time.Duration
}

const maxSessions = 1024

func (c SessionsConfig) withDefaults() SessionsConfig {
	c.MaxSessions = or(c.MaxSessions, 16)
	c.IdleTimeout = or(c.IdleTimeout, 5*time.Minute)
	return c
}

// Validate reports every invalid field as *fielderr.Error values (paths
// such as "Receiver.Key", "Senders[1].Control").
func (c SessionsConfig) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	rc := c.Receiver
	rc.Session = 0
	l.Nest(root.Field("Receiver"), rc.Validate())
	for i, p := range c.Senders {
		if p.Session == 0 {
			l.Add(root.Field("Senders").Index(i).Field("Session"), "required (non-zero)")
		}
		if !p.Control.IsValid() || p.Control.Port() == 0 {
			l.Add(root.Field("Senders").Index(i).Field("Control"), "required: the sender's control address, host:port")
		}
	}
	if len(c.Senders) > max(c.MaxSessions, 16) {
		l.Add(root.Field("Senders"), "%d senders exceed MaxSessions %d", len(c.Senders), max(c.MaxSessions, 16))
	}
	checkLimits(func(path, f string, a ...any) { l.Add(root.Field(path), f, a...) }, []limit{
		{"MaxSessions", int64(c.MaxSessions), maxSessions, false},
		{"IdleTimeout", int64(c.IdleTimeout), int64(maxLifetime), true},
	})
	return l.Err()
}

// NewSessions returns a follower of the channel cfg describes.
func NewSessions(cfg SessionsConfig) (*Sessions, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ss := &Sessions{cfg: cfg, subs: map[uint64]*session{}}
	for _, p := range cfg.Senders {
		if _, dup := ss.subs[p.Session]; dup {
			continue
		}
		if _, err := ss.add(p.Session, p.Control, true); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

func (ss *Sessions) add(id uint64, sender netip.AddrPort, known bool) (*session, error) {
	rc := ss.cfg.Receiver
	rc.Session = id
	r, err := NewReceiver(rc)
	if err != nil {
		return nil, fmt.Errorf("following session %016x: %w", id, err)
	}
	s := &session{r: r, sender: sender, known: known, heard: ss.now}
	ss.subs[id] = s
	i, _ := slices.BinarySearch(ss.ids, id)
	ss.ids = slices.Insert(ss.ids, i, id)
	if !ss.now.IsZero() {
		r.Tick(ss.now)
	}
	return s, nil
}

// Step feeds one packet heard from from. A packet of a session not
// followed starts following it when it positions a receiver (an original
// data datagram or a heartbeat) and MaxSessions allow.
func (ss *Sessions) Step(from netip.AddrPort, p Packet) {
	id := p.header().Session
	s := ss.subs[id]
	if s == nil {
		if !positions(p) || len(ss.subs) >= ss.cfg.MaxSessions {
			ss.refused++
			return
		}
		var err error
		if s, err = ss.add(id, from, false); err != nil {
			ss.refused++ // cannot happen: the configuration was validated
			return
		}
	}
	switch p.Kind() {
	case KindData, KindHeartbeat, KindNCF, KindDemote: // only the session's sender sends these
		s.sender = from
		s.heard = ss.now
	}
	s.r.Step(from, p)
	ss.collect(s)
}

// positions reports whether p can start a receiver following a session.
func positions(p Packet) bool {
	switch p := p.(type) {
	case *Data:
		return !p.Repair
	case *Heartbeat:
		return !p.Final
	}
	return false
}

// Tick advances every session's clock and forgets the sessions heard of
// on the network that have been silent for IdleTimeout and wait for
// nothing.
func (ss *Sessions) Tick(now time.Time) {
	if now.After(ss.now) {
		ss.now = now
	}
	ids := ss.ids[:0:0]
	for _, id := range ss.ids {
		s := ss.subs[id]
		s.r.Tick(ss.now)
		ss.collect(s)
		if !s.known && ss.now.Sub(s.heard) >= ss.cfg.IdleTimeout && s.r.Idle() {
			delete(ss.subs, id)
			ss.forgot++
			continue
		}
		ids = append(ids, id)
	}
	ss.ids = ids
}

// collect moves what s's receiver asks for into the Ready: its NAKs and
// Joins addressed to the session's sender.
func (ss *Sessions) collect(s *session) {
	if !s.r.HasReady() {
		return
	}
	rd := s.r.Ready()
	s.r.Advance()
	for _, d := range rd.Send {
		if d.To.Kind == ToSender {
			if !s.sender.IsValid() {
				continue
			}
			d.To = Dest{Kind: ToPeer, Addr: s.sender}
		}
		ss.rd.Send = append(ss.rd.Send, d)
	}
	ss.rd.Deliver = append(ss.rd.Deliver, rd.Deliver...)
	ss.rd.Gaps = append(ss.rd.Gaps, rd.Gaps...)
	ss.rd.Demoted = append(ss.rd.Demoted, rd.Demoted...)
}

// Next is when Tick next has something to do (zero: nothing scheduled).
func (ss *Sessions) Next() time.Time {
	var next time.Time
	for _, id := range ss.ids {
		s := ss.subs[id]
		t := s.r.Next()
		if !s.known {
			if idle := s.heard.Add(ss.cfg.IdleTimeout); t.IsZero() || idle.Before(t) {
				t = idle
			}
		}
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// HasReady reports whether Ready has anything to do.
func (ss *Sessions) HasReady() bool { return !ss.rd.Empty() }

// Ready returns what the driver must do, for every session: datagrams to
// send (addressed to each session's sender), deliveries, gaps and
// demotions, each tagged with its session. Until Advance it returns the
// same work again, plus anything new.
func (ss *Sessions) Ready() Ready { return ss.rd }

// Advance tells the engine the last Ready has been carried out.
func (ss *Sessions) Advance() { ss.rd = Ready{} }

// SessionsMetrics are the counters of every session followed, and the
// channel's own.
type SessionsMetrics struct {
	// Total sums the counters of the sessions followed now (Loss is the
	// highest of theirs, DemotedUntil the latest).
	Total ReceiverMetrics
	// Sessions holds each session's counters, by session number in
	// hexadecimal.
	Sessions map[string]ReceiverMetrics
	Refused  int64 // packets of sessions not followed
	Forgot   int64 // sessions forgotten after IdleTimeout
}

// Metrics returns a copy of the counters.
func (ss *Sessions) Metrics() SessionsMetrics {
	m := SessionsMetrics{Sessions: make(map[string]ReceiverMetrics, len(ss.subs)), Refused: ss.refused, Forgot: ss.forgot}
	for _, id := range ss.ids {
		rm := ss.subs[id].r.Metrics()
		m.Sessions[fmt.Sprintf("%016x", id)] = rm
		m.Total.add(rm)
	}
	return m
}

// add sums o into m (Loss: the highest; DemotedUntil: the latest).
func (m *ReceiverMetrics) add(o ReceiverMetrics) {
	m.DataPackets += o.DataPackets
	m.RepairPackets += o.RepairPackets
	m.Duplicates += o.Duplicates
	m.Delivered += o.Delivered
	m.DeliveredSeqs += o.DeliveredSeqs
	m.Missed += o.Missed
	m.Recovered += o.Recovered
	m.NAKsSent += o.NAKsSent
	m.NAKedSeqs += o.NAKedSeqs
	m.Suppressed += o.Suppressed
	m.Gaps += o.Gaps
	m.GapSeqs += o.GapSeqs
	m.Demotions += o.Demotions
	m.Foreign += o.Foreign
	m.Loss = max(m.Loss, o.Loss)
	if o.DemotedUntil.After(m.DemotedUntil) {
		m.DemotedUntil = o.DemotedUntil
	}
}
