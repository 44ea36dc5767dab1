package wsnotify

import (
	"context"
	"fmt"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// Notify at a registration (/wsn/registrations/{id}, the ConsumerReference
// of a registration granted direct paths; WS-BrokeredNotification 1.3, 5:
// the publisher sends its notifications to the ConsumerReference). The
// registration's address is its capability, so RequiresRegistration is
// met. Without a wsgwd:Seq header it is published as a Notify to the
// broker is. With one, the publisher's agent says it already multicast
// this Notify on its topic's channel, at that position in its session:
// the broker logs it for recovery (direct_recover.go), records the
// current message and delivers it to the subscribers the channel does not
// reach, and not to the direct ones, nor on the channel again.
func (b *Broker) registrationNotifyOp(req *request) (string, []byte, error) {
	b.mu.RLock()
	r := b.regs[req.id]
	b.mu.RUnlock()
	if r == nil || !r.rec.Termination.After(req.now) {
		return "", nil, wsnFault(fResourceUnknown, req.now, "no such registration", "")
	}
	if b.cameBack(req) {
		return "", nil, nil
	}
	ns, err := b.parseNotify(req)
	if err != nil {
		return "", nil, err
	}
	ns = b.dropReturned(ns)
	seq := seqHeader(req.msg)
	if !seq.Valid() {
		b.sendOnChannels(ns)
		return "", nil, b.publish(req.storeCtx(), ns, req.now, "")
	}
	pos, err := direct.ParseSeqHeader(seq)
	if err != nil {
		return "", nil, soap.Sender(err.Error())
	}
	g := r.rec.Direct.grantFor(pos.Session)
	if g == nil {
		return "", nil, soap.Sender("wsgwd:Seq names session " + sessionHex(pos.Session) + ", which this registration was not granted")
	}
	for _, n := range ns {
		if !n.hasTopic || n.topic.String() != g.Topic {
			return "", nil, soap.Sender(fmt.Sprintf("a Notify sent on the channel of %s carries that topic only", g.Topic))
		}
		n.onChannel = true
	}
	b.mu.RLock()
	ch := b.channels[g.Topic]
	b.mu.RUnlock()
	if ch != nil {
		ch.log.add(pos, req.msg.Payload.Standalone(soap.NS11, soap.NS12))
		b.metrics.directLogged.Inc()
	}
	return "", nil, b.publish(req.storeCtx(), ns, req.now, "")
}

// seqHeader returns the wsgwd:Seq header block of m (invalid: none).
func seqHeader(m *soap.Message) xmldoc.Element {
	for _, h := range m.Headers {
		if h.Name == direct.NameSeq {
			return h.Element
		}
	}
	return xmldoc.Element{}
}

// recoverOp is wsgw's Recover at a direct subscription's manager
// (/wsn/subscriptions/{id}): its agent reports the gaps it could not
// repair on the channel (direct.Gap: sequence ranges of one session and
// epoch), and the broker puts every notification its recovery log holds
// whose first datagram is in them into the subscription's pull point,
// oldest first, where the agent takes them with GetMessages. The answer
// says, per range (direct.RecoverResult), how many were put there, the
// newest sequence logged of the session, whether the log covered the
// range without a hole up to it, and whether the range reaches beyond it
// (a publisher's agent forwards after it sends: asking again shortly for
// the rest may find it).
func (b *Broker) recoverOp(req *request) (string, []byte, error) {
	s, err := b.lookupSub(req)
	if err != nil {
		return "", nil, err
	}
	b.mu.RLock()
	g, pp := s.rec.Direct, s.rec.PullPoint
	var ch *channel
	if g != nil {
		ch = b.channels[g.Topic]
	}
	b.mu.RUnlock()
	switch {
	case g == nil:
		return "", nil, soap.Sender("Recover is for a subscription granted a direct path")
	case pp == "":
		return "", nil, soap.Sender("Recover puts what it finds into the subscription's pull point: its consumer must be one of this broker's")
	}
	ranges, err := direct.ParseRecover(req.msg.Payload)
	if err != nil {
		return "", nil, soap.Sender("wsgwd:Recover: " + err.Error())
	}
	results := make([]direct.RecoverResult, len(ranges))
	var adds []storage.Add
	for i, r := range ranges {
		results[i].RecoverRange = r
		if ch == nil {
			continue
		}
		found, newest, complete := ch.log.find(r)
		results[i].Logged, results[i].Complete, results[i].Pending = newest, complete, newest < r.To
		for _, e := range found {
			msgs, err := notificationMessages(e.notify)
			if err != nil {
				results[i].Complete = false
				continue
			}
			for _, m := range msgs {
				adds = b.appendPPAdd(adds, pp, m)
			}
			results[i].Recovered++
		}
	}
	if err := b.storeRecovered(req.storeCtx(), adds, results); err != nil {
		return "", nil, err
	}
	return actRecoverResp, direct.AppendRecoverResponse(nil, results), nil
}

// storeRecovered appends the recovered messages to the pull point; when
// its bound refused some, no range is reported complete (the agent then
// counts its gaps as not recovered whole).
func (b *Broker) storeRecovered(ctx context.Context, adds []storage.Add, results []direct.RecoverResult) error {
	if len(adds) == 0 {
		return nil
	}
	b.ppMu.Lock()
	dropped, err := b.st.Append(ctx, adds...)
	b.ppMu.Unlock()
	if err != nil {
		return fmt.Errorf("storing recovered notifications: %w", err)
	}
	b.metrics.dropped.Add(float64(dropped))
	b.metrics.directRecovered.Add(float64(len(adds) - dropped))
	if dropped > 0 {
		for i := range results {
			results[i].Complete = false
		}
	}
	return nil
}

// notificationMessages splits a logged wsnt:Notify into its
// NotificationMessage elements, each standalone.
func notificationMessages(notify []byte) ([][]byte, error) {
	doc, err := xmldoc.ParseBytes(notify, xmldoc.Limits{MaxBytes: int64(len(notify))})
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for nm := doc.Root().FirstChild(); nm.Valid(); nm = nm.NextSibling() {
		if nm.Name() == bn("NotificationMessage") {
			out = append(out, nm.Standalone())
		}
	}
	return out, nil
}

// actRecoverResp is the wsa:Action of RecoverResponse.
const actRecoverResp = direct.NS + "/Recover/RecoverResponse"
