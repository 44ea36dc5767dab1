package agent

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// Poster posts what a receiver hands over to one consumer, in order, from
// a bounded queue: the notifications as ordinary wsnt:Notify requests
// (those that queued up while the last one was posted go together in
// one, in order, up to MaxBatch), and, for each gap, what its Recovery
// gets back from the broker, where the gap was (a gap ends a batch; the
// deliveries after it wait meanwhile: order over latency,
// bounded by the recovery's own timeout). A notification it cannot post
// (the queue full, or the consumer failing Attempts times) and a gap it
// cannot recover whole are counted and logged, never dropped silently.
type Poster struct {
	URL      string
	Version  soap.Version // envelope version; default SOAP 1.1
	Client   *http.Client // should come from the egress allow-list (egress.Policy.Client)
	Attempts int          // tries per notification; default 3
	Backoff  time.Duration
	Log      *slog.Logger
	// Recovery, when set, recovers gaps over HTTP and takes what the
	// broker delivers to the subscription's pull point (Poll).
	Recovery *Recovery
	// Poll is how often the pull point is emptied when nothing else
	// happens (Recovery set); default 1 s.
	Poll time.Duration
	// MaxBatch bounds the notifications posted in one Notify, and
	// MaxBatchBytes their bytes (at least one goes whatever its size):
	// those that queued up while the last Notify was posted go together,
	// in order; defaults 64 and 1 MiB (choice: the broker's deliveries
	// batch likewise, wsnotify/delivery).
	MaxBatch      int
	MaxBatchBytes int

	out outbox[item]

	posted, failed, requests, batched          atomic.Int64
	gapsRecovered, gapsUnrecovered, fromBroker atomic.Int64
}

// item is one thing to hand the consumer: a delivery or a gap.
type item struct {
	d *direct.Delivery
	g *direct.Gap
}

// NewPoster returns a poster with a queue of queueLen notifications and
// gaps.
func NewPoster(url string, v soap.Version, client *http.Client, queueLen int, log *slog.Logger) *Poster {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if v == 0 {
		v = soap.V11
	}
	return &Poster{URL: url, Version: v, Client: client, Attempts: 3, Backoff: 100 * time.Millisecond, Log: log,
		Poll: time.Second, MaxBatch: 64, MaxBatchBytes: 1 << 20, out: newOutbox[item](queueLen)}
}

// Deliver queues d (driver.Handlers.Deliver); it never blocks.
func (p *Poster) Deliver(d direct.Delivery) { p.put(item{d: &d}) }

// Gap queues g (driver.Handlers.Gap), to be recovered where it is in the
// order; it never blocks.
func (p *Poster) Gap(g direct.Gap) { p.put(item{g: &g}) }

func (p *Poster) put(it item) {
	if p.out.put(it) {
		return
	}
	if it.g != nil {
		p.gapsUnrecovered.Add(1)
	}
	p.Log.Warn("direct: consumer too slow (or the agent stopping); not posted", "consumer", p.URL, "gap", it.g != nil)
}

// Close ends the input: Run then posts what is queued and returns.
func (p *Poster) Close() { p.out.close() }

// Run posts until Close and the queue is empty, or until ctx ends.
func (p *Poster) Run(ctx context.Context) {
	var poll <-chan time.Time
	if p.Recovery != nil && p.Poll > 0 {
		t := time.NewTicker(p.Poll)
		defer t.Stop()
		poll = t.C
	}
	var held *item // taken from the queue while gathering a batch, not in it
	for {
		it, ok := item{}, true
		if held != nil {
			it, held = *held, nil
		} else {
			select {
			case <-ctx.Done():
				return
			case it, ok = <-p.out.q:
			case <-poll:
				p.takePullPoint(ctx)
				continue
			}
		}
		switch {
		case !ok:
			return
		case it.g != nil:
			p.recover(ctx, *it.g)
			continue
		}
		batch, next, closed := p.gather(it.d)
		p.postBatch(ctx, batch)
		if closed {
			return
		}
		held = next
	}
}

// gather takes the deliveries queued behind first, up to MaxBatch
// notifications and MaxBatchBytes, without waiting: what queued up while
// the last Notify was posted goes in the next one. It returns the batch,
// the item taken that ends it (a gap, or a delivery over a bound; nil
// when the queue was empty), and whether the queue is closed and empty.
func (p *Poster) gather(first *direct.Delivery) (batch []*direct.Delivery, next *item, closed bool) {
	batch = append(batch, first)
	size := len(first.Notify)
	for len(batch) < p.MaxBatch {
		select {
		case it, ok := <-p.out.q:
			switch {
			case !ok:
				return batch, nil, true
			case it.d == nil || size+len(it.d.Notify) > p.MaxBatchBytes:
				return batch, &it, false
			}
			batch = append(batch, it.d)
			size += len(it.d.Notify)
		default:
			return batch, nil, false
		}
	}
	return batch, nil, false
}

// postBatch posts the deliveries of batch, in order, in one Notify
// (WS-BaseNotification 1.3, 3.2: a Notify carries one or more
// NotificationMessages, a consumer takes them in document order); when
// one of them is not a Notify of NotificationMessages only, each goes in
// a Notify of its own (choice: nothing is dropped or altered to batch).
func (p *Poster) postBatch(ctx context.Context, batch []*direct.Delivery) {
	first, last := batch[0], batch[len(batch)-1]
	what := fmt.Sprintf("%016x:%d:%d", first.Session, first.Epoch, first.Seq)
	if len(batch) == 1 {
		p.post(ctx, first.Notify, what, 1)
		return
	}
	if merged, ok := mergeNotifies(batch); ok {
		p.batched.Add(int64(len(batch)))
		p.post(ctx, merged, fmt.Sprintf("%s..%016x:%d:%d", what, last.Session, last.Epoch, last.Seq), int64(len(batch)))
		return
	}
	for _, d := range batch {
		p.post(ctx, d.Notify, fmt.Sprintf("%016x:%d:%d", d.Session, d.Epoch, d.Seq), 1)
	}
}

