package wsnotify

import (
	"context"
	"fmt"

	"github.com/wsgw/wsgw/storage"
)

// A paused subscription whose consumer is a pull point keeps what is
// published for it until Resume (WS-BaseNotification 1.3, 6.3: push
// subscriptions keep theirs in the dispatcher's paused queue). The
// messages are stored in a list of their own (listHeld) like the pull
// point's, so that a restart loses none, at most Delivery.PausedLen, the
// oldest dropped first; Resume moves them into the pull point in order.

func heldList(sub string) storage.List { return storage.List{Kind: listHeld, ID: sub} }

// holdAdd is the storing of data for paused subscription s.
func (b *Broker) holdAdd(s *subscription, data []byte) storage.Add {
	return storage.Add{List: heldList(s.rec.ID), Value: data, Bound: storage.Bound{Max: b.cfg.Delivery.PausedLen}}
}

// releaseHeld moves what s kept while paused into its pull point, in
// order. A notification published while Resume runs may reach the pull
// point just before the held ones. A crash between the append and the
// delete leaves the held messages to be moved again (at least once).
func (b *Broker) releaseHeld(ctx context.Context, s *subscription) error {
	if s.rec.PullPoint == "" {
		return nil
	}
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	l := heldList(s.rec.ID)
	held, err := b.st.Read(ctx, l, 0, 0) // at most PausedLen
	if err != nil || len(held) == 0 {
		return err
	}
	var adds []storage.Add
	for _, e := range held {
		adds = b.appendPPAdd(adds, s.rec.PullPoint, e.Value)
	}
	if err := b.appendLocked(ctx, adds); err != nil {
		return fmt.Errorf("releasing held messages: %w", err)
	}
	if err := b.st.DeleteThrough(ctx, l, held[len(held)-1].Seq); err != nil {
		return fmt.Errorf("releasing held messages: %w", err)
	}
	return nil
}

// deleteHeld deletes what subscription id kept (it was removed).
func (b *Broker) deleteHeld(ctx context.Context, id string) error {
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	return b.st.Drop(ctx, heldList(id))
}

// loadHeld drops what removed subscriptions kept (a crash between the two
// deletes of deleteSub). b.mu must be held (Open).
func (b *Broker) loadHeld(ctx context.Context) error {
	return b.dropStaleLists(ctx, listHeld, func(id string) bool {
		s := b.subs[id]
		return s != nil && s.rec.PullPoint != ""
	})
}
