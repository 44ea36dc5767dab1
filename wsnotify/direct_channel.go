package wsnotify

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// The broker's direct channels: one per concrete topic that a direct
// subscription or a direct registration names, in a slot of
// Config.Direct (its group and port). A channel's record is in the Store
// (its key, the broker's session, the epoch of the broker's last sender),
// so that what subscribers' and publishers' agents were told holds across
// a restart. A channel no live subscription or registration refers to is
// deleted by the expiry sweep (its slot is free again; a later one gets a
// new key).

type channelRecord struct {
	Topic   string    `json:"topic"` // topic.Path.String
	Slot    int       `json:"slot"`
	Session uint64    `json:"session"` // the broker's own session on the channel
	Key     []byte    `json:"key"`
	Epoch   uint32    `json:"epoch"` // of the broker's sender's last start (grows at each start)
	Created time.Time `json:"created"`
	// Caller is who created it (MaxChannelsPerCaller).
	Caller caller.ID `json:"caller,omitempty"`
}

// channel is a live channel. rec, rev, sender and pending are guarded by
// Broker.mu; rec and rev are written only at creation and by the sender
// hub (the epoch); sender is set by the hub while the broker's sender
// runs; log has its own lock.
type channel struct {
	rec    channelRecord
	rev    uint64
	sender *driver.Sender
	log    *recoveryLog
	// pending counts the Subscribes and RegisterPublishers granted the
	// channel and not stored yet: the sweep keeps it for them.
	pending int
}

// directGrant is what a direct subscription was granted: the channel of
// its topic.
type directGrant struct {
	Topic string `json:"topic"`
}

// regDirect is what a registration that asked for the direct path holds:
// per topic granted, its session and its sender's control address.
type regDirect struct {
	Grants []regGrant `json:"grants,omitempty"`
}

type regGrant struct {
	Topic   string `json:"topic"`
	Session uint64 `json:"session"`
	Control string `json:"control"` // where the agent's sender of this channel binds
}

// randomUint64 returns a random non-zero 64-bit number (sessions).
func randomUint64() uint64 {
	for {
		var b [8]byte
		rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
		if v := binary.BigEndian.Uint64(b[:]); v != 0 {
			return v
		}
	}
}

// noChannel says why no new channel could be made: every slot is taken,
// or the caller created its maximum of channels. Either way the request
// falls back to HTTP, or is refused when it requires the direct path.
type noChannel string

func (e noChannel) Error() string { return string(e) }

var errNoSlot = noChannel("every channel slot is taken (broker.direct.max_channels)")

// channelFor returns the channel of topic key t, creating it for who (in a
// free slot, with a new key and session, stored before it is returned)
// when there is none. The channel is held for the caller (the sweep keeps
// it) until it calls releaseChannel. Joining an existing channel is not
// bounded per caller: only the channels a caller creates count
// (MaxChannelsPerCaller), as they hold the slots (choice).
func (b *Broker) channelFor(ctx context.Context, t string, who caller.ID, now time.Time) (*channel, error) {
	b.mu.Lock()
	if ch := b.channels[t]; ch != nil {
		ch.pending++
		b.mu.Unlock()
		return ch, nil
	}
	if max := b.cfg.Direct.MaxChannelsPerCaller; b.callers.channels.Full(who, max) {
		b.mu.Unlock()
		return nil, noChannel(fmt.Sprintf("the caller created its maximum of %d channels (broker.direct.max_channels_per_caller)", max))
	}
	slot := b.freeSlotLocked()
	if slot < 0 {
		b.mu.Unlock()
		return nil, errNoSlot
	}
	key := make([]byte, direct.KeySize)
	rand.Read(key) //nolint:errcheck // never fails
	ch := &channel{rec: channelRecord{Topic: t, Slot: slot, Session: randomUint64(), Key: key, Created: now, Caller: who}, log: b.newRecoveryLog(), pending: 1}
	b.channels[t] = ch // holds the slot while the record is stored
	b.callers.channels.Add(who, 1)
	b.mu.Unlock()
	rev, err := createJSON(ctx, b.st, kindChannel, t, ch.rec)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		delete(b.channels, t)
		b.callers.channels.Add(who, -1)
		return nil, fmt.Errorf("storing the channel of %s: %w", t, err)
	}
	ch.rev = rev
	b.kickDirect()
	return ch, nil
}

// releaseChannel ends the hold channelFor took.
func (b *Broker) releaseChannel(ch *channel) {
	b.mu.Lock()
	ch.pending--
	b.mu.Unlock()
}

// freeSlotLocked returns the lowest slot no channel holds, or -1. b.mu
// must be held.
func (b *Broker) freeSlotLocked() int {
	used := make([]bool, b.cfg.Direct.MaxChannels)
	for _, ch := range b.channels {
		if ch.rec.Slot < len(used) {
			used[ch.rec.Slot] = true
		}
	}
	return slices.Index(used, false)
}

