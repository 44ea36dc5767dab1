package wsnotify

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// Demand-based publishing (WS-BrokeredNotification 1.3, 5: Demand=true).
// The broker subscribes to a demand-based publisher while at least one
// active subscription could receive its topics, and pauses that
// subscription (or, when the publisher cannot pause, unsubscribes) when
// none can. The reconciler runs in Run, after every change to
// subscriptions or registrations and on every sweep tick (which retries
// failed calls).

const demandCallTimeout = 10 * time.Second

func (b *Broker) reconcileDemand(ctx context.Context) {
	if b.cluster != nil && !b.leads(ctx) {
		return
	}
	b.mu.Lock()
	orphans := b.orphans
	b.orphans = nil
	var regs []*registration
	for _, r := range b.regs {
		if r.rec.Demand && r.rev != 0 { // rev 0: not stored yet; createReg kicks again
			regs = append(regs, r)
		}
	}
	b.mu.Unlock()
	b.endOrphans(ctx, orphans)
	for _, r := range regs {
		if ctx.Err() != nil {
			return
		}
		b.reconcileReg(ctx, r, b.hasDemand(r))
	}
}

// leads reports whether this node runs demand-based publishing among the
// nodes sharing the store. A node that takes the lead loads the orphans
// from the store: those the previous leader stored and did not end.
func (b *Broker) leads(ctx context.Context) bool {
	lead, err := b.cluster.Leader.Lead(ctx)
	if err != nil {
		b.log.Warn("wsnotify: asking for the lead", "err", err)
		return false
	}
	if lead && !b.leading {
		b.mu.Lock()
		b.orphans = nil
		err := b.loadOrphans(ctx)
		b.mu.Unlock()
		if err != nil {
			b.log.Error("wsnotify: loading orphaned publisher subscriptions", "err", err)
			return false
		}
	}
	b.leading = lead
	return lead
}

// hasDemand reports whether an active subscription may select a topic of
// r. Concrete registration topics use the topic index; wildcard ones are
// checked against every subscription (registrations are few).
func (b *Broker) hasDemand(r *registration) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	now := b.now()
	active := func(s *subscription) bool { return s != nil && !s.rec.Paused && s.rec.Termination.After(now) }
	for id := range b.noTopic {
		if active(b.subs[id]) {
			return true
		}
	}
	if len(r.topics) == 0 {
		for _, s := range b.subs {
			if active(s) {
				return true
			}
		}
		return false
	}
	for _, e := range r.topics {
		for _, p := range e.Topics() {
			for _, id := range b.index.Match(p) {
				if active(b.subs[id]) {
					return true
				}
			}
		}
		if e.Concrete() {
			continue
		}
		for _, s := range b.subs {
			if active(s) && s.topic != nil && exprsMayOverlap(e, s) {
				return true
			}
		}
	}
	return false
}

// exprsMayOverlap: a concrete subscription overlaps e when e selects one of
// its topics; two wildcard expressions are assumed to overlap.
func exprsMayOverlap(reg *topic.Expr, s *subscription) bool {
	if !s.topic.Concrete() {
		return true
	}
	for _, p := range s.topic.Topics() {
		if reg.Match(p) {
			return true
		}
	}
	return false
}

