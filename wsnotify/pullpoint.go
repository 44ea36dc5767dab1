package wsnotify

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/wsgw/wsgw/soap"
)

// Pull points (WS-BaseNotification 1.3, 5: CreatePullPoint, GetMessages,
// DestroyPullPoint, and Notify into the pull point). A pull point's EPR can
// be the ConsumerReference of a subscription; its messages are stored in
// badger until GetMessages takes them.

type ppRecord struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
}

type pullPoint struct {
	rec   ppRecord
	next  uint64 // next sequence number; guarded by Broker.ppMu
	count int    // stored messages; guarded by Broker.ppMu
}

type kv struct {
	kind, id string
	val      []byte
}

type ppItem struct {
	pp   string
	data []byte
	held *subscription // non-nil: for this subscription, paused when published
}

// writeBatch is what one Notify persists: current messages and pull-point
// messages, written in one transaction.
type writeBatch struct {
	current []kv
	pp      []ppItem
}

func (b *Broker) writeBatch(wb *writeBatch) error {
	if len(wb.current) == 0 && len(wb.pp) == 0 {
		return nil
	}
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	w := newTxnWriter(b.st.db)
	defer w.discard()
	err := func() error {
		for _, c := range wb.current {
			if err := w.set(b.st.key(c.kind, c.id), c.val, nil); err != nil {
				return err
			}
		}
		for _, it := range wb.pp {
			if s := it.held; s != nil {
				b.mu.RLock()
				gone, paused := s.gone, s.rec.Paused
				b.mu.RUnlock()
				if gone {
					continue
				}
				if paused {
					if err := b.holdLocked(w, s, it.data); err != nil {
						return err
					}
					continue
				}
				// resumed since it was published: into the pull point
			}
			if err := b.appendLocked(w, it.pp, it.data); err != nil {
				return err
			}
		}
		return w.commit()
	}()
	if err != nil {
		w.rollback()
		return fmt.Errorf("storing notifications: %w", err)
	}
	return nil
}

// appendLocked adds data to pull point id, unless it is gone or full (the
// message is dropped and counted). Once the write commits, the message is
// counted as delivered: a pull point is the consumer it was delivered to
// (WS-BaseNotification 1.3, 5). b.ppMu must be held.
func (b *Broker) appendLocked(w *txnWriter, id string, data []byte) error {
	b.mu.RLock()
	pp := b.pps[id]
	b.mu.RUnlock()
	if pp == nil || pp.count >= b.cfg.MaxPullPointMessages {
		b.metrics.dropped.Inc()
		return nil
	}
	if err := w.set(b.st.ppmKey(id, pp.next), data, func() { pp.count-- }); err != nil {
		return err
	}
	w.afterCommit(b.metrics.delivered.Inc)
	pp.next++
	pp.count++
	return nil
}

// txnWriter writes through badger transactions, committing and going on in
// a new one when badger says the transaction is full: a Notify within the
// request limits can exceed one (messages times pull points, plus current
// messages). The in-memory changes of writes not committed are undone by
// their undo functions.
type txnWriter struct {
	db   *badger.DB
	txn  *badger.Txn
	undo []func() // of the writes in txn, in order
	done []func() // to run once txn has committed
}

func newTxnWriter(db *badger.DB) *txnWriter {
	return &txnWriter{db: db, txn: db.NewTransaction(true)}
}

func (w *txnWriter) do(op func(*badger.Txn) error, undo func()) error {
	err := op(w.txn)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := w.commit(); err != nil {
			return err
		}
		w.txn = w.db.NewTransaction(true)
		err = op(w.txn)
	}
	if err == nil && undo != nil {
		w.undo = append(w.undo, undo)
	}
	return err
}

func (w *txnWriter) set(k, v []byte, undo func()) error {
	return w.do(func(t *badger.Txn) error { return t.Set(k, v) }, undo)
}

func (w *txnWriter) delete(k []byte, undo func()) error {
	return w.do(func(t *badger.Txn) error { return t.Delete(k) }, undo)
}

// afterCommit runs fn once the current transaction has committed, and
// never if it does not.
func (w *txnWriter) afterCommit(fn func()) { w.done = append(w.done, fn) }

// commit commits the current transaction; on failure its writes' changes
// are undone.
func (w *txnWriter) commit() error {
	err := w.txn.Commit()
	if err != nil {
		w.rollback()
		return err
	}
	for _, fn := range w.done {
		fn()
	}
	w.undo, w.done = w.undo[:0], w.done[:0]
	return nil
}

// rollback undoes the changes of the writes not committed, newest first.
func (w *txnWriter) rollback() {
	for i := len(w.undo) - 1; i >= 0; i-- {
		w.undo[i]()
	}
	w.undo, w.done = w.undo[:0], w.done[:0]
}

func (w *txnWriter) discard() { w.txn.Discard() }

func (b *Broker) lookupPP(req *request) (*pullPoint, error) {
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
	b.pps[rec.ID] = &pullPoint{rec: rec}
	b.mu.Unlock()
	if err := b.st.put("pp", rec.ID, rec); err != nil {
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
	msgs, err := b.takeMessages(pp, max)
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

// takeMessages removes and returns up to max messages of pp, oldest first,
// as many as fit the configured message size (Limits.MaxBytes), at least
// one: the reply stays within what the broker itself would accept.
func (b *Broker) takeMessages(pp *pullPoint, max int) ([][]byte, error) {
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	limit, used := b.cfg.Limits.WithDefaults().MaxBytes, int64(0)
	var msgs [][]byte
	err := b.st.db.Update(func(txn *badger.Txn) error {
		pfx := b.st.ppmPrefix(pp.rec.ID)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(msgs) < max; it.Next() {
			size := int64(it.Item().ValueSize())
			if len(msgs) > 0 && limit >= 0 && used+size > limit {
				break
			}
			used += size
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := txn.Delete(it.Item().KeyCopy(nil)); err != nil {
				return err
			}
			msgs = append(msgs, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pp.count -= len(msgs)
	return msgs, nil
}

func (b *Broker) destroyPullPointOp(req *request) (string, []byte, error) {
	if _, err := b.lookupPP(req); err != nil {
		return "", nil, err
	}
	if err := b.destroyPullPoint(req.id); err != nil {
		f := wsnFault(fUnableToDestroyPullPoint, req.now, "deleting the pull point failed", "")
		f.Cause = err
		return "", nil, f
	}
	return actDestroyPPResp, []byte("<wsnt:DestroyPullPointResponse/>"), nil
}

// destroyPullPoint deletes pull point id, its messages and the
// subscriptions that deliver to it.
func (b *Broker) destroyPullPoint(id string) error {
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
		if err := b.deleteSub(sid); err != nil {
			return err
		}
	}
	if err := b.st.delete("pp", id); err != nil {
		return err
	}
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	return b.st.deletePrefix(b.st.ppmPrefix(id))
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
	return "", nil, b.writeBatch(&wb)
}

// loadPullPoints loads pull points with their message counts and next
// sequence numbers.
func (b *Broker) loadPullPoints() error {
	err := b.st.scan("pp", func(id string, val []byte) error {
		var rec ppRecord
		if err := json.Unmarshal(val, &rec); err != nil {
			return fmt.Errorf("decoding pull point %s: %w", id, err)
		}
		b.pps[id] = &pullPoint{rec: rec}
		return nil
	})
	if err != nil {
		return err
	}
	for id, pp := range b.pps {
		pfx := b.st.ppmPrefix(id)
		err := b.st.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				k := it.Item().Key()
				pp.count++
				pp.next = binary.BigEndian.Uint64(k[len(pfx):]) + 1
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
