package delivery

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Run starts Config.Workers workers and blocks until ctx is done and they
// have stopped.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.work(ctx)
		}()
	}
	wg.Wait()
	d.mu.Lock()
	for _, q := range d.queues {
		if q.timer != nil {
			q.timer.Stop()
			q.timer = nil
		}
		q.busy = false
	}
	d.ready = nil
	d.mu.Unlock()
}

func (d *Dispatcher) work(ctx context.Context) {
	for {
		id, q, batch := d.take()
		if q == nil {
			select {
			case <-d.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		actx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
		err := d.send.Send(actx, id, q.target, batch)
		cancel()
		if ctx.Err() != nil {
			return // shutting down: the batch stays queued
		}
		d.finish(id, q, batch, err)
	}
}

// take pops the next ready queue with work and returns its head batch.
func (d *Dispatcher) take() (string, *queue, []*Msg) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.ready) > 0 {
		id := d.ready[0]
		d.ready[0] = ""
		d.ready = d.ready[1:]
		q, ok := d.queues[id]
		if !ok {
			continue
		}
		if q.paused || len(q.items) == 0 {
			q.busy = false
			continue
		}
		n := 1
		if !q.target.Raw {
			size := len(q.items[0].Wrapped)
			for n < min(len(q.items), d.cfg.MaxBatch) && size+len(q.items[n].Wrapped) <= maxBatchBytes {
				size += len(q.items[n].Wrapped)
				n++
			}
		}
		if len(d.ready) > 0 {
			d.signal() // more work for another worker
		}
		return id, q, q.items[:n:n]
	}
	return "", nil, nil
}

// finish records the outcome of one attempt at q's head batch.
func (d *Dispatcher) finish(id string, q *queue, batch []*Msg, err error) {
	d.mu.Lock()
	if d.queues[id] != q {
		d.mu.Unlock()
		return // removed meanwhile
	}
	n := len(batch)
	if err == nil {
		q.items = dropHead(q.items, n)
		q.attempts, q.busy = 0, false
		d.kickLocked(id, q)
		d.mu.Unlock()
		if d.hooks.Delivered != nil {
			d.hooks.Delivered(id, n)
		}
		return
	}
	q.attempts++
	if q.attempts >= d.cfg.MaxAttempts {
		batch = slices.Clone(batch) // dropHead clears the shared backing array
		q.items = dropHead(q.items, n)
		q.attempts, q.busy = 0, false
		d.kickLocked(id, q)
		t := q.target
		d.mu.Unlock()
		if d.hooks.Failed != nil {
			d.hooks.Failed(id, err)
		}
		if d.hooks.Dead != nil {
			d.hooks.Dead(id, t, batch, err)
		}
		return
	}
	q.timer = time.AfterFunc(d.backoff(q.attempts), func() { d.retry(id, q) })
	d.mu.Unlock()
	if d.hooks.Failed != nil {
		d.hooks.Failed(id, err)
	}
}

func (d *Dispatcher) retry(id string, q *queue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.queues[id] != q {
		return
	}
	q.timer = nil
	d.ready = append(d.ready, id) // still busy: listed once
	d.signal()
}

// backoff is BaseBackoff * 2^(attempt-1), capped at MaxBackoff.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	b := d.cfg.BaseBackoff
	for i := 1; i < attempt && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.cfg.MaxBackoff)
}

// dropHead removes the first n items without keeping them reachable.
func dropHead(items []*Msg, n int) []*Msg {
	clear(items[:n])
	items = items[n:]
	if len(items) == 0 {
		return nil
	}
	return items
}
