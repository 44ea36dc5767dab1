package wsnotify

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/delivery"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// notification is one NotificationMessage of a Notify (WS-BaseNotification
// 1.3, 3.2; b-2.xsd NotificationMessageHolderType).
type notification struct {
	topic    topic.Path
	hasTopic bool
	producer string // ProducerReference address, "" when absent
	fromSelf bool   // its SubscriptionReference is one of this broker's: a delivery come back
	// onChannel: it was sent on its topic's direct channel (by the broker,
	// or by a publisher's agent): direct subscribers have it.
	onChannel bool
	msg       *delivery.Msg
	doc       *xmldoc.Doc // the payload parsed on its own, for content filters (lazily)
	docErr    bool
}

// notifyOp is the broker's NotificationConsumer Notify (WS-BaseNotification
// 1.3, 3.2; WS-BrokeredNotification 1.3, 4): every NotificationMessage goes
// to each matching subscription. Notify is one-way: HTTP 202. A Notify the
// broker cannot read, or from an unregistered publisher when
// RequireRegistration is set, gets a Sender fault and nothing of it is
// published.
func (b *Broker) notifyOp(req *request) (string, []byte, error) {
	if b.cameBack(req) {
		return "", nil, nil
	}
	return "", nil, b.acceptNotify(req.storeCtx(), req, "")
}

// acceptNotify publishes the Notify of req (see notifyOp); mark, when not
// "", is recorded with its durable deliveries (publish.go).
func (b *Broker) acceptNotify(ctx context.Context, req *request, mark string) error {
	ns, err := b.parseNotify(req)
	if err != nil {
		return err
	}
	for _, n := range ns {
		if n.hasTopic {
			if err := b.allowTopic(req, TopicNotify, n.topic); err != nil {
				return err
			}
		}
	}
	if b.cfg.RequireRegistration {
		for _, n := range ns {
			if !b.publisherRegistered(n) {
				return wsnFault(fRegistrationRejected, req.now, "Notify from an unregistered publisher ("+truncate(n.producer, 256)+")", "")
			}
		}
	}
	ns = b.dropReturned(ns)
	b.sendOnChannels(ns)
	return b.publish(ctx, ns, req.now, mark)
}

// cameBack reports whether req is a delivery of this broker come back to
// it (a subscription whose consumer is the broker): publishing it again
// would loop.
func (b *Broker) cameBack(req *request) bool {
	if f := req.wsa.From; f != nil && f.Address == b.url(pathBroker) {
		b.log.Debug("wsnotify: a delivery of this broker came back to it; not published again")
		return true
	}
	return false
}

// dropReturned removes the messages this broker delivered that came back
// to it.
func (b *Broker) dropReturned(ns []*notification) []*notification {
	return slices.DeleteFunc(ns, func(n *notification) bool {
		if n.fromSelf {
			b.log.Debug("wsnotify: a message this broker delivered came back to it; not published again")
		}
		return n.fromSelf
	})
}

// parseNotify reads the NotificationMessages of a wsnt:Notify body.
func (b *Broker) parseNotify(req *request) ([]*notification, error) {
	var ns []*notification
	for nm := req.msg.Payload.FirstChild(); nm.Valid(); nm = nm.NextSibling() {
		if nm.Name() != bn("NotificationMessage") {
			continue // b-2.xsd: xsd:any ##other after the messages
		}
		n, err := b.parseMessage(req.raw, nm, req.now)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		return nil, soap.Sender("Notify without NotificationMessage")
	}
	return ns, nil
}

func (b *Broker) parseMessage(raw []byte, nm xmldoc.Element, now time.Time) (*notification, error) {
	n := &notification{}
	payload := nm.Child(NSB, "Message").FirstChild()
	if !payload.Valid() {
		return nil, soap.Sender("NotificationMessage without Message content")
	}
	var w bytes.Buffer
	if t := nm.Child(NSB, "Topic"); t.Valid() {
		dialect, _ := t.Attr("", "Dialect")
		e, err := topic.Parse(strings.TrimSpace(dialect), t.Text(), t.LookupNamespace)
		if err != nil {
			return nil, topicFault(err, now)
		}
		p, ok := e.Topic()
		if !ok {
			return nil, wsnFault(fMultipleTopics, now, "a NotificationMessage Topic must name one topic", "")
		}
		n.topic, n.hasTopic = p, true
		writeTopic(&w, p)
	}
	if sr := nm.Child(NSB, "SubscriptionReference"); sr.Valid() {
		// A subscription whose consumer is this broker (by whatever address
		// the egress policy allows) would otherwise publish each message
		// again, endlessly.
		addr, _ := readEPR(raw, sr)
		n.fromSelf = strings.HasPrefix(addr, b.url(pathSubscriptions))
	}
	if pr := nm.Child(NSB, "ProducerReference"); pr.Valid() {
		n.producer, _ = readEPR(raw, pr)
		w.Write(fragment(raw, pr, ""))
	}
	pl := fragment(raw, payload, "")
	w.WriteString("<wsnt:Message>")
	w.Write(pl)
	w.WriteString("</wsnt:Message>")
	n.msg = &delivery.Msg{Wrapped: w.Bytes(), Payload: pl}
	return n, nil
}

