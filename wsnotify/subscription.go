package wsnotify

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/delivery"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// subRecord is the persisted form of a subscription (WS-BaseNotification
// 1.3, 4.2 Subscribe; 6 SubscriptionManager resource properties): filters
// are kept as source text with the namespace bindings they were written
// with, and compiled again on load.
type subRecord struct {
	ID          string       `json:"id"`
	Consumer    string       `json:"consumer"`
	RefParams   [][]byte     `json:"refParams,omitempty"` // self-contained reference parameter elements
	SOAP        soap.Version `json:"soap"`                // version deliveries are sent in
	Topic       *exprRecord  `json:"topic,omitempty"`
	Content     *exprRecord  `json:"content,omitempty"`
	Props       *exprRecord  `json:"props,omitempty"`
	Created     time.Time    `json:"created"`
	Termination time.Time    `json:"termination"`
	Paused      bool         `json:"paused,omitempty"`
	UseRaw      bool         `json:"useRaw,omitempty"`
	PullPoint   string       `json:"pullPoint,omitempty"` // consumer is this broker's pull point
	// Caller created the subscription: it counts against the caller's
	// MaxSubscriptionsPerCaller, and what it may receive is the caller's
	// (Guard.AllowTopic).
	Caller caller.ID `json:"caller,omitempty"`
	// Durable is what a durable subscription was granted (policy_durable.go);
	// nil: best effort, in memory.
	Durable *durableRecord `json:"durable,omitempty"`
	// Direct is the channel a direct subscription was granted
	// (direct_policy.go); nil: delivered over HTTP only.
	Direct *directGrant `json:"direct,omitempty"`
}

// exprRecord is a filter expression with its dialect and the namespace
// bindings in scope where it was written.
type exprRecord struct {
	Dialect string            `json:"dialect"`
	Expr    string            `json:"expr"`
	NS      map[string]string `json:"ns,omitempty"`
}

// subscription is a live subscription: its record and the record's
// revision in the store (mutable fields guarded by Broker.mu), and its
// compiled filters (immutable).
type subscription struct {
	rec subRecord
	rev uint64
	// gen counts the writes of rec in memory (under Broker.mu): updateSub
	// applies its write only if none came between its read and its
	// store write. (Revisions cannot tell: they are content hashes, so a
	// Pause and a Resume give the record its first revision again.)
	gen     uint64
	topic   *topic.Expr
	content *xpathFilter
	props   *xpathFilter
	// durable is rec.Durable, which never changes: read without a lock.
	durable *durableRecord

	// gone is set (under Broker.mu) when the subscription is removed, so
	// that a late updateSub gives up.
	gone bool
}

func (r *exprRecord) resolver() topic.Resolver {
	return func(prefix string) (string, bool) {
		uri, ok := r.NS[prefix]
		return uri, ok
	}
}

