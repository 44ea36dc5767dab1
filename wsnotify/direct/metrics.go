package direct

import "time"

// SenderMetrics are a sender's counters since it started. Bytes are bytes
// on the wire (UDP payload; every copy of a unicast fan-out counted).
type SenderMetrics struct {
	Published      int64 // notifications accepted by Publish
	QueueFull      int64 // Publish answered ErrFull
	Abandoned      int64 // datagrams published and never sent: Close came first
	DataPackets    int64
	DataBytes      int64
	RepairPackets  int64
	RepairBytes    int64
	ControlPackets int64 // heartbeats, NCFs, demotions
	ControlBytes   int64
	NCFsSent       int64
	NCFsDropped    int64 // NCFs beyond the queue bound (their askers NAK again)
	ControlDropped int64 // demotions beyond the control queue's bound (told again at the next NAK)

	NAKsReceived    int64
	NAKsIgnored     int64 // from demoted or untracked receivers
	NAKsBelowWindow int64 // ranges asking for sequences that left the window (answered with a heartbeat)
	NAKedSeqs       int64 // sequence numbers asked for, over all NAKs
	NAKsAggregated  int64 // sequence requests folded into a repair already coming
	NAKsLingered    int64 // sequence requests inside a repair's linger
	RepairRequests  int64 // repairs started
	RepairsDropped  int64 // repairs dropped: the queue bound, or out of the window
	Demotions       int64
	PeersRefused    int64 // packets from receivers beyond MaxReceivers
	Foreign         int64 // packets of another session or epoch, or of an unexpected kind

	// Receivers holds each tracked receiver's state, by address.
	Receivers map[string]PeerStats
}

// PeerStats is what the sender knows of one receiver.
type PeerStats struct {
	Joined  bool
	NAKs    int64
	Loss    float64 // NAKed sequences per sequence sent, over the last full interval
	Demoted bool
	// Demotions counts the times it was demoted.
	Demotions int
}

// Metrics returns a copy of the counters.
func (s *Sender) Metrics() SenderMetrics {
	m := s.m
	m.Receivers = make(map[string]PeerStats, len(s.peers))
	for a, p := range s.peers {
		m.Receivers[a.String()] = PeerStats{Joined: p.joined, NAKs: p.naks, Loss: p.loss,
			Demoted: s.now.Before(p.demotedUntil), Demotions: p.demotions}
	}
	return m
}

// ReceiverMetrics are a receiver's counters since it started.
type ReceiverMetrics struct {
	DataPackets   int64 // data datagrams of the session, originals and repairs
	RepairPackets int64 // repairs among them
	Duplicates    int64
	Delivered     int64 // notifications
	DeliveredSeqs int64 // datagrams of delivered notifications
	Missed        int64 // sequence numbers found missing (before any repair)
	Recovered     int64 // of those, repaired
	NAKsSent      int64 // NAK datagrams
	NAKedSeqs     int64 // sequence numbers asked for
	Suppressed    int64 // sequence numbers not asked for: an NCF or another's NAK was heard first
	Gaps          int64 // gap events
	GapSeqs       int64 // sequence numbers given up
	Demotions     int64
	Foreign       int64 // packets of another session, or stale epochs
	// Loss is Missed per sequence number seen.
	Loss float64
	// DemotedUntil is set while the sender ignores this receiver's NAKs.
	DemotedUntil time.Time
}
