package agent

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/wsnotify/direct"
)

// Forwarder tells the broker what a send agent published, in order, from
// a bounded queue: each Notify to the registration's ConsumerReference,
// with a wsgwd:Seq header giving where it went on its channel (the broker
// logs it for receivers' recovery and delivers it to the subscribers the
// channel does not reach), or without one (the broker publishes it). What
// it cannot forward (the queue full, the broker failing Attempts times)
// is counted and logged: receivers that lost it on the channel cannot
// recover it, and HTTP subscribers do not get it.
type Forwarder struct {
	Client   *Client
	URL      string // the registration's ConsumerReference
	Attempts int    // default 3
	Backoff  time.Duration
	Log      *slog.Logger

	out                 outbox[forwarded]
	forwardedN, failedN atomic.Int64
}

type forwarded struct {
	notify []byte
	pos    *direct.Position
}

// NewForwarder returns a forwarder with a queue of queueLen Notifies.
func NewForwarder(c *Client, url string, queueLen int, log *slog.Logger) *Forwarder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Forwarder{Client: c, URL: url, Attempts: 3, Backoff: 100 * time.Millisecond, Log: log, out: newOutbox[forwarded](queueLen)}
}

// Forward queues notify (sent at pos on its channel; nil: not sent); it
// never blocks.
func (f *Forwarder) Forward(notify []byte, pos *direct.Position) {
	if !f.out.put(forwarded{notify, pos}) {
		f.Log.Warn("direct: the broker is too slow (or the agent stopping); a Notify not forwarded to it")
	}
}

// Close ends the input: Run then forwards what is queued and returns.
func (f *Forwarder) Close() { f.out.close() }

// Run forwards until Close and the queue is empty, or until ctx ends.
func (f *Forwarder) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case fw, ok := <-f.out.q:
			if !ok {
				return
			}
			err := retry(ctx, f.Attempts, f.Backoff, func() error { return f.Client.Notify(ctx, f.URL, fw.notify, fw.pos) })
			if err != nil {
				f.failedN.Add(1)
				f.Log.Warn("direct: forwarding a Notify to the broker failed", "url", f.URL, "err", err)
				continue
			}
			f.forwardedN.Add(1)
		}
	}
}

// ForwarderCounters are a forwarder's counts.
type ForwarderCounters struct {
	Forwarded int64 `json:"forwarded"`
	Failed    int64 `json:"failed"`
	Overflown int64 `json:"overflown"`
}

// Counters returns the counts so far.
func (f *Forwarder) Counters() ForwarderCounters {
	return ForwarderCounters{Forwarded: f.forwardedN.Load(), Failed: f.failedN.Load(), Overflown: f.out.overflown.Load()}
}
