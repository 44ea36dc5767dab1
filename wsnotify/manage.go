package wsnotify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
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
	if err := b.updateSub(req.storeCtx(), s, func(r *subRecord) { r.Termination = t }); errors.Is(err, errSubGone) {
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
	if err := b.deleteSub(req.storeCtx(), req.id, 0); err != nil {
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

// holdDurable holds durable subscription s's queue or lets it go, as its
// record says, until the record says the same after the Hold: a Pause
// and a Resume at the same time may write the record in one order and
// the queue in the other, and whichever holds last corrects it. An
// Unsubscribe (or expiry) may have dropped the queue before the Hold,
// which then wrote a held group of nothing: when s is gone after the
// Hold and its record deleted, the group is dropped again (when the
// record is still there, the delete's own drop comes after this Hold; a
// delete that lost to a Renew reloads the subscription, whose queue
// stays).
func (b *Broker) holdDurable(ctx context.Context, s *subscription, id string) error {
	state := func() (paused, gone bool) { b.mu.RLock(); defer b.mu.RUnlock(); return s.rec.Paused, s.gone }
	want, _ := state()
	for range maxCASAttempts {
		if err := b.queue.Hold(ctx, want, id); err != nil {
			return err
		}
		now, gone := state()
		if gone {
			return b.dropIfEnded(ctx, id)
		}
		if now == want {
			return nil
		}
		want = now
	}
	return nil
}

// dropIfEnded drops the durable queue of subscription id when its record
// is gone (it ended).
func (b *Broker) dropIfEnded(ctx context.Context, id string) error {
	_, err := b.st.Get(ctx, kindSub, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return b.dropDurable(ctx, id)
	case err != nil:
		return fmt.Errorf("reading subscription %s: %w", id, err)
	}
	return nil
}

// setPaused pauses or resumes (6.3, 6.4): a paused subscription keeps its
// messages in its bounded queue (a durable one in the durable queue,
// within its retention) and Resume delivers them, oldest first.
func (b *Broker) setPaused(req *request, paused bool) (string, []byte, error) {
	s, err := b.lookupSub(req)
	if err != nil {
		return "", nil, err
	}
	fault, what := fResumeFailed, "resuming"
	if paused {
		fault, what = fPauseFailed, "pausing"
	}
	failed := func(part string, err error) error {
		f := wsnFault(fault, req.now, what+" "+part+" failed", "")
		f.Cause = err
		return f
	}
	if err := b.updateSub(req.storeCtx(), s, func(r *subRecord) { r.Paused = paused }); errors.Is(err, errSubGone) {
		return "", nil, wsnFault(fResourceUnknown, req.now, "no such subscription", "")
	} else if err != nil {
		return "", nil, failed("the subscription", err)
	}
	b.kickDemand()
	if s.durable != nil {
		if err := b.holdDurable(req.storeCtx(), s, req.id); err != nil {
			return "", nil, failed("the durable queue", err)
		}
	}
	if paused {
		b.disp.Pause(req.id)
		return actPauseResp, []byte("<wsnt:PauseSubscriptionResponse/>"), nil
	}
	b.disp.Resume(req.id)
	if err := b.releaseHeld(req.storeCtx(), s); err != nil {
		return "", nil, failed("delivering the messages kept while paused", err)
	}
	return actResumeResp, []byte("<wsnt:ResumeSubscriptionResponse/>"), nil
}

// errSubGone: the subscription was removed after it was looked up.
var errSubGone = errors.New("subscription removed")

// maxCASAttempts bounds the rounds of a compare-and-set loop (choice:
// every write gives a record a new revision, so each of n updates racing
// on one record may lose up to n-1 rounds; 32 leaves room for a burst).
const maxCASAttempts = 32

// updateSub applies change to s's record and stores it, conditioned on the
// revision it was based on. When the stored record changed meanwhile (a
// concurrent Renew or Pause, or another node), the change is applied again
// to the stored record. The record in memory follows the store. A
// subscription removed meanwhile (by Unsubscribe or expiry) is not stored
// again: errSubGone.
func (b *Broker) updateSub(ctx context.Context, s *subscription, change func(*subRecord)) error {
	for range maxCASAttempts {
		b.mu.RLock()
		gone, rec, rev, gen := s.gone, s.rec, s.rev, s.gen
		b.mu.RUnlock()
		if gone {
			return errSubGone
		}
		change(&rec)
		newRev, err := updateJSON(ctx, b.st, kindSub, rec.ID, rec, rev)
		switch {
		case err == nil:
			b.mu.Lock()
			if s.gen == gen { // else a later write is in memory already
				s.rec, s.rev = rec, newRev
				s.gen++
			}
			b.mu.Unlock()
			return nil
		case errors.Is(err, storage.ErrNotFound):
			return errSubGone
		case !errors.Is(err, storage.ErrConflict):
			return err
		}
		stored, err := b.st.Get(ctx, kindSub, rec.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return errSubGone
		}
		if err != nil {
			return err
		}
		var cur subRecord
		if err := json.Unmarshal(stored.Value, &cur); err != nil {
			return fmt.Errorf("decoding subscription %s: %w", rec.ID, err)
		}
		b.mu.Lock()
		if s.gen == gen {
			s.rec, s.rev = cur, stored.Rev
			s.gen++
		}
		b.mu.Unlock()
	}
	return fmt.Errorf("updating subscription %s: %w after %d attempts", s.rec.ID, storage.ErrConflict, maxCASAttempts)
}
