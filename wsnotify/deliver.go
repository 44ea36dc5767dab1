package wsnotify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/delivery"
	"github.com/wsgw/wsgw/wsreliable"
)

// consumerData is the broker's part of a delivery target.
type consumerData struct {
	soap      soap.Version
	refParams [][]byte
}

// sender posts batches to consumers: a wsnt:Notify with one
// NotificationMessage per message, each with its SubscriptionReference,
// Topic and ProducerReference (WS-BaseNotification 1.3, 3.2), or the bare
// payload for UseRaw (4.2 SubscriptionPolicy). The envelope is in the
// SOAP version of the Subscribe request.
type sender struct{ b *Broker }

var _ delivery.Sender = (*sender)(nil)

func (s *sender) Send(ctx context.Context, id string, t delivery.Target, batch []*delivery.Msg) error {
	return s.b.postNotify(ctx, id, t, batch, "")
}

// postNotify posts batch to t.URL in one request, with deliveryID in the
// Wsgw-Delivery-Id header when not "" (a durable delivery).
func (b *Broker) postNotify(ctx context.Context, id string, t delivery.Target, batch []*delivery.Msg, deliveryID string) error {
	cd, _ := t.Data.(consumerData)
	v := cd.soap
	if v == 0 {
		v = soap.V11
	}
	var env bytes.Buffer
	env.WriteString(envelopeOpen(v))
	env.WriteString("<s:Header><wsa:Action>" + actNotify + "</wsa:Action><wsa:To>" + esc(t.URL) + "</wsa:To>")
	// wsa:From names this broker, so that a delivery reaching the broker
	// itself is recognised (notifyOp), raw ones included.
	env.WriteString("<wsa:From><wsa:Address>" + esc(b.url(pathBroker)) + "</wsa:Address></wsa:From>")
	writeRefParams(&env, cd.refParams)
	env.WriteString("</s:Header><s:Body>")
	b.writeNotifyBody(&env, id, t.Raw, batch, false)
	env.WriteString("</s:Body></s:Envelope>")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, &env)
	if err != nil {
		return err
	}
	if v == soap.V12 {
		req.Header.Set("Content-Type", soap.MediaType12+`; charset=utf-8; action="`+actNotify+`"`)
	} else {
		req.Header.Set("Content-Type", soap.V11.ContentType())
		req.Header.Set("SOAPAction", `"`+actNotify+`"`)
	}
	if deliveryID != "" {
		req.Header.Set(wsreliable.DeliveryIDHeader, deliveryID)
	}
	start := time.Now()
	defer func() { b.metrics.latency.Observe(time.Since(start).Seconds()) }()
	resp, err := b.client.Do(req)
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

// writeNotifyBody writes the Body content that delivers batch for
// subscription id: a wsnt:Notify (its prefixes declared by the caller's
// envelope, or on it when declare), or the bare payloads (raw).
func (b *Broker) writeNotifyBody(w *bytes.Buffer, id string, raw bool, batch []*delivery.Msg, declare bool) {
	if raw {
		for _, m := range batch {
			w.Write(m.Payload)
		}
		return
	}
	if declare {
		w.WriteString(`<wsnt:Notify xmlns:wsnt="` + NSB + `" xmlns:wsa="` + soap.WSANS + `">`)
	} else {
		w.WriteString("<wsnt:Notify>")
	}
	for _, m := range batch {
		w.Write(b.notificationMessage(id, m))
	}
	w.WriteString("</wsnt:Notify>")
}

// deadLetter is the record of a batch given up after MaxAttempts.
type deadLetter struct {
	Subscription string    `json:"subscription"`
	Consumer     string    `json:"consumer"`
	Reason       string    `json:"reason,omitempty"` // a durable delivery's (queueing.DeadLetter.Reason)
	Error        string    `json:"error"`
	Time         time.Time `json:"time"`
	Messages     [][]byte  `json:"messages"`
}

func (b *Broker) deliveryHooks() delivery.Hooks {
	return delivery.Hooks{
		Delivered: func(_ string, n int) { b.metrics.delivered.Add(float64(n)) },
		Failed:    func(string, error) { b.metrics.failed.Inc() },
		Dropped:   func(_ string, n int) { b.metrics.dropped.Add(float64(n)) },
		Dead:      b.deadLetter,
	}
}

func (b *Broker) deadLetter(id string, t delivery.Target, batch []*delivery.Msg, cause error) {
	defer b.metrics.dead.Add(float64(len(batch))) // once the record is stored (or failed to be)
	now := b.now()
	dl := deadLetter{Subscription: id, Consumer: t.URL, Error: cause.Error(), Time: now}
	for _, m := range batch {
		dl.Messages = append(dl.Messages, m.Wrapped)
	}
	val, err := json.Marshal(dl)
	if err == nil {
		// (choice) The dispatcher's hook has no context; the append is
		// bounded by the store.
		err = b.storeDeadLetter(context.Background(), val)
	}
	if err != nil {
		b.log.Error("wsnotify: storing dead letter", "subscription", id, "err", err)
	}
	b.log.Warn("wsnotify: delivery given up", "subscription", id, "consumer", t.URL, "messages", len(batch), "err", cause)
}

// maxDeadLetters bounds the dead-letter records a broker keeps.
const maxDeadLetters = 10_000

// storeDeadLetter appends a dead-letter record; the oldest beyond the
// bound are deleted.
func (b *Broker) storeDeadLetter(ctx context.Context, val []byte) error {
	_, err := b.st.Append(ctx, storage.Add{List: deadLetters, Value: val, Bound: storage.Bound{Max: int(b.maxDeadLetters.Load())}})
	return err
}