// mergeNotifies makes one wsnt:Notify of the NotificationMessages of the
// deliveries' Notifies, in order, each standalone (the namespace bindings
// its Notify gave it kept); false when one is not a wsnt:Notify of
// NotificationMessages only.
func mergeNotifies(batch []*direct.Delivery) ([]byte, bool) {
	var msgs [][]byte
	for _, d := range batch {
		doc, err := xmldoc.ParseBytes(d.Notify, xmldoc.Limits{MaxBytes: int64(len(d.Notify))})
		if err != nil {
			return nil, false
		}
		root := doc.Root()
		if root.Name() != notifyName || !root.FirstChild().Valid() {
			return nil, false
		}
		for nm := root.FirstChild(); nm.Valid(); nm = nm.NextSibling() {
			if nm.Name() != notificationMessageName {
				return nil, false
			}
			msgs = append(msgs, nm.Standalone())
		}
	}
	return wrapNotify(msgs), true
}

// recover has the broker put what g lost into the pull point, and posts
// it; without a Recovery the gap is counted and logged.
func (p *Poster) recover(ctx context.Context, g direct.Gap) {
	if p.Recovery == nil {
		p.gapsUnrecovered.Add(1)
		p.Log.Warn("direct: notifications lost (no broker to recover them from)",
			"session", fmt.Sprintf("%016x", g.Session), "epoch", g.Epoch, "from", g.From, "to", g.To, "reason", g.Reason.String())
		return
	}
	n, complete, err := p.Recovery.Recover(ctx, g)
	p.takePullPoint(ctx)
	if err != nil || !complete {
		p.gapsUnrecovered.Add(1)
		p.Log.Warn("direct: a gap not recovered whole from the broker", "session", fmt.Sprintf("%016x", g.Session), "epoch", g.Epoch,
			"from", g.From, "to", g.To, "reason", g.Reason.String(), "recovered", n, "err", err)
		return
	}
	p.gapsRecovered.Add(1)
}

// takePullPoint posts what the subscription's pull point holds (recovered
// notifications, and what the broker delivered over HTTP), oldest first.
func (p *Poster) takePullPoint(ctx context.Context) {
	if p.Recovery == nil {
		return
	}
	for range maxTakes {
		msgs, err := p.Recovery.Take(ctx)
		if err != nil {
			p.Log.Warn("direct: taking the pull point's messages", "err", err)
			return
		}
		if len(msgs) == 0 {
			return
		}
		p.fromBroker.Add(int64(len(msgs)))
		p.post(ctx, wrapNotify(msgs), "pull point", 1)
	}
}

// maxTakes bounds the GetMessages of one emptying of the pull point
// (choice: the queue's deliveries are not held up longer; the rest comes
// at the next poll).
const maxTakes = 16

// post posts notify, which carries n notifications (a pull point's
// messages count as one).
func (p *Poster) post(ctx context.Context, notify []byte, what string, n int64) {
	p.requests.Add(1)
	if err := retry(ctx, p.Attempts, p.Backoff, func() error { return p.postOnce(ctx, notify) }); err != nil {
		p.failed.Add(n)
		p.Log.Warn("direct: posting a notification failed", "what", what, "consumer", p.URL, "err", err)
		return
	}
	p.posted.Add(n)
}

// postOnce posts one wsnt:Notify in an envelope as the broker's deliveries
// are (WS-BaseNotification 1.3, 3.2; WS-Addressing Action and To).
func (p *Poster) postOnce(ctx context.Context, notify []byte) error {
	resp, err := postEnvelope(ctx, p.Client, p.URL, p.Version, direct.ActionNotify, nil, notify)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drained for connection reuse
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("consumer answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// PosterCounters are a poster's counts.
type PosterCounters struct {
	// Posted counts the notifications the consumer took (the messages of
	// one GetMessages from the pull point count as one), Failed those it
	// refused or failed every attempt at; Requests the Notify requests
	// made, Batched the notifications that went with others in one.
	Posted    int64 `json:"posted"`
	Failed    int64 `json:"failed"`
	Requests  int64 `json:"requests"`
	Batched   int64 `json:"batched"`
	Overflown int64 `json:"overflown"` // the queue was full (or closed)
	// GapsRecovered and GapsUnrecovered count the gaps the broker's log
	// covered whole, and the others (or all gaps, without a broker).
	GapsRecovered   int64 `json:"gaps_recovered"`
	GapsUnrecovered int64 `json:"gaps_unrecovered"`
	// FromBroker counts the NotificationMessages taken from the pull
	// point: recovered ones and those the broker delivered over HTTP.
	FromBroker int64 `json:"from_broker"`
}

// Counters returns the counts so far.
func (p *Poster) Counters() PosterCounters {
	return PosterCounters{Posted: p.posted.Load(), Failed: p.failed.Load(), Requests: p.requests.Load(), Batched: p.batched.Load(), Overflown: p.out.overflown.Load(),
		GapsRecovered: p.gapsRecovered.Load(), GapsUnrecovered: p.gapsUnrecovered.Load(), FromBroker: p.fromBroker.Load()}
}

func xmlEscape(b *bytes.Buffer, s string) {
	for _, c := range []byte(s) {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(c)
		}
	}
}
