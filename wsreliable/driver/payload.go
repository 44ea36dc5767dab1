package driver

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// envelopeMeta is what a stored envelope needs besides its bytes to be
// delivered as the client sent it.
type envelopeMeta struct {
	ContentType string `json:"ct,omitempty"`
	SOAPAction  string `json:"sa,omitempty"`
	ReplyTo     string `json:"rt,omitempty"`
	// FaultTo is the request's wsa:FaultTo address as given ("" when
	// absent): a fault from the backend goes there (replyTo).
	FaultTo string `json:"ft,omitempty"`
	// Expiry is the WS-Reliability ExpiryTime: the queue does not deliver
	// the message after it.
	Expiry time.Time `json:"ex,omitzero"`
}

// stored is an envelope with its meta, as kept by the engine (Payload) and
// the queue: uvarint length of the meta JSON, the meta, the envelope.
type stored struct {
	envelopeMeta
	Envelope []byte
}

func encodeEnvelope(hdr http.Header, addr soap.Addressing, env []byte) []byte {
	m := envelopeMeta{ContentType: hdr.Get("Content-Type"), SOAPAction: hdr.Get("SOAPAction")}
	if addr.ReplyTo != nil && !addr.ReplyTo.IsAnonymous() && !addr.ReplyTo.IsNone() {
		m.ReplyTo = addr.ReplyTo.Address
	}
	if addr.FaultTo != nil {
		m.FaultTo = addr.FaultTo.Address
	}
	return frame(m, env)
}

// withExpiry returns the stored envelope b with its Expiry set.
func withExpiry(b []byte, expiry time.Time) []byte {
	s, err := decodeEnvelope(b)
	if err != nil {
		return b
	}
	s.Expiry = expiry
	return frame(s.envelopeMeta, s.Envelope)
}

func frame(meta any, rest []byte) []byte {
	j, _ := json.Marshal(meta) // plain strings: cannot fail
	b := binary.AppendUvarint(make([]byte, 0, len(j)+len(rest)+4), uint64(len(j)))
	return append(append(b, j...), rest...)
}

var errCorrupt = errors.New("corrupt stored message")

func unframe(b []byte, meta any) ([]byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, errCorrupt
	}
	if err := json.Unmarshal(b[k:k+int(n)], meta); err != nil {
		return nil, errCorrupt
	}
	return b[k+int(n):], nil
}

func decodeEnvelope(b []byte) (stored, error) {
	var s stored
	env, err := unframe(b, &s.envelopeMeta)
	s.Envelope = env
	return s, err
}

func (s stored) header(id string) http.Header {
	h := http.Header{}
	if s.ContentType != "" {
		h.Set("Content-Type", s.ContentType)
	}
	if s.SOAPAction != "" {
		h.Set("SOAPAction", s.SOAPAction)
	}
	h.Set(DeliveryIDHeader, id)
	return h
}

// deliveryMeta names a queued delivery.
type deliveryMeta struct {
	ID     string              `json:"id"`
	Proto  wsreliable.Protocol `json:"p"`
	Group  string              `json:"g"`
	Number uint64              `json:"n"`
}

// encodeDelivery is the queue body of dl: its meta, then its Payload.
func encodeDelivery(dl wsreliable.Delivery) []byte {
	return frame(deliveryMeta{ID: dl.ID(), Proto: dl.Proto, Group: dl.Group, Number: dl.Number}, dl.Payload)
}

// deliverySize is len(encodeDelivery(dl)), without building it.
func deliverySize(dl wsreliable.Delivery) int {
	j, _ := json.Marshal(deliveryMeta{ID: dl.ID(), Proto: dl.Proto, Group: dl.Group, Number: dl.Number})
	return binary.PutUvarint(make([]byte, binary.MaxVarintLen64), uint64(len(j))) + len(j) + len(dl.Payload)
}

func decodeDelivery(b []byte) (deliveryMeta, stored, error) {
	var m deliveryMeta
	rest, err := unframe(b, &m)
	if err != nil {
		return m, stored{}, err
	}
	s, err := decodeEnvelope(rest)
	return m, s, err
}

// strippedEnvelope returns msg's bytes without the WS-RM (both versions),
// WS-MC and WS-Reliability header blocks targeted at this node: they are
// the gateway's business, not the backend's (which would fault on
// mustUnderstand="1"); and without the consumed blocks (see
// HandleRequestDone). Other bytes are kept as received.
func strippedEnvelope(msg *soap.Message, consumed []xmldoc.Element) []byte {
	return withoutHeaders(msg, func(h soap.HeaderBlock) bool {
		switch h.Name.Space {
		case wsreliable.NSRM, wsreliable.NSRM200502, wsreliable.NSMC, wsreliable.NSRel:
			return h.Targeted(true)
		}
		return slices.Contains(consumed, h.Element)
	})
}

// withoutHeaders returns msg's bytes without the header blocks drop
// reports, every other byte as received.
func withoutHeaders(msg *soap.Message, drop func(soap.HeaderBlock) bool) []byte {
	raw := msg.Doc.Raw()
	out := make([]byte, 0, len(raw))
	from := 0
	for _, h := range msg.Headers {
		if !drop(h) {
			continue
		}
		start, end := h.Element.Span()
		out = append(out, raw[from:start]...)
		from = end
	}
	return append(out, raw[from:]...)
}
