package wsnotify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
)

// Pull points (WS-BaseNotification 1.3, 5: CreatePullPoint, GetMessages,
// DestroyPullPoint, and Notify into the pull point). A pull point's EPR can
// be the ConsumerReference of a subscription; its messages are stored in
// the pull point's list (listPullPoint) until GetMessages takes them, at
// most MaxPullPointMessages: a message for a full pull point is dropped
// and counted. A pull point has no termination time a client could set
// or renew: it ends PullPointLifetime after its creation, or once nobody
// took its messages for PullPointIdleTimeout (swept, also after a
// restart).

// ppRecord is a pull point; its fields other than seen and rev are
// persisted, and guarded by Broker.mu once it is live.
type ppRecord struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Caller created it (MaxPullPointsPerCaller).
	Caller caller.ID `json:"caller,omitempty"`
	// Used is when its messages were last taken, as stored: it lags
	// seen by less than a quarter of PullPointIdleTimeout (touchPP).
	Used time.Time `json:"used,omitzero"`

	seen time.Time // when its messages were last taken
	rev  uint64    // the stored record's revision
}

// endsAt is when pp ends (b.mu held): its lifetime, or its idle timeout
// after it was last used.
func (b *Broker) endsAt(pp *ppRecord) time.Time {
	last := pp.Created
	for _, t := range []time.Time{pp.Used, pp.seen} {
		if t.After(last) {
			last = t
		}
	}
	return minTime(pp.Created.Add(b.cfg.PullPointLifetime), last.Add(b.cfg.PullPointIdleTimeout))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// touchPP records that pp's messages were taken at now, and stores it
// when the stored time is a quarter of the idle timeout old: the idle
// timeout holds after a restart without a write per GetMessages. A
// record changed or deleted meanwhile is left as it is.
func (b *Broker) touchPP(ctx context.Context, pp *ppRecord, now time.Time) {
	b.mu.Lock()
	pp.seen = now
	stored := pp.Used
	if stored.IsZero() {
		stored = pp.Created
	}
	if now.Sub(stored) < b.cfg.PullPointIdleTimeout/4 {
		b.mu.Unlock()
		return
	}
	rec := *pp
	rec.Used = now
	b.mu.Unlock()
	rev, err := updateJSON(ctx, b.st, kindPullPoint, rec.ID, rec, rec.rev)
	if err != nil {
		b.log.Debug("wsnotify: storing a pull point's last use", "id", rec.ID, "err", err)
		return
	}
	b.mu.Lock()
	if pp.rev == rec.rev {
		pp.Used, pp.rev = now, rev
	}
	b.mu.Unlock()
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

// lookupPP returns the live pull point of the request's path, or
// ResourceUnknownFault (also for one past its end, not swept yet).
func (b *Broker) lookupPP(req *request) (*ppRecord, error) {
	b.mu.RLock()
	pp := b.pps[req.id]
	live := pp != nil && b.endsAt(pp).After(req.now)
	b.mu.RUnlock()
	if !live {
		return nil, wsnFault(fResourceUnknown, req.now, "no such pull point", "")
	}
	return pp, nil
}

func (b *Broker) createPullPointOp(req *request) (string, []byte, error) {
	rec := &ppRecord{ID: newID(), Created: req.now, Caller: req.caller}
	b.mu.Lock()
	switch {
	case len(b.pps) >= b.cfg.MaxPullPoints:
		b.mu.Unlock()
		return "", nil, wsnFault(fUnableToCreatePullPoint, req.now, fmt.Sprintf("the broker holds its maximum of %d pull points", b.cfg.MaxPullPoints), "")
	case b.callers.pps.Full(rec.Caller, b.cfg.MaxPullPointsPerCaller):
		b.mu.Unlock()
		f := wsnFault(fUnableToCreatePullPoint, req.now, fmt.Sprintf("the caller holds its maximum of %d pull points", b.cfg.MaxPullPointsPerCaller), "")
		f.Code = soap.CodeSender // the caller's doing, not the broker's
		return "", nil, f
	}
	b.addPPLocked(rec)
	stored := *rec
	b.mu.Unlock()
	rev, err := createJSON(req.storeCtx(), b.st, kindPullPoint, rec.ID, stored)
	if err != nil {
		b.mu.Lock()
		b.removePPLocked(rec.ID)
		b.mu.Unlock()
		f := wsnFault(fUnableToCreatePullPoint, req.now, "storing the pull point failed", "")
		f.Cause = err
		return "", nil, f
	}
	b.mu.Lock()
	rec.rev = rev
	b.mu.Unlock()
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
	b.touchPP(req.storeCtx(), pp, req.now)
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

// expirePullPoint destroys pull point id if it has ended by now: its
// record is deleted only if it is still the revision seen, so that a use
// meanwhile (touchPP, here or on another node sharing the store) wins and
// is loaded back.
func (b *Broker) expirePullPoint(ctx context.Context, id string, now time.Time) error {
	b.mu.RLock()
	pp := b.pps[id]
	due := pp != nil && !b.endsAt(pp).After(now)
	var rev uint64
	if due {
		rev = pp.rev
	}
	b.mu.RUnlock()
	if !due {
		return nil
	}
	err := b.st.Delete(ctx, kindPullPoint, id, rev)
	if errors.Is(err, storage.ErrConflict) {
		r, err := b.st.Get(ctx, kindPullPoint, id)
		if err != nil {
			return err
		}
		b.syncPP(r)
		return nil
	}
	if err != nil {
		return err
	}
	return b.destroyPullPoint(ctx, id)
}

// syncPP makes the stored record r of a pull point the one in memory.
func (b *Broker) syncPP(r storage.Record) {
	rec := &ppRecord{}
	if err := json.Unmarshal(r.Value, rec); err != nil {
		b.log.Error("wsnotify: decoding pull point", "id", r.Key, "err", err)
		return
	}
	rec.ID, rec.rev = r.Key, r.Rev
	b.mu.Lock()
	defer b.mu.Unlock()
	if cur := b.pps[r.Key]; cur != nil {
		cur.Used, cur.rev = rec.Used, rec.rev
		return
	}
	b.addPPLocked(rec)
}

// destroyPullPoint deletes pull point id, its messages and the
// subscriptions that deliver to it.
func (b *Broker) destroyPullPoint(ctx context.Context, id string) error {
	b.mu.Lock()
	b.removePPLocked(id)
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
		rec := &ppRecord{}
		if err := json.Unmarshal(r.Value, rec); err != nil {
			return fmt.Errorf("decoding pull point %s: %w", r.Key, err)
		}
		rec.ID, rec.rev = r.Key, r.Rev
		b.addPPLocked(rec)
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

// addPPLocked makes pp live, counted for its caller. b.mu must be held.
func (b *Broker) addPPLocked(pp *ppRecord) {
	b.pps[pp.ID] = pp
	b.callers.pps.Add(pp.Caller, 1)
}

// removePPLocked undoes addPPLocked. b.mu must be held.
func (b *Broker) removePPLocked(id string) {
	if pp := b.pps[id]; pp != nil {
		delete(b.pps, id)
		b.callers.pps.Add(pp.Caller, -1)
	}
}
