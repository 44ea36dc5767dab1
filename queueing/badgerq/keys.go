package badgerq

import (
	"encoding/binary"
	"time"
)

// Key spaces under the queue's prefix P (see doc.go for the layout).
const (
	spaceMeta   = 'm' // P m seq              -> meta record
	spaceBody   = 'b' // P b seq              -> body
	spaceReady  = 'r' // P r visibleAt seq    -> ""
	spaceGroup  = 'g' // P g len group seq    -> ""
	spaceGCount = 'G' // P G len group        -> uvarint members
	spaceExpiry = 'x' // P x expiresAt seq    -> ""
	spaceDead   = 'd' // P d seq              -> meta record (dead)
	spaceSeq    = 's' // P s                  -> badger sequence lease
	spaceCount  = 'n' // P n                  -> uvarint length, uvarint dead
)

// keys builds the keys of one queue; prefix is the queue's own prefix.
type keys struct{ prefix []byte }

func (k keys) space(s byte, extra int) []byte {
	b := make([]byte, 0, len(k.prefix)+1+extra)
	b = append(b, k.prefix...)
	return append(b, s)
}

func (k keys) withSeq(s byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(k.space(s, 8), seq)
}

func (k keys) meta(seq uint64) []byte { return k.withSeq(spaceMeta, seq) }
func (k keys) body(seq uint64) []byte { return k.withSeq(spaceBody, seq) }
func (k keys) dead(seq uint64) []byte { return k.withSeq(spaceDead, seq) }

// ready is the ready-index key: ordered by (visibleAt, seq), so leasing is a
// prefix scan that stops at the first key visible in the future.
func (k keys) ready(visibleAt int64, seq uint64) []byte {
	b := binary.BigEndian.AppendUint64(k.space(spaceReady, 16), timeKey(visibleAt))
	return binary.BigEndian.AppendUint64(b, seq)
}

func (k keys) expiry(expiresAt int64, seq uint64) []byte {
	b := binary.BigEndian.AppendUint64(k.space(spaceExpiry, 16), timeKey(expiresAt))
	return binary.BigEndian.AppendUint64(b, seq)
}

// groupPrefix is the prefix of a group's member keys; the group name is
// length-prefixed so that no group's prefix is another's.
func (k keys) groupPrefix(group string) []byte {
	b := binary.AppendUvarint(k.space(spaceGroup, 10+len(group)+8), uint64(len(group)))
	return append(b, group...)
}

func (k keys) groupMember(group string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(k.groupPrefix(group), seq)
}

func (k keys) groupCount(group string) []byte {
	b := binary.AppendUvarint(k.space(spaceGCount, 10+len(group)), uint64(len(group)))
	return append(b, group...)
}

func (k keys) seq() []byte    { return k.space(spaceSeq, 0) }
func (k keys) counts() []byte { return k.space(spaceCount, 0) }

// spacePrefix is the prefix of a whole key space, for iteration.
func (k keys) spacePrefix(s byte) []byte { return k.space(s, 0) }

// timeKey maps unix nanoseconds onto an unsigned, order-preserving value.
func timeKey(ns int64) uint64 { return uint64(max(ns, 0)) }

// splitTimeSeq decodes the (time, seq) tail of a ready or expiry key.
func splitTimeSeq(key []byte) (int64, uint64) {
	t := key[len(key)-16:]
	return int64(binary.BigEndian.Uint64(t[:8])), binary.BigEndian.Uint64(t[8:])
}

// lastSeq decodes the trailing sequence of a meta, body, dead or group key.
func lastSeq(key []byte) uint64 { return binary.BigEndian.Uint64(key[len(key)-8:]) }

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
