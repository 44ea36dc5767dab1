package direct

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
)

// Datagram authentication. Every datagram of a channel, data and control,
// carries a tag: HMAC-SHA256 (RFC 2104, FIPS 198-1) under the channel's
// key, over every byte before the tag (the whole envelope of a data
// datagram, header and body; the header and body of a control packet),
// truncated to its first 128 bits (choice: RFC 2104, 5 advises at least
// half the hash's output; NIST SP 800-107 allows truncation). A datagram
// whose tag does not verify is dropped before it is decoded, so a party
// without the key can neither start nor steer a session: no forged epoch,
// heartbeat, NCF or Demote reaches a receiver, no forged NAK or Join
// reaches a sender.
//
// Where the tag goes:
//
//   - control packets: the TagSize bytes after the body;
//   - data datagrams: an XML comment after the envelope's end,
//     <!--wsgwd:mac:HEX-->, 32 lower-case hexadecimal digits. A comment
//     after the root element is allowed by XML 1.0 (2.1, Misc), so a
//     plain SOAP-over-UDP listener still reads the envelope.
//
// (choice) The key is symmetric and shared by everyone the broker hands
// the channel to: its senders and its subscribers' agents. It keeps out
// whoever is not a party to the channel (an off-path attacker, another
// tenant of the network); a party to it could still forge, which only
// signatures would prevent. Replays of recorded datagrams are not
// detected: data, heartbeats and NCFs are idempotent, a replayed NAK costs
// at most one repair per linger, a replayed Demote within its hold demotes
// its receiver again (it then recovers over HTTP).

// KeySize is the size of a channel key: 256 random bits.
const KeySize = 32

// TagSize is the size of a datagram's tag: HMAC-SHA256 truncated to 128 bits.
const TagSize = 16

// ErrUnauthenticated is Codec.Decode's error for a datagram whose tag does
// not verify (or that has none).
var ErrUnauthenticated = errors.New("direct: datagram tag does not verify")

const (
	macOpen  = "<!--wsgwd:mac:"
	macClose = "-->"
	// dataTagLen is the length of the tag comment after a data envelope.
	dataTagLen = len(macOpen) + 2*TagSize + len(macClose)
)

// Codec encodes and decodes the datagrams of one channel under its key. It
// is not safe for concurrent use (it reuses one HMAC state): each engine
// and each driver's reader has its own.
type Codec struct {
	mac hash.Hash
	sum []byte
}

// NewCodec returns a codec for key, which must be KeySize bytes.
func NewCodec(key []byte) (*Codec, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return &Codec{mac: hmac.New(sha256.New, key), sum: make([]byte, 0, sha256.Size)}, nil
}

func checkKey(key []byte) error {
	switch {
	case len(key) == 0:
		return errors.New("required: the channel's key, 32 random bytes")
	case len(key) != KeySize:
		return fmt.Errorf("%d bytes, want %d", len(key), KeySize)
	}
	return nil
}

// tag returns the truncated HMAC of b (valid until the next call).
func (c *Codec) tag(b []byte) []byte {
	c.mac.Reset()
	c.mac.Write(b) //nolint:errcheck // a hash never fails
	c.sum = c.mac.Sum(c.sum[:0])
	return c.sum[:TagSize]
}

// EncodeControl encodes a control packet (any kind but Data) with its tag.
func (c *Codec) EncodeControl(p Packet) []byte {
	b := encodeControl(p)
	return append(b, c.tag(b)...)
}

// AppendData appends the data datagram of d, addressed to the wsa:To URI
// to, with its tag.
func (c *Codec) AppendData(b []byte, to string, d *Data) []byte {
	start := len(b)
	b = appendData(b, to, d)
	t := c.tag(b[start:])
	b = append(b, macOpen...)
	b = hex.AppendEncode(b, t)
	return append(b, macClose...)
}

// Decode verifies b's tag and decodes it: a control packet or a data
// envelope. b is untrusted input: ErrUnauthenticated when the tag does not
// verify, ErrMalformed (wrapped) when the bytes are not a packet.
func (c *Codec) Decode(b []byte) (Packet, error) {
	body, ok := c.open(b)
	if !ok {
		return nil, ErrUnauthenticated
	}
	return decodePacket(body)
}

// open checks b's tag and returns the bytes it covers.
func (c *Codec) open(b []byte) ([]byte, bool) {
	if isControl(b) {
		if len(b) < TagSize {
			return nil, false
		}
		body, got := b[:len(b)-TagSize], b[len(b)-TagSize:]
		return body, hmac.Equal(got, c.tag(body))
	}
	if len(b) < dataTagLen || !bytes.HasSuffix(b, []byte(macClose)) {
		return nil, false
	}
	body, trailer := b[:len(b)-dataTagLen], b[len(b)-dataTagLen:]
	if !bytes.HasPrefix(trailer, []byte(macOpen)) {
		return nil, false
	}
	var want [2 * TagSize]byte
	hex.Encode(want[:], c.tag(body))
	return body, hmac.Equal(trailer[len(macOpen):len(macOpen)+2*TagSize], want[:])
}
