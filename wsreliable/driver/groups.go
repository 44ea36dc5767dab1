package driver

import (
	"context"
	"errors"

	"github.com/wsgw/wsgw/wsreliable"
)

// ErrNotRunning is Groups' error when Run is not running: nothing reads
// the engine for others then.
var ErrNotRunning = errors.New("the driver is not running")

// Groups returns at most max of the engine's inbound sequences and groups
// and how many there are (wsreliable.Engine.Groups), read by the loop
// between two steps. It waits for the loop as long as ctx allows.
func (d *Driver) Groups(ctx context.Context, max int) ([]wsreliable.Group, int, error) {
	type result struct {
		groups []wsreliable.Group
		total  int
	}
	res := make(chan result, 1)
	q := func() {
		gs, n := d.eng.Groups(max)
		res <- result{gs, n}
	}
	select {
	case d.queries <- q:
	case <-d.done:
		return nil, 0, ErrNotRunning
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	r := <-res // the loop runs q at once
	return r.groups, r.total, nil
}
