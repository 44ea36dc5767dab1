package wsnotify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// Publisher registrations (WS-BrokeredNotification 1.3, 5:
// RegisterPublisher; 6: PublisherRegistrationManager DestroyRegistration).

type regRecord struct {
	ID          string       `json:"id"`
	Publisher   string       `json:"publisher,omitempty"`
	RefParams   [][]byte     `json:"refParams,omitempty"`
	Topics      []exprRecord `json:"topics,omitempty"`
	Demand      bool         `json:"demand,omitempty"`
	Created     time.Time    `json:"created"`
	Termination time.Time    `json:"termination"`
	// Caller created the registration (MaxRegistrationsPerCaller).
	Caller caller.ID `json:"caller,omitempty"`
	// PubSubs are the broker's subscriptions at the publisher (demand-based
	// publishing), one per registered topic (one without a filter when the
	// registration names no topic).
	PubSubs []pubSub `json:"pubSubs,omitempty"`
	// Direct is what a registration that asked for the direct path was
	// granted (direct_policy.go).
	Direct *regDirect `json:"direct,omitempty"`
}

type pubSub struct {
	Manager string `json:"manager"` // SubscriptionReference address at the publisher
	Paused  bool   `json:"paused,omitempty"`
	// Termination is the publisher's TerminationTime for it (zero: none
	// given); the reconciler renews it while there is demand.
	Termination time.Time `json:"termination,omitzero"`
}

// registration is a live registration; rec.PubSubs and rev (the record's
// revision in the store) are guarded by Broker.mu and changed only by the
// demand reconciler.
type registration struct {
	rec    regRecord
	rev    uint64
	topics []*topic.Expr
}

func compileReg(rec regRecord, now time.Time) (*registration, error) {
	r := &registration{rec: rec}
	for i := range rec.Topics {
		t := &rec.Topics[i]
		e, err := topic.Parse(t.Dialect, t.Expr, t.resolver())
		if err != nil {
			return nil, topicFault(err, now)
		}
		r.topics = append(r.topics, e)
	}
	return r, nil
}

func (b *Broker) registerPublisherOp(req *request) (string, []byte, error) {
	p, now := req.msg.Payload, req.now
	rec := regRecord{ID: newID(), Created: now, Caller: req.caller}
	if pr := p.Child(NSBR, "PublisherReference"); pr.Valid() {
		rec.Publisher, rec.RefParams = readEPR(req.raw, pr)
	}
	for c := p.FirstChild(); c.Valid(); c = c.NextSibling() {
		if c.Name() == brn("Topic") {
			dialect, _ := c.Attr("", "Dialect")
			rec.Topics = append(rec.Topics, exprRecord{Dialect: strings.TrimSpace(dialect), Expr: c.Text(), NS: c.InScopeNamespaces()})
		}
	}
	if d := p.Child(NSBR, "Demand"); d.Valid() {
		v := strings.TrimSpace(d.Text())
		rec.Demand = v == "true" || v == "1"
	}
	var err error
	if rec.Termination, err = b.termination(p.Child(NSBR, "InitialTerminationTime"), now, fUnacceptableInitialTime); err != nil {
		return "", nil, err
	}
	dreq, err := b.readRegDirect(p, now)
	if err != nil {
		return "", nil, err
	}
	r, err := compileReg(rec, now)
	if err != nil {
		return "", nil, err
	}
	for _, e := range r.topics {
		if err := b.topics.CheckSubscribe(e); err != nil {
			return "", nil, topicFault(err, now)
		}
		if p, ok := e.Topic(); ok {
			if err := b.allowTopic(req, TopicNotify, p); err != nil {
				return "", nil, err
			}
		}
	}
	if err := b.checkPublisher(req, &r.rec); err != nil {
		return "", nil, err
	}
	if dreq != nil {
		release, err := b.grantRegDirect(req.storeCtx(), dreq, r, now)
		if err != nil {
			return "", nil, err
		}
		defer release()
	}
	if err := b.createReg(req.storeCtx(), r, now); err != nil {
		return "", nil, err
	}
	body := "<wsn-br:RegisterPublisherResponse>" +
		eprXML("wsn-br:PublisherRegistrationReference", b.url(pathRegistrations+rec.ID)) +
		b.registrationConsumerXML(&r.rec) + "</wsn-br:RegisterPublisherResponse>"
	return actRegisterResp, []byte(body), nil
}