// channelXML is the channel of t as granted: to a subscriber (the senders
// it follows) or to a registered publisher (the session it sends in).
// b.mu must be held for reading.
func (b *Broker) channelXMLLocked(ch *channel, publisher *regGrant) []byte {
	d := b.cfg.Direct
	c := direct.Channel{Topic: ch.rec.Topic, Transport: d.Transport, Key: ch.rec.Key, MTU: d.MTU, Window: d.Window,
		MaxRate: d.MaxRate, RTT: d.RTT}
	if d.Transport == direct.TransportMulticast {
		c.Group, c.TTL = d.group(ch.rec.Slot), d.TTL
	}
	if publisher != nil {
		c.Session = publisher.Session
		c.Control, _ = netip.ParseAddrPort(publisher.Control)
	} else {
		c.Senders = b.channelSendersLocked(ch)
	}
	return c.AppendXML(nil)
}

// channelSendersLocked lists the senders of ch: the broker's own, then the
// registered publishers', by session. b.mu must be held for reading.
func (b *Broker) channelSendersLocked(ch *channel) []direct.Peer {
	var pubs []direct.Peer
	for _, r := range b.regs {
		if r.rec.Direct == nil {
			continue
		}
		for _, g := range r.rec.Direct.Grants {
			if ctl, err := netip.ParseAddrPort(g.Control); err == nil && g.Topic == ch.rec.Topic {
				pubs = append(pubs, direct.Peer{Session: g.Session, Control: ctl})
			}
		}
	}
	slices.SortFunc(pubs, func(a, b direct.Peer) int { return cmp.Compare(a.Session, b.Session) })
	return append([]direct.Peer{{Session: ch.rec.Session, Control: b.cfg.Direct.control(ch.rec.Slot)}}, pubs...)
}

// publishersOnLocked counts the registrations granted a session on topic
// t. b.mu must be held for reading.
func (b *Broker) publishersOnLocked(t string) int {
	n := 0
	for _, r := range b.regs {
		if r.rec.Direct != nil {
			for _, g := range r.rec.Direct.Grants {
				if g.Topic == t {
					n++
				}
			}
		}
	}
	return n
}

// loadChannels loads the channels; one whose slot the configuration no
// longer has is deleted (its subscribers fall back to HTTP). b.mu must be
// held (Open).
func (b *Broker) loadChannels(ctx context.Context) error {
	var stale []storage.Record
	err := b.st.Scan(ctx, kindChannel, func(r storage.Record) error {
		var rec channelRecord
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			return fmt.Errorf("decoding channel %s: %w", r.Key, err)
		}
		if b.cfg.Direct == nil || rec.Slot >= b.cfg.Direct.MaxChannels || len(rec.Key) != direct.KeySize || b.slotTakenLocked(rec.Slot) {
			stale = append(stale, r)
			return nil
		}
		b.channels[rec.Topic] = &channel{rec: rec, rev: r.Rev, log: b.newRecoveryLog()}
		b.callers.channels.Add(rec.Caller, 1)
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range stale {
		b.log.Warn("wsnotify: dropping a direct channel the configuration no longer has", "topic", r.Key)
		if err := b.st.Delete(ctx, kindChannel, r.Key, r.Rev); err != nil && !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
	return nil
}

func (b *Broker) slotTakenLocked(slot int) bool {
	for _, ch := range b.channels {
		if ch.rec.Slot == slot {
			return true
		}
	}
	return false
}

// sweepChannels deletes the channels that no live subscription or
// registration refers to.
func (b *Broker) sweepChannels(ctx context.Context) {
	b.mu.Lock()
	used := map[string]bool{}
	for _, s := range b.subs {
		if s.rec.Direct != nil {
			used[s.rec.Direct.Topic] = true
		}
	}
	for _, r := range b.regs {
		if r.rec.Direct != nil {
			for _, g := range r.rec.Direct.Grants {
				used[g.Topic] = true
			}
		}
	}
	var gone []*channel
	for t, ch := range b.channels {
		if !used[t] && ch.pending == 0 {
			gone = append(gone, ch)
			delete(b.channels, t)
			b.callers.channels.Add(ch.rec.Caller, -1)
		}
	}
	b.mu.Unlock()
	for _, ch := range gone {
		if err := b.st.Delete(ctx, kindChannel, ch.rec.Topic, 0); err != nil {
			b.log.Error("wsnotify: deleting an unused direct channel", "topic", ch.rec.Topic, "err", err)
		}
	}
	if len(gone) > 0 {
		b.kickDirect()
	}
}

func (b *Broker) kickDirect() {
	select {
	case b.directKick <- struct{}{}:
	default:
	}
}
