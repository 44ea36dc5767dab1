package driver

import (
	"time"

	"github.com/wsgw/wsgw/queueing"
)

func queueingBackoff() queueing.Backoff {
	return queueing.Backoff{Base: 20 * time.Millisecond, Max: 100 * time.Millisecond, Jitter: -1}
}
