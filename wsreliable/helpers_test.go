package wsreliable

import (
	"testing"
	"time"
)

// newTestEngine returns an engine of cfg ticked to scriptEpoch, and that
// time.
func newTestEngine(t *testing.T, cfg Config) (*Engine, time.Time) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Tick(scriptEpoch)
	return e, scriptEpoch
}

// drainReady carries out every Ready (as a driver that stores nothing
// would) and returns them merged.
func drainReady(e *Engine) Ready {
	var all Ready
	for e.HasReady() {
		rd := e.Ready()
		all.Replies = append(all.Replies, rd.Replies...)
		all.Deliver = append(all.Deliver, rd.Deliver...)
		all.Persist = append(all.Persist, rd.Persist...)
		all.Send = append(all.Send, rd.Send...)
		e.Advance()
	}
	return all
}
