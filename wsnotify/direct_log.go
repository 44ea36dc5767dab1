package wsnotify

import (
	"cmp"
	"slices"
	"sync"

	"github.com/wsgw/wsgw/wsnotify/direct"
)

// recoveryLog is what was sent on one channel, recently: each
// notification (the wsnt:Notify element as its datagrams carried it) by
// its position, so that a receiver that reports a gap gets the
// notifications whose first datagram is in it over HTTP (Recover). The
// broker logs what its own sender sends, and what registered publishers'
// agents forward with the position they sent it at.
//
// (choice) The log is in memory and bounded (DirectConfig.LogMessages and
// LogBytes, the oldest dropped first): it is a repair aid, not the record
// of what was published; a broker restart empties it, and a gap older
// than what it holds is reported unrecovered.
type recoveryLog struct {
	mu       sync.Mutex // guards entries, bytes
	max      int
	maxBytes int64
	entries  []logEntry // oldest first
	bytes    int64
}

type logEntry struct {
	pos    direct.Position
	notify []byte
}

func (b *Broker) newRecoveryLog() *recoveryLog {
	return &recoveryLog{max: b.cfg.Direct.LogMessages, maxBytes: b.cfg.Direct.LogBytes}
}

// add logs notify, sent at pos.
func (l *recoveryLog) add(pos direct.Position, notify []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, logEntry{pos: pos, notify: notify})
	l.bytes += int64(len(notify))
	drop := 0
	for len(l.entries)-drop > l.max || l.bytes > l.maxBytes && drop < len(l.entries)-1 {
		l.bytes -= int64(len(l.entries[drop].notify))
		drop++
	}
	if drop > 0 {
		clear(l.entries[:drop])
		l.entries = l.entries[drop:]
	}
}

// find returns the notifications logged in r (those whose first datagram
// is in it), oldest first; the newest sequence number logged of r's
// session and epoch (0: none); and whether the log covers r up to it
// without a hole (each sequence in one of them, or in the notification
// that begins before r and runs into it: a session numbers its datagrams
// without holes).
func (l *recoveryLog) find(r direct.RecoverRange) (found []logEntry, newest uint64, complete bool) {
	l.mu.Lock()
	var of []logEntry
	for _, e := range l.entries {
		if e.pos.Session == r.Session && e.pos.Epoch == r.Epoch && e.pos.Seq+uint64(e.pos.Frags) > r.From && e.pos.Seq <= r.To {
			of = append(of, e)
		}
	}
	for _, e := range l.entries {
		if e.pos.Session == r.Session && e.pos.Epoch == r.Epoch {
			newest = max(newest, e.pos.Seq+uint64(e.pos.Frags)-1)
		}
	}
	l.mu.Unlock()
	slices.SortFunc(of, func(a, b logEntry) int { return cmp.Compare(a.pos.Seq, b.pos.Seq) })
	next := r.From // the first sequence not covered yet
	complete = true
	for _, e := range of {
		if e.pos.Seq > next {
			complete = false
		}
		next = max(next, e.pos.Seq+uint64(e.pos.Frags))
		if e.pos.Seq >= r.From {
			found = append(found, e)
		}
	}
	if next <= min(r.To, newest) {
		complete = false
	}
	return found, newest, complete
}
