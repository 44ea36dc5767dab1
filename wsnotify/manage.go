package wsnotify

import (
	"errors"

	"github.com/wsgw/wsgw/soap"
)

// The SubscriptionManager and PausableSubscriptionManager operations
// (WS-BaseNotification 1.3, 6.1 Renew, 6.2 Unsubscribe, 6.3
// PauseSubscription and 6.4 ResumeSubscription) on /wsn/subscriptions/{id}.
// The unguessable id in the path is the subscription's reference: it alone
// manages the subscription.

// lookupSub returns the live subscription of the request's path, or
// ResourceUnknownFault.
func (b *Broker) lookupSub(req *request) (*subscription, error) {
	b.mu.RLock()
	s, ok := b.subs[req.id]
	live := ok && s.rec.Termination.After(req.now)
	b.mu.RUnlock()
	if !live {
		return nil, wsnFault(fResourceUnknown, req.now, "no such subscription", "")
	}
	return s, nil
}

func (b *Broker) renewOp(req *request) (string, []byte, error) {
	s, err := b.lookupSub(req)
	if err != nil {
		return "", nil, err
	}
	t, err := b.termination(req.msg.Payload.Child(NSB, "TerminationTime"), req.now, fUnacceptableTermTime)
	if err != nil {
		return "", nil, err
	}
	if err := b.updateSub(s, func(r *subRecord) { r.Termination = t }); errors.Is(err, errSubGone) {
		return "", nil, wsnFault(fResourceUnknown, req.now, "no such subscription", "")
	} else if err != nil {
		f := wsnFault(fUnacceptableTermTime, req.now, "storing the new termination time failed", timeBounds(req.now, req.now.Add(b.cfg.MaxTermination)))
		f.Code, f.Cause = soap.CodeReceiver, err
		return "", nil, f
	}
	body := "<wsnt:RenewResponse><wsnt:TerminationTime>" + xsdTime(t) + "</wsnt:TerminationTime>" +
		"<wsnt:CurrentTime>" + xsdTime(req.now) + "</wsnt:CurrentTime></wsnt:RenewResponse>"
	return actRenewResp, []byte(body), nil
}

func (b *Broker) unsubscribeOp(req *request) (string, []byte, error) {
	if _, err := b.lookupSub(req); err != nil {
		return "", nil, err
	}
	if err := b.deleteSub(req.id); err != nil {
		f := wsnFault(fUnableToDestroySub, req.now, "deleting the subscription failed", "")
		f.Cause = err
		return "", nil, f
	}
	return actUnsubscribeResp, []byte("<wsnt:UnsubscribeResponse/>"), nil
}

func (b *Broker) pauseOp(req *request) (string, []byte, error) {
	return b.setPaused(req, true)
}

func (b *Broker) resumeOp(req *request) (string, []byte, error) {
	return b.setPaused(req, false)
}

// setPaused pauses or resumes (6.3, 6.4): a paused subscription keeps its
// messages in its bounded queue and Resume delivers them.
func (b *Broker) setPaused(req *request, paused bool) (string, []byte, error) {
	s, err := b.lookupSub(req)
	if err != nil {
		return "", nil, err
	}
	if err := b.updateSub(s, func(r *subRecord) { r.Paused = paused }); errors.Is(err, errSubGone) {
		return "", nil, wsnFault(fResourceUnknown, req.now, "no such subscription", "")
	} else if err != nil {
		fault, what := fResumeFailed, "resuming"
		if paused {
			fault, what = fPauseFailed, "pausing"
		}
		f := wsnFault(fault, req.now, what+" the subscription failed", "")
		f.Cause = err
		return "", nil, f
	}
	b.kickDemand()
	if paused {
		b.disp.Pause(req.id)
		return actPauseResp, []byte("<wsnt:PauseSubscriptionResponse/>"), nil
	}
	b.disp.Resume(req.id)
	if err := b.releaseHeld(s); err != nil {
		f := wsnFault(fResumeFailed, req.now, "delivering the messages kept while paused failed", "")
		f.Cause = err
		return "", nil, f
	}
	return actResumeResp, []byte("<wsnt:ResumeSubscriptionResponse/>"), nil
}

// errSubGone: the subscription was removed after it was looked up.
var errSubGone = errors.New("subscription removed")

// updateSub applies change to s's record and persists it; on a store
// failure the change is undone. A subscription removed meanwhile (by
// Unsubscribe or expiry) is not stored again: errSubGone.
func (b *Broker) updateSub(s *subscription, change func(*subRecord)) error {
	b.mu.Lock()
	if s.gone {
		b.mu.Unlock()
		return errSubGone
	}
	old := s.rec
	change(&s.rec)
	rec := s.rec
	b.mu.Unlock()
	if err := b.st.put("sub", rec.ID, rec); err != nil {
		b.mu.Lock()
		s.rec = old
		b.mu.Unlock()
		return err
	}
	b.mu.RLock()
	gone := s.gone
	b.mu.RUnlock()
	if gone { // removed while storing: its delete may have run first
		if err := b.st.delete("sub", rec.ID); err != nil {
			return err
		}
		return errSubGone
	}
	return nil
}
