package wsnotify

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// subscribeOp is NotificationProducer Subscribe (WS-BaseNotification 1.3,
// 4.2): it creates a subscription for the ConsumerReference with the
// Filter, InitialTerminationTime and SubscriptionPolicy of the request.
func (b *Broker) subscribeOp(req *request) (string, []byte, error) {
	p, raw, now := req.msg.Payload, req.raw, req.now
	rec := subRecord{ID: newID(), SOAP: req.v, Created: now, Caller: req.caller}
	cr := p.Child(NSB, "ConsumerReference")
	if !cr.Valid() {
		return "", nil, wsnFault(fSubscribeCreationFailed, now, "ConsumerReference is required", "")
	}
	rec.Consumer, rec.RefParams = readEPR(raw, cr)
	if rec.Consumer == "" {
		return "", nil, wsnFault(fSubscribeCreationFailed, now, "ConsumerReference has no wsa:Address", "")
	}
	if f := p.Child(NSB, "Filter"); f.Valid() {
		if err := parseFilter(f, &rec, now); err != nil {
			return "", nil, err
		}
	}
	var err error
	if rec.Termination, err = b.termination(p.Child(NSB, "InitialTerminationTime"), now, fUnacceptableInitialTime); err != nil {
		return "", nil, err
	}
	var pol subPolicy
	if sp := p.Child(NSB, "SubscriptionPolicy"); sp.Valid() {
		if pol, err = parsePolicy(sp, now); err != nil {
			return "", nil, err
		}
	}
	rec.UseRaw = pol.useRaw
	s, err := compileSub(rec, now)
	if err != nil {
		return "", nil, err
	}
	if s.topic != nil {
		if err := b.topics.CheckSubscribe(s.topic); err != nil {
			return "", nil, topicFault(err, now)
		}
		// One concrete topic is checked now; an expression that may
		// select several is checked per message delivered (fanOut).
		if p, ok := s.topic.Topic(); ok {
			if err := b.allowTopic(req, TopicReceive, p); err != nil {
				return "", nil, err
			}
		}
	}
	if err := b.checkConsumer(req, &s.rec); err != nil {
		return "", nil, err
	}
	if s.durable, err = b.grantDurable(pol, s.rec.PullPoint != "", now); err != nil {
		return "", nil, err
	}
	s.rec.Durable = s.durable
	ch, err := b.grantDirect(req.storeCtx(), pol.direct, s, now)
	if err != nil {
		return "", nil, err
	}
	if ch != nil {
		defer b.releaseChannel(ch)
		s.rec.Direct = &directGrant{Topic: ch.rec.Topic}
	}
	if err := b.createSub(req.storeCtx(), s, now); err != nil {
		return "", nil, err
	}
	b.log.Debug("wsnotify: subscribed", "id", rec.ID, "consumer", rec.Consumer)
	var body bytes.Buffer
	body.WriteString("<wsnt:SubscribeResponse>" + eprXML("wsnt:SubscriptionReference", b.url(pathSubscriptions+rec.ID)) +
		"<wsnt:CurrentTime>" + xsdTime(now) + "</wsnt:CurrentTime>" +
		"<wsnt:TerminationTime>" + xsdTime(rec.Termination) + "</wsnt:TerminationTime>")
	b.writeGranted(&body, &s.rec)
	body.WriteString("</wsnt:SubscribeResponse>")
	return actSubscribeResp, body.Bytes(), nil
}

// checkConsumer admits the consumer address: one of this broker's pull
// points, or an address the egress policy allows.
func (b *Broker) checkConsumer(req *request, rec *subRecord) error {
	if id, ok := strings.CutPrefix(rec.Consumer, b.url(pathPullPoints)); ok {
		b.mu.RLock()
		_, exists := b.pps[id]
		b.mu.RUnlock()
		if !exists {
			return wsnFault(fSubscribeCreationFailed, req.now, "no such pull point: "+truncate(rec.Consumer, 256), "")
		}
		if rec.UseRaw {
			return wsnFault(fUnsupportedPolicy, req.now, "UseRaw is not supported for a pull point consumer",
				qnameElem("UnsupportedPolicy", bn("UseRaw")))
		}
		rec.PullPoint = id
		return nil
	}
	if err := b.policy.CheckContext(req.r.Context(), rec.Consumer); err != nil {
		return wsnFault(fSubscribeCreationFailed, req.now, "consumer not allowed: "+err.Error(), "")
	}
	return nil
}