// reconcileReg moves r's publisher subscriptions towards want.
func (b *Broker) reconcileReg(ctx context.Context, r *registration, want bool) {
	b.mu.RLock()
	subs := append([]pubSub(nil), r.rec.PubSubs...)
	b.mu.RUnlock()
	subs, changed := b.keepPubSubs(ctx, r, subs, want)
	switch {
	case want && len(subs) == 0:
		subs, changed = b.subscribeToPublisher(ctx, r), true
	case want:
		for i := range subs {
			if subs[i].Paused && b.pubSubCall(ctx, subs[i].Manager, actResumeReq, "<wsnt:ResumeSubscription/>") == nil {
				subs[i].Paused, changed = false, true
			}
		}
	default:
		for i := 0; i < len(subs); i++ {
			if subs[i].Paused {
				continue
			}
			changed = true
			if b.pubSubCall(ctx, subs[i].Manager, actPauseReq, "<wsnt:PauseSubscription/>") == nil {
				subs[i].Paused = true
				continue
			}
			// cannot pause: unsubscribe (retried until acknowledged), subscribe again on demand
			if err := b.addOrphans(context.WithoutCancel(ctx), r.rec.ID, subs[i:i+1]); err != nil {
				b.log.Error("wsnotify: storing a publisher subscription to end", "registration", r.rec.ID, "err", err)
			}
			subs = append(subs[:i], subs[i+1:]...)
			i--
		}
	}
	if !changed {
		return
	}
	b.mu.Lock()
	before := r.rec.PubSubs
	r.rec.PubSubs = subs
	rec := r.rec
	_, live := b.regs[rec.ID]
	b.mu.Unlock()
	// The publisher has acted on the calls made: what they changed is
	// stored even when ctx ends meanwhile.
	sctx := context.WithoutCancel(ctx)
	if live {
		live = b.storeReg(sctx, r, rec)
	}
	if !live {
		// Deleted meanwhile: deleteReg orphaned the subscriptions it saw;
		// the ones made since must end too.
		var made []pubSub
		for _, ps := range subs {
			if !slices.ContainsFunc(before, func(o pubSub) bool { return o.Manager == ps.Manager }) {
				made = append(made, ps)
			}
		}
		if err := b.addOrphans(sctx, rec.ID, made); err != nil {
			b.log.Error("wsnotify: storing publisher subscriptions to end", "registration", rec.ID, "err", err)
		}
	}
}

// storeReg stores rec, the record of r with the reconciler's publisher
// subscriptions, conditioned on r's revision; the reconciler is the only
// writer of a live registration, so a conflict (another node) is resolved
// by writing over the stored revision. It reports false when the record
// is gone from the store (deleted meanwhile).
func (b *Broker) storeReg(ctx context.Context, r *registration, rec regRecord) bool {
	b.mu.RLock()
	rev := r.rev
	b.mu.RUnlock()
	for range maxCASAttempts {
		newRev, err := updateJSON(ctx, b.st, kindReg, rec.ID, rec, rev)
		if err == nil {
			b.mu.Lock()
			r.rev = newRev
			b.mu.Unlock()
			return true
		}
		if errors.Is(err, storage.ErrNotFound) {
			return false
		}
		if !errors.Is(err, storage.ErrConflict) {
			b.log.Error("wsnotify: storing registration", "id", rec.ID, "err", err)
			return true
		}
		stored, err := b.st.Get(ctx, kindReg, rec.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return false
		}
		if err != nil {
			b.log.Error("wsnotify: storing registration", "id", rec.ID, "err", err)
			return true
		}
		rev = stored.Rev
	}
	b.log.Error("wsnotify: storing registration", "id", rec.ID, "err", storage.ErrConflict)
	return true
}

// subscribeToPublisher subscribes the broker to r's publisher, one
// subscription per registered topic (WS-BaseNotification 1.3, 4.2).
func (b *Broker) subscribeToPublisher(ctx context.Context, r *registration) []pubSub {
	filters := []string{""}
	if len(r.rec.Topics) > 0 {
		filters = filters[:0]
		for _, t := range r.rec.Topics {
			filters = append(filters, topicExpressionXML(t))
		}
	}
	var subs []pubSub
	for _, f := range filters {
		body := "<wsnt:Subscribe>" + eprXML("wsnt:ConsumerReference", b.url(pathBroker))
		if f != "" {
			body += "<wsnt:Filter>" + f + "</wsnt:Filter>"
		}
		body += "</wsnt:Subscribe>"
		cctx, cancel := context.WithTimeout(ctx, demandCallTimeout)
		m, err := b.soapCall(cctx, r.rec.Publisher, r.rec.RefParams, actSubscribeReq, body)
		cancel()
		if err != nil {
			b.log.Warn("wsnotify: subscribing to demand-based publisher", "publisher", r.rec.Publisher, "err", err)
			continue
		}
		ref := m.Payload.Child(NSB, "SubscriptionReference")
		addr, _ := readEPR(m.Doc.Raw(), ref)
		if addr == "" {
			b.log.Warn("wsnotify: publisher's SubscribeResponse has no SubscriptionReference", "publisher", r.rec.Publisher)
			continue
		}
		ps := pubSub{Manager: addr}
		ps.Termination, _ = terminationOf(m)
		subs = append(subs, ps)
	}
	return subs
}

