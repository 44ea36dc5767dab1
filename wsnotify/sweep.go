package wsnotify

// sweep removes subscriptions and registrations past their termination
// time (WS-BaseNotification 1.3, 6.1: a subscription ends at its
// TerminationTime), with their delivery queues, and retries demand
// reconciliation.
func (b *Broker) sweep() {
	now := b.now()
	var subs, regs []string
	b.mu.RLock()
	for id, s := range b.subs {
		if !s.rec.Termination.After(now) {
			subs = append(subs, id)
		}
	}
	for id, r := range b.regs {
		if !r.rec.Termination.After(now) {
			regs = append(regs, id)
		}
	}
	b.mu.RUnlock()
	for _, id := range subs {
		if err := b.deleteSub(id); err != nil {
			b.log.Error("wsnotify: deleting expired subscription", "id", id, "err", err)
			continue
		}
		b.metrics.expired.Inc()
	}
	for _, id := range regs {
		if err := b.deleteReg(id); err != nil {
			b.log.Error("wsnotify: deleting expired registration", "id", id, "err", err)
		}
	}
	b.kickDemand()
}

// load restores the persisted state (Open).
func (b *Broker) load() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.loadPullPoints(); err != nil {
		return err
	}
	if err := b.loadTopics(); err != nil {
		return err
	}
	if err := b.loadSubs(); err != nil {
		return err
	}
	if err := b.loadHeld(); err != nil {
		return err
	}
	if err := b.countDeadLetters(); err != nil {
		return err
	}
	if err := b.loadOrphans(); err != nil {
		return err
	}
	return b.loadRegs()
}
