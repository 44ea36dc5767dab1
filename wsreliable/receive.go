package wsreliable

// onMessage dispatches a reliable message to its protocol front-end.
func (e *Engine) onMessage(m Message) {
	switch m.Proto {
	case RM, RM200502:
		e.rmMessage(m)
	case Rel:
		e.relMessage(m)
	default:
		e.fault(m.Ref, RM, &Fault{Code: WSRMRequired, Why: "unknown protocol"})
	}
}

// tickIn runs the timers of one inbound group.
func (e *Engine) tickIn(g *inGroup) {
	now := e.now
	e.expireHeld(g)
	idle := g.MaxIdle > 0 && !now.Before(g.LastActive.Add(g.MaxIdle))
	expired := !g.Expires.IsZero() && !now.Before(g.Expires)
	if !idle && !expired {
		return
	}
	if g.Proto.isRM() {
		e.endIncomplete(g)
		e.end(g, SequenceTerminated, now.Add(e.cfg.DupWindow))
		return
	}
	// WS-Reliability: the group is aborted; later messages get GroupAborted.
	keep := now.Add(e.cfg.DupWindow)
	if g.KeepUntil.After(keep) {
		keep = g.KeepUntil
	}
	e.end(g, GroupAborted, keep)
}

// expireHeld drops held messages whose ExpiryTime passed: they may no
// longer be delivered (WS-Reliability ExpiryTime).
func (e *Engine) expireHeld(g *inGroup) {
	for _, n := range sortedNums(g.held) {
		h := g.held[n]
		if !h.Expiry.IsZero() && !e.now.Before(h.Expiry) {
			e.unhold(g, n)
			e.rd.Persist = append(e.rd.Persist, Record{Key: heldKey(g.ID, n), Scope: g.ID})
			g.addFault(n, MessageProcessingFailure)
			e.dirtyIn[g.ID] = true
		}
	}
}
