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
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// Poster posts delivered notifications to one consumer, in order, from
// a bounded queue. A notification it cannot post (queue full, or the
// consumer failing Attempts times) is counted and logged, never dropped
// silently.
type Poster struct {
	URL      string
	Version  soap.Version // envelope version; default SOAP 1.1
	Client   *http.Client // should come from the egress allow-list (egress.Policy.Client)
	Attempts int          // tries per notification; default 3
	Backoff  time.Duration
	Log      *slog.Logger

	q                         chan direct.Delivery
	posted, failed, overflown atomic.Int64
}

// NewPoster returns a poster with a queue of queueLen notifications.
func NewPoster(url string, v soap.Version, client *http.Client, queueLen int, log *slog.Logger) *Poster {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if v == 0 {
		v = soap.V11
	}
	return &Poster{URL: url, Version: v, Client: client, Attempts: 3, Backoff: 100 * time.Millisecond, Log: log,
		q: make(chan direct.Delivery, max(1, queueLen))}
}

// Deliver queues d (driver.Handlers.Deliver); it never blocks.
func (p *Poster) Deliver(d direct.Delivery) {
	select {
	case p.q <- d:
	default:
		p.overflown.Add(1)
		p.Log.Warn("direct: consumer too slow; notification not posted", "seq", d.Seq, "consumer", p.URL)
	}
}

// Run posts until ctx ends.
func (p *Poster) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-p.q:
			p.post(ctx, d)
		}
	}
}

func (p *Poster) post(ctx context.Context, d direct.Delivery) {
	var err error
	for i := range max(1, p.Attempts) {
		if i > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(p.Backoff << (i - 1)):
			}
		}
		if err = p.postOnce(ctx, d.Notify); err == nil {
			p.posted.Add(1)
			return
		}
	}
	p.failed.Add(1)
	p.Log.Warn("direct: posting a notification failed", "seq", d.Seq, "consumer", p.URL, "err", err)
}

// postOnce posts one wsnt:Notify in an envelope as the broker's deliveries
// are (WS-BaseNotification 1.3, 3.2; WS-Addressing Action and To).
func (p *Poster) postOnce(ctx context.Context, notify []byte) error {
	var env bytes.Buffer
	env.WriteString(`<s:Envelope xmlns:s="` + p.Version.Namespace() + `" xmlns:wsa="` + soap.WSANS + `"><s:Header><wsa:Action>` +
		direct.ActionNotify + `</wsa:Action><wsa:To>`)
	xmlEscape(&env, p.URL)
	env.WriteString(`</wsa:To></s:Header><s:Body>`)
	env.Write(notify)
	env.WriteString(`</s:Body></s:Envelope>`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, &env)
	if err != nil {
		return err
	}
	if p.Version == soap.V12 {
		req.Header.Set("Content-Type", soap.MediaType12+`; charset=utf-8; action="`+direct.ActionNotify+`"`)
	} else {
		req.Header.Set("Content-Type", soap.V11.ContentType())
		req.Header.Set("SOAPAction", `"`+direct.ActionNotify+`"`)
	}
	resp, err := p.Client.Do(req)
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
	Posted    int64 `json:"posted"`
	Failed    int64 `json:"failed"`    // the consumer refused or failed every attempt
	Overflown int64 `json:"overflown"` // the queue was full
}

// Counters returns the counts so far.
func (p *Poster) Counters() PosterCounters {
	return PosterCounters{Posted: p.posted.Load(), Failed: p.failed.Load(), Overflown: p.overflown.Load()}
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
		default:
			b.WriteByte(c)
		}
	}
}