// checkPublisher: demand-based publishing needs a publisher the broker may
// send to (the egress policy).
func (b *Broker) checkPublisher(req *request, rec *regRecord) error {
	if !rec.Demand {
		return nil
	}
	if rec.Publisher == "" {
		return wsnFault(fRegistrationRejected, req.now, "Demand needs a PublisherReference", "")
	}
	if err := b.policy.CheckContext(req.r.Context(), rec.Publisher); err != nil {
		return wsnFault(fRegistrationRejected, req.now, "publisher not allowed: "+err.Error(), "")
	}
	return nil
}

func (b *Broker) createReg(ctx context.Context, r *registration, now time.Time) error {
	b.mu.Lock()
	switch {
	case len(b.regs) >= b.cfg.MaxRegistrations:
		b.mu.Unlock()
		return wsnFault(fRegistrationFailed, now, fmt.Sprintf("the broker holds its maximum of %d registrations", b.cfg.MaxRegistrations), "")
	case b.callers.regs.Full(r.rec.Caller, b.cfg.MaxRegistrationsPerCaller):
		b.mu.Unlock()
		return wsnFault(fRegistrationRejected, now, fmt.Sprintf("the caller holds its maximum of %d registrations", b.cfg.MaxRegistrationsPerCaller), "")
	}
	rec := r.rec
	b.addRegLocked(r)
	b.mu.Unlock()
	rev, err := createJSON(ctx, b.st, kindReg, rec.ID, rec)
	if err != nil {
		b.mu.Lock()
		b.removeRegLocked(rec.ID)
		b.mu.Unlock()
		f := wsnFault(fRegistrationFailed, now, "storing the registration failed", "")
		f.Cause = err
		return f
	}
	b.mu.Lock()
	r.rev = rev
	b.mu.Unlock()
	b.kickDemand()
	return nil
}

func (b *Broker) destroyRegistrationOp(req *request) (string, []byte, error) {
	b.mu.RLock()
	r := b.regs[req.id]
	b.mu.RUnlock()
	if r == nil || !r.rec.Termination.After(req.now) {
		return "", nil, wsnFault(fResourceUnknown, req.now, "no such registration", "")
	}
	if err := b.deleteReg(req.storeCtx(), req.id); err != nil {
		f := wsnFault(fResourceNotDestroyed, req.now, "deleting the registration failed", "")
		f.Cause = err
		return "", nil, f
	}
	return actDestroyRegResp, []byte("<wsn-br:DestroyRegistrationResponse/>"), nil
}

// deleteReg removes registration id; its subscriptions at the publisher are
// ended by the demand reconciler.
func (b *Broker) deleteReg(ctx context.Context, id string) error {
	b.mu.Lock()
	r := b.removeRegLocked(id)
	var pubSubs []pubSub
	if r != nil {
		pubSubs = r.rec.PubSubs
	}
	b.mu.Unlock()
	if err := b.addOrphans(ctx, id, pubSubs); err != nil {
		return err
	}
	return b.st.Delete(ctx, kindReg, id, 0)
}

// publisherRegistered reports whether n comes from a registered publisher:
// a registration whose PublisherReference address is n's
// ProducerReference address and whose topics (if any) select n's topic.
func (b *Broker) publisherRegistered(n *notification) bool {
	if n.producer == "" {
		return false
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, r := range b.regs {
		if r.rec.Publisher != n.producer {
			continue
		}
		if len(r.topics) == 0 {
			return true
		}
		for _, e := range r.topics {
			if n.hasTopic && e.Match(n.topic) {
				return true
			}
		}
	}
	return false
}

// loadRegs loads the registrations. b.mu must be held (Open).
func (b *Broker) loadRegs(ctx context.Context) error {
	now := b.now()
	return b.st.Scan(ctx, kindReg, func(r storage.Record) error {
		var rec regRecord
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			return fmt.Errorf("decoding registration %s: %w", r.Key, err)
		}
		reg, err := compileReg(rec, now)
		if err != nil {
			b.log.Warn("wsnotify: dropping registration whose topics no longer compile", "id", r.Key, "err", err)
			return nil
		}
		reg.rev = r.Rev
		b.addRegLocked(reg)
		return nil
	})
}

// addRegLocked makes r live, counted for its caller. b.mu must be held.
func (b *Broker) addRegLocked(r *registration) {
	b.regs[r.rec.ID] = r
	b.callers.regs.Add(r.rec.Caller, 1)
}

// removeRegLocked undoes addRegLocked and returns the registration (nil
// when there was none). b.mu must be held.
func (b *Broker) removeRegLocked(id string) *registration {
	r := b.regs[id]
	if r != nil {
		delete(b.regs, id)
		b.callers.regs.Add(r.rec.Caller, -1)
	}
	return r
}
