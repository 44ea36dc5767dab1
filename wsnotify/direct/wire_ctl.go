package direct

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// The control format: NAK, NCF, heartbeat, demote and join are small
// binary datagrams (choice: they are never read by SOAP software, and a
// fixed layout is cheap to check). Every field is big-endian.
//
//	0      2        3     4          12       16       16+n
//	| "WD" | version | kind | session | epoch | body... | tag (16)
//
// Bodies:
//
//	heartbeat: trail u64, lead u64 (<= MaxSeq), rtt µs u32, backoff K×100 u16, group size u32, flags u8 (bit 0: final)
//	nak:       count u16, then count × (from u64, to u64), 0 < from <= to <= MaxSeq
//	ncf:       wait ms u32, then the ranges as in a nak
//	demote:    reason u8, hold ms u32, lead u64 (<= MaxSeq)
//	join:      flags u8 (bit 0: leave)
//
// The tag is the datagram's HMAC (mac.go). Version 2 added the tag and
// the heartbeat's flags. A datagram with trailing bytes, an unknown
// version or kind, or a field out of range is refused whole.
const (
	ctlVersion   = 2
	ctlHeaderLen = 16
	// MaxRanges bounds the ranges of one NAK or NCF.
	MaxRanges = 64
)

var ctlMagic = [2]byte{'W', 'D'}

// ErrMalformed is the error of every decoder here for bytes that are not
// a well-formed packet.
var ErrMalformed = errors.New("direct: malformed packet")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

func appendHeader(b []byte, k Kind, h Header) []byte {
	b = append(b, ctlMagic[0], ctlMagic[1], ctlVersion, byte(k))
	b = binary.BigEndian.AppendUint64(b, h.Session)
	return binary.BigEndian.AppendUint32(b, h.Epoch)
}

// encodeControl encodes a control packet (any kind but Data) without its
// tag (Codec.EncodeControl adds it).
func encodeControl(p Packet) []byte {
	b := appendHeader(make([]byte, 0, 64), p.Kind(), p.header())
	switch p := p.(type) {
	case *Heartbeat:
		b = binary.BigEndian.AppendUint64(b, p.Trail)
		b = binary.BigEndian.AppendUint64(b, p.Lead)
		b = binary.BigEndian.AppendUint32(b, clampU32(p.RTT.Microseconds()))
		b = binary.BigEndian.AppendUint16(b, uint16(min(math.Round(p.Backoff*100), math.MaxUint16)))
		b = binary.BigEndian.AppendUint32(b, p.GroupSize)
		var f byte
		if p.Final {
			f = 1
		}
		b = append(b, f)
	case *NAK:
		b = appendRanges(b, p.Ranges)
	case *NCF:
		b = binary.BigEndian.AppendUint32(b, clampU32(p.Wait.Milliseconds()))
		b = appendRanges(b, p.Ranges)
	case *Demote:
		b = append(b, byte(p.Reason))
		b = binary.BigEndian.AppendUint32(b, clampU32(p.Hold.Milliseconds()))
		b = binary.BigEndian.AppendUint64(b, p.Lead)
	case *Join:
		var f byte
		if p.Leave {
			f = 1
		}
		b = append(b, f)
	default:
		panic(fmt.Sprintf("direct: EncodeControl of %T", p))
	}
	return b
}

func clampU32(v int64) uint32 { return uint32(max(0, min(v, math.MaxUint32))) }

func appendRanges(b []byte, rs []Range) []byte {
	if len(rs) > MaxRanges {
		panic("direct: more than MaxRanges ranges in one packet")
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(rs)))
	for _, r := range rs {
		b = binary.BigEndian.AppendUint64(b, r.From)
		b = binary.BigEndian.AppendUint64(b, r.To)
	}
	return b
}

// isControl reports whether b starts like a control packet (and not like
// an XML data datagram).
func isControl(b []byte) bool { return len(b) >= 2 && b[0] == ctlMagic[0] && b[1] == ctlMagic[1] }

