package wsreliable

import (
	"slices"
	"time"

	"github.com/wsgw/wsgw/caller"
)

// Group describes an inbound WS-RM sequence or WS-Reliability group, for
// an operator's page.
type Group struct {
	ID    string
	Proto Protocol
	// State is "open", "closed" (WS-RM CloseSequence: no new message) or
	// "ended" (terminated, expired, complete or aborted: remembered until
	// its duplicates can no longer come).
	State string
	// Received counts the message numbers accepted; Highest is the
	// highest of them (0 with none); Gaps counts the ranges of numbers
	// missing below it.
	Received, Highest uint64
	Gaps              int
	// Held counts the messages accepted and held back for ordering.
	Held       int
	LastActive time.Time
	Expires    time.Time
	// Caller created the group (Config.MaxGroupsPerCaller).
	Caller caller.ID
}

// Groups returns at most max of the engine's inbound groups, the open
// ones first, each part by identifier, and how many there are in all.
func (e *Engine) Groups(max int) ([]Group, int) {
	total := len(e.in)
	out := make([]Group, 0, min(max, total))
	for _, id := range e.openIDs {
		if len(out) == max {
			return out, total
		}
		out = append(out, e.in[id].info())
	}
	if len(out) == max {
		return out, total
	}
	var done []string
	for id, g := range e.in {
		if g.State == ended {
			done = append(done, id)
		}
	}
	slices.Sort(done)
	for _, id := range done[:min(len(done), max-len(out))] {
		out = append(out, e.in[id].info())
	}
	return out, total
}

func (g *inGroup) info() Group {
	gi := Group{ID: g.ID, Proto: g.Proto, State: [...]string{open: "open", closed: "closed", ended: "ended"}[g.State],
		Held: len(g.held), LastActive: g.LastActive, Expires: g.Expires, Caller: g.Caller}
	for _, r := range g.Received {
		gi.Received += r.Upper - r.Lower + 1
	}
	if n := len(g.Received); n > 0 {
		gi.Highest = g.Received[n-1].Upper
		gi.Gaps = n - 1
		if g.Received[0].Lower > g.Base {
			gi.Gaps++
		}
	}
	return gi
}
