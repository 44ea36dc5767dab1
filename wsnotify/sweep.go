package wsnotify

import "context"

// sweep removes subscriptions and registrations past their termination
// time (WS-BaseNotification 1.3, 6.1: a subscription ends at its
// TerminationTime), with their delivery queues, and pull points past
// their lifetime or idle timeout, with their messages, and retries demand
// reconciliation.
func (b *Broker) sweep(ctx context.Context) {
	now := b.now()
	var subs []*subscription
	var regs, pps []string
	b.mu.RLock()
	for id, pp := range b.pps {
		if !b.endsAt(pp).After(now) {
			pps = append(pps, id)
		}
	}
	for _, s := range b.subs {
		if !s.rec.Termination.After(now) {
			subs = append(subs, s)
		}
	}
	for id, r := range b.regs {
		if !r.rec.Termination.After(now) {
			regs = append(regs, id)
		}
	}
	b.mu.RUnlock()
	// The sweep's deletes are not abandoned half-way when Run ends.
	ctx = context.WithoutCancel(ctx)
	for _, s := range subs {
		b.mu.RLock()
		id, rev := s.rec.ID, s.rev
		b.mu.RUnlock()
		if err := b.deleteSub(ctx, id, rev); err != nil {
			b.log.Error("wsnotify: deleting expired subscription", "id", id, "err", err)
			continue
		}
		b.metrics.expired.Inc()
	}
	for _, id := range regs {
		if err := b.deleteReg(ctx, id); err != nil {
			b.log.Error("wsnotify: deleting expired registration", "id", id, "err", err)
		}
	}
	for _, id := range pps {
		if err := b.expirePullPoint(ctx, id, now); err != nil {
			b.log.Error("wsnotify: deleting expired pull point", "id", id, "err", err)
		}
	}
	b.moveDeadLetters(ctx)
	b.sweepChannels(ctx)
	b.kickDemand()
}

// load restores the persisted state (Open).
func (b *Broker) load(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, load := range []func(context.Context) error{
		b.loadPullPoints, b.loadTopics, b.loadSubs, b.loadHeld, b.loadDurable, b.loadOrphans, b.loadRegs, b.loadChannels,
	} {
		if err := load(ctx); err != nil {
			return err
		}
	}
	return nil
}