// decodeControl decodes a control packet whose tag has been checked and
// removed. b is untrusted input.
func decodeControl(b []byte) (Packet, error) {
	if len(b) < ctlHeaderLen || !isControl(b) {
		return nil, malformed("not a control packet")
	}
	if b[2] != ctlVersion {
		return nil, malformed("control version %d", b[2])
	}
	h := Header{Session: binary.BigEndian.Uint64(b[4:]), Epoch: binary.BigEndian.Uint32(b[12:])}
	r := reader{b: b[ctlHeaderLen:]}
	var p Packet
	switch k := Kind(b[3]); k {
	case KindHeartbeat:
		hb := &Heartbeat{Header: h, Trail: r.u64(), Lead: r.u64()}
		hb.RTT = time.Duration(r.u32()) * time.Microsecond
		hb.Backoff = float64(r.u16()) / 100
		hb.GroupSize = r.u32()
		switch f := r.u8(); {
		case r.bad:
		case f > 1:
			return nil, malformed("heartbeat flags %#x", f)
		default:
			hb.Final = f == 1
		}
		if !r.bad && hb.Lead > MaxSeq {
			return nil, malformed("heartbeat lead %d beyond %d", hb.Lead, uint64(MaxSeq))
		}
		if !r.bad && hb.Trail > hb.Lead+1 {
			return nil, malformed("heartbeat trail %d after lead %d + 1", hb.Trail, hb.Lead)
		}
		p = hb
	case KindNAK:
		p = &NAK{Header: h, Ranges: r.ranges()}
	case KindNCF:
		wait := time.Duration(r.u32()) * time.Millisecond
		p = &NCF{Header: h, Wait: wait, Ranges: r.ranges()}
	case KindDemote:
		d := &Demote{Header: h, Reason: DemoteReason(r.u8())}
		d.Hold = time.Duration(r.u32()) * time.Millisecond
		d.Lead = r.u64()
		if !r.bad && d.Lead > MaxSeq {
			return nil, malformed("demote lead %d beyond %d", d.Lead, uint64(MaxSeq))
		}
		if !r.bad && (d.Reason < DemoteLoss || d.Reason > DemoteOutside) {
			return nil, malformed("demote reason %d", d.Reason)
		}
		p = d
	case KindJoin:
		f := r.u8()
		if !r.bad && f > 1 {
			return nil, malformed("join flags %#x", f)
		}
		p = &Join{Header: h, Leave: f == 1}
	default:
		return nil, malformed("control kind %d", k)
	}
	if r.bad {
		return nil, malformed("%v packet: %s", p.Kind(), r.why)
	}
	if len(r.b) != 0 {
		return nil, malformed("%v packet: %d trailing bytes", p.Kind(), len(r.b))
	}
	return p, nil
}

// reader reads big-endian fields, remembering the first failure.
type reader struct {
	b   []byte
	bad bool
	why string
}

func (r *reader) take(n int) []byte {
	if r.bad || len(r.b) < n {
		if !r.bad {
			r.bad, r.why = true, "truncated"
		}
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() uint8   { return r.take(1)[0] }
func (r *reader) u16() uint16 { return binary.BigEndian.Uint16(r.take(2)) }
func (r *reader) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }

func (r *reader) ranges() []Range {
	n := int(r.u16())
	if n > MaxRanges {
		r.bad, r.why = true, fmt.Sprintf("%d ranges (at most %d)", n, MaxRanges)
		return nil
	}
	if n == 0 && !r.bad {
		r.bad, r.why = true, "no ranges"
		return nil
	}
	rs := make([]Range, 0, n)
	for range n {
		rg := Range{From: r.u64(), To: r.u64()}
		if r.bad {
			return nil
		}
		if rg.From > rg.To || rg.From == 0 || rg.To > MaxSeq {
			r.bad, r.why = true, "range "+rg.String()+" is empty, starts at 0 or ends beyond MaxSeq"
			return nil
		}
		rs = append(rs, rg)
	}
	return rs
}
