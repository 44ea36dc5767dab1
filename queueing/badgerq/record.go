package badgerq

import (
	"encoding/binary"
	"errors"
	"fmt"
)

const recordVersion = 1

// Flags of a meta record.
const (
	flagReady  = 1 << iota // a ready-index key exists at visibleAt
	flagLeased             // handed out until visibleAt
)

// meta is the small, mutable part of a message (the body is stored apart,
// once, under its own key).
type meta struct {
	flags      uint8
	attempts   uint32
	visibleAt  int64 // unix ns; the ready-index key's time when flagReady
	enqueuedAt int64
	expiresAt  int64 // 0: never
	deadAt     int64 // dead letters only
	reason     string
	group      string
}

func (m *meta) ready() bool  { return m.flags&flagReady != 0 }
func (m *meta) leased() bool { return m.flags&flagLeased != 0 }

func (m *meta) encode() []byte {
	b := make([]byte, 0, 48+len(m.reason)+len(m.group))
	b = append(b, recordVersion, m.flags)
	b = binary.AppendUvarint(b, uint64(m.attempts))
	b = binary.AppendVarint(b, m.visibleAt)
	b = binary.AppendVarint(b, m.enqueuedAt)
	b = binary.AppendVarint(b, m.expiresAt)
	b = binary.AppendVarint(b, m.deadAt)
	b = binary.AppendUvarint(b, uint64(len(m.reason)))
	b = append(b, m.reason...)
	return append(b, m.group...)
}

var errCorrupt = errors.New("corrupt meta record")

func decodeMeta(b []byte) (meta, error) {
	var m meta
	if len(b) < 2 || b[0] != recordVersion {
		return m, fmt.Errorf("decoding meta: %w", errCorrupt)
	}
	m.flags = b[1]
	d := decoder{b: b[2:]}
	m.attempts = uint32(d.uvarint())
	m.visibleAt = d.varint()
	m.enqueuedAt = d.varint()
	m.expiresAt = d.varint()
	m.deadAt = d.varint()
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		return m, fmt.Errorf("decoding meta: %w", errCorrupt)
	}
	m.reason = string(d.b[:n])
	m.group = string(d.b[n:])
	return m, nil
}

// decoder reads varints until the first error, then reports bad.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}
