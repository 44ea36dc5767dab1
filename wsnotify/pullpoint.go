package wsnotify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
)

// Pull points (WS-BaseNotification 1.3, 5: CreatePullPoint, GetMessages,
// DestroyPullPoint, and Notify into the pull point). A pull point's EPR can
// be the ConsumerReference of a subscription; its messages are stored in
// the pull point's list (listPullPoint) until GetMessages takes them, at
// most MaxPullPointMessages: a message for a full pull point is dropped
// and counted.

type ppRecord struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
}

type ppItem struct {
	pp   string
	data []byte
	held *subscription // non-nil: for this subscription, paused when published
}

// current is a topic's new current message.
type current struct {
	topic   string // topic.Path.String
	payload []byte
}

// writeBatch is what one Notify persists: current messages, durable
// subscriptions' deliveries and pull-point messages.
type writeBatch struct {
	current []current
	curIdx  map[string]int // topic -> index in current
	durable []queueing.Message
	tooBig  []deadLetter // durable deliveries over Durable.MaxMessageBytes
	mark    string       // the Notify's delivery id, when a WS-RM sequence brought it (publish.go)
	pp      []ppItem
}

// setCurrent makes payload the current message of topic t in wb: the last
// message of a topic in one Notify is its current one, stored once.
func (wb *writeBatch) setCurrent(t string, payload []byte) {
	if i, ok := wb.curIdx[t]; ok {
		wb.current[i].payload = payload
		return
	}
	if wb.curIdx == nil {
		wb.curIdx = map[string]int{}
	}
	wb.curIdx[t] = len(wb.current)
	wb.current = append(wb.current, current{t, payload})
}

// writeBatch stores wb: the current messages, the pull-point and held
// messages in one Append, the dead letters of durable deliveries too
// large, then the durable deliveries with the mark in one synced Append.
// The mark goes last: a Notify handed over again after a failure (a
// crash) between two of these writes is not taken for published
// (publish.go), and whatever was not written gets it then.
func (b *Broker) writeBatch(ctx context.Context, wb *writeBatch) error {
	for _, c := range wb.current {
		if _, err := b.st.Put(ctx, kindCurrent, c.topic, c.payload); err != nil {
			return fmt.Errorf("storing the current message of %s: %w", c.topic, err)
		}
	}
	if err := b.writePullPoints(ctx, wb.pp); err != nil {
		return err
	}
	if err := b.storeTooBig(ctx, wb.tooBig); err != nil {
		return err
	}
	return b.appendDurable(ctx, wb)
}

// writePullPoints stores the pull-point and held messages of a Notify.
func (b *Broker) writePullPoints(ctx context.Context, pp []ppItem) error {
	if len(pp) == 0 {
		return nil
	}
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	var adds []storage.Add
	for _, it := range pp {
		if s := it.held; s != nil {
			b.mu.RLock()
			gone, paused := s.gone, s.rec.Paused
			b.mu.RUnlock()
			if gone {
				continue
			}
			if paused {
				adds = append(adds, b.holdAdd(s, it.data))
				continue
			}
			// resumed since it was published: into the pull point
		}
		adds = b.appendPPAdd(adds, it.pp, it.data)
	}
	if err := b.appendLocked(ctx, adds); err != nil {
		return fmt.Errorf("storing notifications: %w", err)
	}
	return nil
}

// appendPPAdd appends to adds the storing of data in pull point id,
// unless the pull point is gone (the message is dropped and counted).
func (b *Broker) appendPPAdd(adds []storage.Add, id string, data []byte) []storage.Add {
	b.mu.RLock()
	_, ok := b.pps[id]
	b.mu.RUnlock()
	if !ok {
		b.metrics.dropped.Inc()
		return adds
	}
	return append(adds, storage.Add{
		List: storage.List{Kind: listPullPoint, ID: id}, Value: data,
		Bound: storage.Bound{Max: b.cfg.MaxPullPointMessages, DropNew: true},
	})
}

// appendLocked appends adds and counts what their bounds dropped. Once the
// write is stored, each message kept is counted as delivered: a pull point
// is the consumer it was delivered to (WS-BaseNotification 1.3, 5). b.ppMu
// must be held.
func (b *Broker) appendLocked(ctx context.Context, adds []storage.Add) error {
	if len(adds) == 0 {
		return nil
	}
	dropped, err := b.st.Append(ctx, adds...)
	b.metrics.dropped.Add(float64(dropped))
	if err == nil {
		b.metrics.delivered.Add(float64(len(adds) - dropped))
	}
	return err
}

func (b *Broker) lookupPP(req *request) (*ppRecord, error) {
	b.mu.RLock()
	pp := b.pps[req.id]
	b.mu.RUnlock()
	if pp == nil {
		return nil, wsnFault(fResourceUnknown, req.now, "no such pull point", "")
	}
	return pp, nil
}

func (b *Broker) createPullPointOp(req *request) (string, []byte, error) {
	rec := ppRecord{ID: newID(), Created: req.now}
	b.mu.Lock()
	if len(b.pps) >= b.cfg.MaxPullPoints {
		b.mu.Unlock()
		return "", nil, wsnFault(fUnableToCreatePullPoint, req.now, fmt.Sprintf("the broker holds its maximum of %d pull points", b.cfg.MaxPullPoints), "")
	}
	b.pps[rec.ID] = &rec
	b.mu.Unlock()
	if _, err := createJSON(req.storeCtx(), b.st, kindPullPoint, rec.ID, rec); err != nil {
		b.mu.Lock()
		delete(b.pps, rec.ID)
		b.mu.Unlock()
		f := wsnFault(fUnableToCreatePullPoint, req.now, "storing the pull point failed", "")
		f.Cause = err
		return "", nil, f
	}
	body := "<wsnt:CreatePullPointResponse>" + eprXML("wsnt:PullPoint", b.url(pathPullPoints+rec.ID)) + "</wsnt:CreatePullPointResponse>"
	return actCreatePullPointResp, []byte(body), nil
}

