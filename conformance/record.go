package conformance

import (
	"fmt"
	"net/http"
	"time"
)

// Record is one exchange as it happened, kept for reports: the request
// sent and the reply received (bodies truncated to MaxRecordedBody).
type Record struct {
	Name     string
	Method   string
	URL      string
	Header   http.Header
	Body     []byte
	BodySize int // bytes actually sent

	Status     int // 0 when no reply arrived
	RespHeader http.Header
	RespBody   []byte
	RespSize   int
	Err        string // transport error, if any
	Duration   time.Duration
}

// MaxRecordedBody is the most of a body a Record keeps: the first and last
// halves of it, with a marker saying how much was left out between.
const MaxRecordedBody = 8 << 10

// truncate returns b, or its head and tail around a marker when it is
// longer than max.
func truncate(b []byte, max int) []byte {
	if len(b) <= max {
		return append([]byte(nil), b...)
	}
	head, tail := max*2/3, max/3
	out := append([]byte(nil), b[:head]...)
	out = append(out, fmt.Sprintf("\n… (%d bytes omitted) …\n", len(b)-head-tail)...)
	return append(out, b[len(b)-tail:]...)
}