// keepPubSubs forgets the publisher subscriptions past the TerminationTime
// the publisher gave them (so that demand subscribes again) and, when want,
// renews those ending within demandRenewMargin up to r's own termination
// (WS-BaseNotification 1.3, 6.1 Renew).
func (b *Broker) keepPubSubs(ctx context.Context, r *registration, subs []pubSub, want bool) ([]pubSub, bool) {
	now := b.now()
	margin := max(demandRenewMargin, 4*b.cfg.SweepInterval)
	changed := false
	for i := 0; i < len(subs); i++ {
		end := subs[i].Termination
		switch {
		case end.IsZero():
		case !end.After(now):
			subs = slices.Delete(subs, i, i+1)
			i--
			changed = true
		case want && end.Sub(now) < margin && end.Before(r.rec.Termination):
			if t, err := b.renewPubSub(ctx, subs[i].Manager, r.rec.Termination); err == nil {
				subs[i].Termination, changed = t, true
			}
		}
	}
	return subs, changed
}

// demandRenewMargin: a publisher subscription is renewed when it has less
// than this left (or four sweep intervals, when longer).
const demandRenewMargin = time.Minute

// renewPubSub renews a publisher subscription until end and returns the
// TerminationTime the publisher answered.
func (b *Broker) renewPubSub(ctx context.Context, manager string, end time.Time) (time.Time, error) {
	if err := b.policy.CheckContext(ctx, manager); err != nil {
		return time.Time{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, demandCallTimeout)
	defer cancel()
	m, err := b.soapCall(cctx, manager, nil, actRenewReq, "<wsnt:Renew><wsnt:TerminationTime>"+xsdTime(end)+"</wsnt:TerminationTime></wsnt:Renew>")
	if err != nil {
		b.log.Warn("wsnotify: renewing the subscription at a demand-based publisher", "manager", manager, "err", err)
		return time.Time{}, err
	}
	if t, ok := terminationOf(m); ok {
		return t, nil
	}
	return end, nil
}

// terminationOf reads the wsnt:TerminationTime of a SubscribeResponse or
// RenewResponse.
func terminationOf(m *soap.Message) (time.Time, bool) {
	tt := m.Payload.Child(NSB, "TerminationTime")
	if !tt.Valid() {
		return time.Time{}, false
	}
	t, err := parseDateTime(strings.TrimSpace(tt.Text()))
	return t, err == nil
}

// topicExpressionXML writes a registered topic expression as a
// wsnt:TopicExpression with the namespace declarations it was written with.
func topicExpressionXML(t exprRecord) string {
	var sb strings.Builder
	sb.WriteString(`<wsnt:TopicExpression Dialect="` + esc(t.Dialect) + `"`)
	for _, p := range slices.Sorted(maps.Keys(t.NS)) {
		if p == "" {
			sb.WriteString(` xmlns="` + esc(t.NS[p]) + `"`)
		} else if p != "wsnt" {
			sb.WriteString(` xmlns:` + p + `="` + esc(t.NS[p]) + `"`)
		}
	}
	sb.WriteString(">" + esc(strings.TrimSpace(t.Expr)) + "</wsnt:TopicExpression>")
	return sb.String()
}

func (b *Broker) pubSubCall(ctx context.Context, manager, action, body string) error {
	if err := b.policy.CheckContext(ctx, manager); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, demandCallTimeout)
	defer cancel()
	_, err := b.soapCall(cctx, manager, nil, action, body)
	if err != nil {
		b.log.Warn("wsnotify: call to publisher's subscription manager", "manager", manager, "action", action, "err", err)
	}
	return err
}