// writeTopic writes the wsnt:Topic of a concrete topic (Simple dialect for a
// root topic, Concrete otherwise; WS-Topics 1.3, 7.1-7.2).
func writeTopic(w *bytes.Buffer, p topic.Path) {
	dialect := topic.DialectConcrete
	if len(p.Names) == 1 {
		dialect = topic.DialectSimple
	}
	w.WriteString(`<wsnt:Topic Dialect="` + dialect + `"`)
	prefix := ""
	if p.Namespace != "" {
		w.WriteString(` xmlns:tns="` + esc(p.Namespace) + `"`)
		prefix = "tns:"
	}
	w.WriteString(">" + prefix + strings.Join(p.Names, "/") + "</wsnt:Topic>")
}

// publish retains each message as its topic's current message and hands it
// to every matching subscription: a delivery queue, the durable queue, or
// a pull point's store. mark, when not "", is recorded with the durable
// deliveries (publish.go).
func (b *Broker) publish(ctx context.Context, ns []*notification, now time.Time, mark string) error {
	batch := writeBatch{mark: mark}
	var ids []string
	var hb *handoffBatch
	if b.cluster != nil {
		hb = &handoffBatch{}
	}
	for _, n := range ns {
		b.metrics.notifications.Inc()
		if n.hasTopic {
			if err := b.topics.Publish(n.topic); err != nil {
				b.metrics.unsupported.Inc()
				b.log.Debug("wsnotify: message on an unsupported topic dropped", "topic", n.topic.String(), "err", err)
				continue
			}
			batch.setCurrent(n.topic.String(), n.msg.Payload)
		}
		ids = b.fanOut(n, now, ids[:0], &batch, hb)
	}
	if err := b.writeBatch(ctx, &batch); err != nil {
		return err
	}
	if hb != nil {
		return b.hand(ctx, hb)
	}
	return nil
}

// fanOut sends n to its matching subscriptions; pull-point deliveries are
// added to batch, push deliveries to hb when the broker hands them off
// (shared.go), else to their queues.
func (b *Broker) fanOut(n *notification, now time.Time, ids []string, batch *writeBatch, hb *handoffBatch) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if n.hasTopic {
		ids = b.index.AppendMatch(ids, n.topic)
	}
	for id := range b.noTopic {
		ids = append(ids, id)
	}
	for _, id := range ids {
		s := b.subs[id]
		if s == nil || !s.rec.Termination.After(now) || n.hasTopic && !b.receives(s, n.topic) || !b.filtersMatch(s, n) {
			continue
		}
		if n.onChannel && s.rec.Direct != nil {
			continue // the channel carried it to the subscriber's agent
		}
		if s.durable != nil {
			if m := durableMessage(s, n.msg, now); len(m.Body) <= b.cfg.Durable.MaxMessageBytes {
				batch.durable = append(batch.durable, m)
			} else {
				batch.tooBig = append(batch.tooBig, deadLetter{Subscription: id, Consumer: s.rec.Consumer, Reason: ReasonTooLarge,
					Error: fmt.Sprintf("durable delivery given up: %d bytes, over the %d a durable subscription keeps", len(m.Body), b.cfg.Durable.MaxMessageBytes),
					Time:  now, Messages: [][]byte{m.Body}})
			}
			continue
		}
		if s.rec.PullPoint != "" {
			it := ppItem{pp: s.rec.PullPoint, data: b.notificationMessage(id, n.msg)}
			if s.rec.Paused {
				it.held = s // kept for Resume (held.go)
			}
			batch.pp = append(batch.pp, it)
			continue
		}
		if hb != nil {
			hb.add(id, n.msg, b.cluster.Handoff.Shards())
			continue
		}
		b.disp.Enqueue(id, n.msg)
	}
	if hb != nil {
		hb.next()
	}
	return ids
}

// filtersMatch applies the MessageContent filter to the payload (the
// payload element as the context node of a document of its own, so that
// relative and absolute paths both start at it) and the ProducerProperties
// filter to the broker's resource properties (WS-BaseNotification 1.3, 4.2).
func (b *Broker) filtersMatch(s *subscription, n *notification) bool {
	if s.content != nil {
		if n.doc == nil && !n.docErr {
			doc, err := xmldoc.ParseBytes(n.msg.Payload, b.cfg.Limits)
			n.doc, n.docErr = doc, err != nil
		}
		if n.doc == nil || !s.content.match(n.doc.Root()) {
			return false
		}
	}
	if s.props != nil && !s.props.match(b.producerProperties().Root()) {
		return false
	}
	return true
}

// notificationMessage is the wsnt:NotificationMessage subscription id
// receives: its SubscriptionReference, then the shared content.
func (b *Broker) notificationMessage(id string, m *delivery.Msg) []byte {
	var w bytes.Buffer
	w.WriteString("<wsnt:NotificationMessage>")
	w.WriteString(eprXML("wsnt:SubscriptionReference", b.url(pathSubscriptions+id)))
	w.Write(m.Wrapped)
	w.WriteString("</wsnt:NotificationMessage>")
	return w.Bytes()
}