// compile compiles rec's filters; the error is the fault a Subscribe with
// these filters gets.
func compileSub(rec subRecord, now time.Time) (*subscription, error) {
	s := &subscription{rec: rec, durable: rec.Durable}
	if t := rec.Topic; t != nil {
		e, err := topic.Parse(t.Dialect, t.Expr, t.resolver())
		if err != nil {
			return nil, topicFault(err, now)
		}
		s.topic = e
	}
	var err error
	if c := rec.Content; c != nil {
		if s.content, err = compileXPathFilter(c, fInvalidMessageContent, now); err != nil {
			return nil, err
		}
	}
	if p := rec.Props; p != nil {
		if s.props, err = compileXPathFilter(p, fInvalidProducerProps, now); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func compileXPathFilter(r *exprRecord, fault xml.Name, now time.Time) (*xpathFilter, error) {
	if r.Dialect != XPath1 {
		return nil, wsnFault(fault, now, fmt.Sprintf("dialect %q not supported (only XPath 1.0, %s)", truncate(r.Dialect, 128), XPath1), "")
	}
	if strings.TrimSpace(r.Expr) == "" {
		return nil, wsnFault(fault, now, "empty expression", "")
	}
	ns := make(map[string]string, len(r.NS))
	for p, u := range r.NS {
		if p != "" { // XPath 1.0: unprefixed names have no namespace
			ns[p] = u
		}
	}
	f, err := compileFilter(strings.TrimSpace(r.Expr), ns)
	if err != nil {
		return nil, wsnFault(fault, now, "invalid XPath 1.0 expression: "+err.Error(), "")
	}
	return f, nil
}

// addLocked makes s live: indexes, counts, and its delivery queue.
func (b *Broker) addLocked(s *subscription) {
	id := s.rec.ID
	b.subs[id] = s
	if s.topic != nil {
		b.index.Add(id, s.topic)
	} else {
		b.noTopic[id] = struct{}{}
	}
	b.consumers[consumerKey(&s.rec)]++
	b.callers.subs.Add(s.rec.Caller, 1)
	if s.durable != nil {
		b.callers.durable.Add(s.rec.Caller, 1)
		b.durables++
	}
	if s.rec.PullPoint == "" && s.durable == nil {
		b.disp.Add(id, b.target(&s.rec), s.rec.Paused)
	}
}

// removeLocked undoes addLocked.
func (b *Broker) removeLocked(id string) *subscription {
	s, ok := b.subs[id]
	if !ok {
		return nil
	}
	delete(b.subs, id)
	s.gone = true
	b.index.Remove(id)
	delete(b.noTopic, id)
	if k := consumerKey(&s.rec); b.consumers[k] <= 1 {
		delete(b.consumers, k)
	} else {
		b.consumers[k]--
	}
	b.callers.subs.Add(s.rec.Caller, -1)
	if s.durable != nil {
		b.callers.durable.Add(s.rec.Caller, -1)
		b.durables--
	}
	b.disp.Remove(id)
	return s
}

func (b *Broker) target(r *subRecord) delivery.Target {
	return delivery.Target{URL: r.Consumer, Raw: r.UseRaw, Data: consumerData{soap: r.SOAP, refParams: r.RefParams}}
}

// deleteSub removes subscription id from memory and the store; with rev
// != 0 from the store only if its record is still that revision. When it
// is not (renewed meanwhile: by a Renew that started before the sweep, or
// by another node), the stored record wins and is loaded back.
func (b *Broker) deleteSub(ctx context.Context, id string, rev uint64) error {
	b.mu.Lock()
	s := b.removeLocked(id)
	b.mu.Unlock()
	if s == nil {
		return nil
	}
	b.kickDemand()
	err := b.st.Delete(ctx, kindSub, id, rev)
	if errors.Is(err, storage.ErrConflict) {
		return b.reloadSub(ctx, id)
	}
	if err != nil {
		return err
	}
	if s.rec.PullPoint != "" {
		return b.deleteHeld(ctx, id)
	}
	if s.durable != nil {
		return b.dropDurable(ctx, id)
	}
	return nil
}

// reloadSub makes the stored record of subscription id live again, unless
// it is gone or past its termination time.
func (b *Broker) reloadSub(ctx context.Context, id string) error {
	r, err := b.st.Get(ctx, kindSub, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := b.now()
	s, err := b.decodeSub(r, now)
	if err != nil || s == nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[id]; !ok {
		b.addLocked(s)
	}
	return nil
}

// decodeSub decodes and compiles a stored subscription; nil when it is
// past its termination time or its filters no longer compile.
func (b *Broker) decodeSub(r storage.Record, now time.Time) (*subscription, error) {
	var rec subRecord
	if err := json.Unmarshal(r.Value, &rec); err != nil {
		return nil, fmt.Errorf("decoding subscription %s: %w", r.Key, err)
	}
	if !rec.Termination.After(now) {
		return nil, nil
	}
	s, err := compileSub(rec, now)
	if err != nil {
		b.log.Warn("wsnotify: dropping subscription whose filter no longer compiles", "id", r.Key, "err", err)
		return nil, nil
	}
	s.rev = r.Rev
	return s, nil
}

// loadSubs compiles every stored subscription back and deletes the
// expired ones. b.mu must be held (Open).
func (b *Broker) loadSubs(ctx context.Context) error {
	now := b.now()
	var stale []storage.Record
	err := b.st.Scan(ctx, kindSub, func(r storage.Record) error {
		s, err := b.decodeSub(r, now)
		if err != nil {
			return err
		}
		if s == nil {
			stale = append(stale, r)
			return nil
		}
		b.addLocked(s)
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range stale {
		if err := b.st.Delete(ctx, kindSub, r.Key, r.Rev); err != nil && !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
	return nil
}

// consumerKey is what MaxSubscriptionsPerConsumer counts: the endpoint the
// broker sends to (lower-case scheme://host:port, whatever the path, query
// or letter case of the address), or the pull point.
func consumerKey(r *subRecord) string {
	if r.PullPoint != "" {
		return "pullpoint:" + r.PullPoint
	}
	u, err := url.Parse(r.Consumer)
	if err != nil || u.Host == "" {
		return r.Consumer
	}
	scheme, port := strings.ToLower(u.Scheme), u.Port()
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), port)
}
