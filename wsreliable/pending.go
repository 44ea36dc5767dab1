package wsreliable

import "slices"

// Messages for a WS-MakeConnection anonymous address (WS-MC 1.1, 3.1)
// wait in memory until a MakeConnection for that address takes them
// (Reply.Pending). The addresses are the clients' choice, one per
// request if they like (a WS-Reliability PollRequest's ReplyTo, a
// Callback ReplyTo), so both bounds matter: at most MaxHeld messages per
// address, the oldest dropped beyond, and at most MaxGroups addresses, the
// one that got its first message longest ago dropped beyond (choice:
// everything kept here is regenerated, acknowledgements by the next
// message or AckRequested, Poll answers by the next PollRequest, sequence
// messages by retransmission).

// pendingQueues are the waiting messages, by address, with the order in
// which their addresses got a queue.
type pendingQueues struct {
	byAddr map[string][]Outbound
	// since numbers each address's queue by when it was made; order lists
	// (address, number) oldest first, stale entries (an address emptied
	// since, or made again) included until compacted.
	since map[string]uint64
	order []pendingAddr
	made  uint64
}

type pendingAddr struct {
	addr  string
	since uint64
}

func newPendingQueues() pendingQueues {
	return pendingQueues{byAddr: map[string][]Outbound{}, since: map[string]uint64{}}
}

// queuePending keeps o for a MakeConnection from o.To. A newer copy of the
// same thing (an ack of the same group, a retransmission) replaces the
// older; beyond the bounds above the oldest is dropped.
func (e *Engine) queuePending(o Outbound) {
	p := &e.pending
	q, known := p.byAddr[o.To]
	for i := range q {
		if q[i].Kind == o.Kind && q[i].Group == o.Group && q[i].Number == o.Number && q[i].Local == o.Local {
			q[i] = o
			return
		}
	}
	if len(q) >= e.cfg.MaxHeld {
		q = q[1:]
	}
	if !known {
		for len(p.byAddr) >= e.cfg.MaxGroups && p.dropOldest() {
		}
		p.made++
		p.since[o.To] = p.made
		p.order = append(p.order, pendingAddr{o.To, p.made})
	}
	p.byAddr[o.To] = append(q, o)
}

// take removes and returns the oldest message for addr, and whether more
// wait.
func (p *pendingQueues) take(addr string) (o Outbound, ok, more bool) {
	q := p.byAddr[addr]
	if len(q) == 0 {
		return Outbound{}, false, false
	}
	p.set(addr, q[1:])
	return q[0], true, len(q) > 1
}

// dropPending removes what waits for a MakeConnection from addr about
// group (nothing is owed once the group is forgotten).
func (e *Engine) dropPending(addr, group string) {
	q, ok := e.pending.byAddr[addr]
	if !ok {
		return
	}
	e.pending.set(addr, slices.DeleteFunc(q, func(o Outbound) bool { return o.Group == group }))
}

// set makes q the queue of addr, forgetting addr when q is empty.
func (p *pendingQueues) set(addr string, q []Outbound) {
	if len(q) > 0 {
		p.byAddr[addr] = q
		return
	}
	delete(p.byAddr, addr)
	delete(p.since, addr)
	if len(p.order) > 2*len(p.byAddr)+64 {
		p.order = slices.DeleteFunc(p.order, func(a pendingAddr) bool { return p.since[a.addr] != a.since })
	}
}

// dropOldest forgets the address whose queue was made longest ago, and
// reports whether there was one.
func (p *pendingQueues) dropOldest() bool {
	for len(p.order) > 0 {
		a := p.order[0]
		p.order = p.order[1:]
		if p.since[a.addr] == a.since {
			p.set(a.addr, nil)
			return true
		}
	}
	return false
}