// createSub checks the bounds, persists s and makes it live.
func (b *Broker) createSub(ctx context.Context, s *subscription, now time.Time) error {
	b.mu.Lock()
	switch {
	case len(b.subs) >= b.cfg.MaxSubscriptions:
		b.mu.Unlock()
		return wsnFault(fSubscribeCreationFailed, now, fmt.Sprintf("the broker holds its maximum of %d subscriptions", b.cfg.MaxSubscriptions), "")
	case b.consumers[consumerKey(&s.rec)] >= b.cfg.MaxSubscriptionsPerConsumer:
		b.mu.Unlock()
		return wsnFault(fSubscribeCreationFailed, now, fmt.Sprintf("the consumer has its maximum of %d subscriptions", b.cfg.MaxSubscriptionsPerConsumer), "")
	case b.callers.subs.Full(s.rec.Caller, b.cfg.MaxSubscriptionsPerCaller):
		b.mu.Unlock()
		return wsnFault(fSubscribeCreationFailed, now, fmt.Sprintf("the caller holds its maximum of %d subscriptions", b.cfg.MaxSubscriptionsPerCaller), "")
	case s.durable != nil && b.durables >= b.cfg.Durable.MaxSubscriptions:
		b.mu.Unlock()
		return wsnFault(fSubscribeCreationFailed, now, fmt.Sprintf("the broker holds its maximum of %d durable subscriptions", b.cfg.Durable.MaxSubscriptions), "")
	case s.durable != nil && b.callers.durable.Full(s.rec.Caller, b.cfg.Durable.MaxSubscriptionsPerCaller):
		b.mu.Unlock()
		return wsnFault(fSubscribeCreationFailed, now, fmt.Sprintf("the caller holds its maximum of %d durable subscriptions", b.cfg.Durable.MaxSubscriptionsPerCaller), "")
	case s.rec.PullPoint != "" && b.pps[s.rec.PullPoint] == nil: // destroyed since checkConsumer
		b.mu.Unlock()
		return wsnFault(fSubscribeCreationFailed, now, "no such pull point: "+truncate(s.rec.Consumer, 256), "")
	}
	b.addLocked(s)
	rec := s.rec
	b.mu.Unlock()
	rev, err := createJSON(ctx, b.st, kindSub, rec.ID, rec)
	if err != nil {
		b.mu.Lock()
		b.removeLocked(rec.ID)
		b.mu.Unlock()
		f := wsnFault(fSubscribeCreationFailed, now, "storing the subscription failed", "")
		f.Code, f.Cause = soap.CodeReceiver, err
		return f
	}
	b.mu.Lock()
	s.rev = rev
	b.mu.Unlock()
	b.metrics.subscribes.Inc()
	b.kickDemand()
	return nil
}

// termination reads an (Initial)TerminationTime element: absent or
// xsi:nil gives the configured default; a time not after now, or beyond
// MaxTermination, gives fault with MinimumTime and MaximumTime
// (WS-BaseNotification 1.3, 4.2 and 6.1).
func (b *Broker) termination(e xmldoc.Element, now time.Time, fault xml.Name) (time.Time, error) {
	if !e.Valid() {
		return now.Add(b.cfg.DefaultTermination), nil
	}
	if nilv, _ := e.Attr(NSXSI, "nil"); strings.TrimSpace(nilv) == "true" || strings.TrimSpace(nilv) == "1" {
		return now.Add(b.cfg.DefaultTermination), nil
	}
	maxT := now.Add(b.cfg.MaxTermination)
	t, err := parseTermination(e.Text(), now)
	switch {
	case err != nil:
		return time.Time{}, wsnFault(fault, now, err.Error(), timeBounds(now, maxT))
	case !t.After(now):
		return time.Time{}, wsnFault(fault, now, "termination time "+xsdTime(t)+" is not in the future", timeBounds(now, maxT))
	case t.After(maxT):
		return time.Time{}, wsnFault(fault, now, "termination time "+xsdTime(t)+" is beyond the maximum", timeBounds(now, maxT))
	}
	return t, nil
}
