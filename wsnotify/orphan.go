package wsnotify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/storage"
)

// The broker's subscriptions at a demand-based publisher outlive the
// registration that made them until the publisher acknowledges their
// Unsubscribe (WS-BaseNotification 1.3, 6.2). They are stored under
// orphan/{registration}-{random id}, so that a publisher that is down when the
// registration ends, or a restart, does not leave them behind; the
// reconciler retries on every sweep, for at most orphanRetention (or until
// their TerminationTime at the publisher).

// orphanRetention bounds how long the broker keeps trying to end a
// publisher subscription.
const orphanRetention = 24 * time.Hour

// orphan is a stored publisher subscription to end.
type orphan struct {
	Key   string    `json:"-"`
	Sub   pubSub    `json:"sub"`
	Since time.Time `json:"since"`
}

// addOrphans stores the publisher subscriptions of registration reg for
// ending and wakes the reconciler.
func (b *Broker) addOrphans(ctx context.Context, reg string, pss []pubSub) error {
	if len(pss) == 0 {
		return nil
	}
	now := b.now()
	var list []orphan
	for _, ps := range pss {
		o := orphan{Key: reg + "-" + newID(), Sub: ps, Since: now}
		if _, err := createJSON(ctx, b.st, kindOrphan, o.Key, o); err != nil {
			return fmt.Errorf("storing a publisher subscription to end: %w", err)
		}
		list = append(list, o)
	}
	b.mu.Lock()
	b.orphans = append(b.orphans, list...)
	b.mu.Unlock()
	b.kickDemand()
	return nil
}

// endOrphans unsubscribes each orphan; those the publisher did not
// acknowledge are kept for the next round, until they expire (or the
// egress policy refuses their address).
func (b *Broker) endOrphans(ctx context.Context, list []orphan) {
	var retry []orphan
	for _, o := range list {
		now := b.now()
		expired := now.Sub(o.Since) > orphanRetention || !o.Sub.Termination.IsZero() && !o.Sub.Termination.After(now)
		if !expired {
			err := b.pubSubCall(ctx, o.Sub.Manager, actUnsubscribeReq, "<wsnt:Unsubscribe/>")
			if err != nil && (ctx.Err() != nil || !errors.Is(err, egress.ErrRefused)) {
				retry = append(retry, o)
				continue
			}
		}
		if err := b.st.Delete(context.WithoutCancel(ctx), kindOrphan, o.Key, 0); err != nil {
			b.log.Error("wsnotify: deleting an ended publisher subscription", "key", o.Key, "err", err)
		}
	}
	if len(retry) > 0 {
		b.mu.Lock()
		b.orphans = append(b.orphans, retry...)
		b.mu.Unlock()
	}
}

// loadOrphans loads the publisher subscriptions still to end. b.mu must be
// held (Open).
func (b *Broker) loadOrphans(ctx context.Context) error {
	return b.st.Scan(ctx, kindOrphan, func(r storage.Record) error {
		var o orphan
		if err := json.Unmarshal(r.Value, &o); err != nil {
			return fmt.Errorf("decoding orphan %s: %w", strconv.Quote(r.Key), err)
		}
		o.Key = r.Key
		b.orphans = append(b.orphans, o)
		return nil
	})
}