// getMessagesOp takes up to MaximumNumber messages, oldest first (5.2).
func (b *Broker) getMessagesOp(req *request) (string, []byte, error) {
	pp, err := b.lookupPP(req)
	if err != nil {
		return "", nil, err
	}
	max := b.cfg.MaxPullPointMessages
	if m := req.msg.Payload.Child(NSB, "MaximumNumber"); m.Valid() {
		n, err := strconv.Atoi(strings.TrimSpace(m.Text()))
		if err != nil || n < 0 {
			f := wsnFault(fUnableToGetMessages, req.now, "MaximumNumber must be a non-negative integer", "")
			f.Code = soap.CodeSender
			return "", nil, f
		}
		if n > 0 && n < max { // 0: no limit beyond the broker's (b-2.xsd leaves it open)
			max = n
		}
	}
	msgs, err := b.takeMessages(req.storeCtx(), pp.ID, max)
	if err != nil {
		f := wsnFault(fUnableToGetMessages, req.now, "reading the pull point failed", "")
		f.Cause = err
		return "", nil, f
	}
	var w bytes.Buffer
	w.WriteString("<wsnt:GetMessagesResponse>")
	for _, m := range msgs {
		w.Write(m)
	}
	w.WriteString("</wsnt:GetMessagesResponse>")
	return actGetMessagesResp, w.Bytes(), nil
}

// takeMessages removes and returns up to max messages of pull point id,
// oldest first, as many as fit the configured message size
// (Limits.MaxBytes), at least one: the reply stays within what the broker
// itself would accept.
func (b *Broker) takeMessages(ctx context.Context, id string, max int) ([][]byte, error) {
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	l := storage.List{Kind: listPullPoint, ID: id}
	entries, err := b.st.Read(ctx, l, max, b.cfg.Limits.WithDefaults().MaxBytes)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	if err := b.st.DeleteThrough(ctx, l, entries[len(entries)-1].Seq); err != nil {
		return nil, err
	}
	msgs := make([][]byte, len(entries))
	for i, e := range entries {
		msgs[i] = e.Value
	}
	return msgs, nil
}

func (b *Broker) destroyPullPointOp(req *request) (string, []byte, error) {
	if _, err := b.lookupPP(req); err != nil {
		return "", nil, err
	}
	if err := b.destroyPullPoint(req.storeCtx(), req.id); err != nil {
		f := wsnFault(fUnableToDestroyPullPoint, req.now, "deleting the pull point failed", "")
		f.Cause = err
		return "", nil, f
	}
	return actDestroyPPResp, []byte("<wsnt:DestroyPullPointResponse/>"), nil
}

// destroyPullPoint deletes pull point id, its messages and the
// subscriptions that deliver to it.
func (b *Broker) destroyPullPoint(ctx context.Context, id string) error {
	b.mu.Lock()
	delete(b.pps, id)
	var subs []string
	for sid, s := range b.subs {
		if s.rec.PullPoint == id {
			subs = append(subs, sid)
		}
	}
	b.mu.Unlock()
	for _, sid := range subs {
		if err := b.deleteSub(ctx, sid, 0); err != nil {
			return err
		}
	}
	if err := b.st.Delete(ctx, kindPullPoint, id, 0); err != nil {
		return err
	}
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	return b.st.Drop(ctx, storage.List{Kind: listPullPoint, ID: id})
}

// pullPointNotifyOp stores each NotificationMessage of a Notify sent to the
// pull point itself (5.1: a pull point is a NotificationConsumer).
func (b *Broker) pullPointNotifyOp(req *request) (string, []byte, error) {
	if _, err := b.lookupPP(req); err != nil {
		return "", nil, err
	}
	ns, err := b.parseNotify(req)
	if err != nil {
		return "", nil, err
	}
	var wb writeBatch
	for _, n := range ns {
		data := append(append([]byte("<wsnt:NotificationMessage>"), n.msg.Wrapped...), "</wsnt:NotificationMessage>"...)
		wb.pp = append(wb.pp, ppItem{pp: req.id, data: data})
	}
	return "", nil, b.writeBatch(req.storeCtx(), &wb)
}

// loadPullPoints loads the pull points and drops the message lists of
// pull points that are gone (a crash between DestroyPullPoint's deletes).
// b.mu must be held (Open).
func (b *Broker) loadPullPoints(ctx context.Context) error {
	err := b.st.Scan(ctx, kindPullPoint, func(r storage.Record) error {
		var rec ppRecord
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			return fmt.Errorf("decoding pull point %s: %w", r.Key, err)
		}
		b.pps[r.Key] = &rec
		return nil
	})
	if err != nil {
		return err
	}
	return b.dropStaleLists(ctx, listPullPoint, func(id string) bool { return b.pps[id] != nil })
}

// dropStaleLists drops the lists of kind whose owner is gone (!live).
// (choice) Not on a shared store: another node may have made the owner
// since this one loaded, and whoever deletes an owner drops its list; what
// a node killed between the two deletes leaves stays (bounded) garbage.
func (b *Broker) dropStaleLists(ctx context.Context, kind string, live func(id string) bool) error {
	if b.cluster != nil {
		return nil
	}
	var stale []string
	err := b.st.IDs(ctx, kind, func(id string) error {
		if !live(id) {
			stale = append(stale, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range stale {
		if err := b.st.Drop(ctx, storage.List{Kind: kind, ID: id}); err != nil {
			return err
		}
	}
	return nil
}
