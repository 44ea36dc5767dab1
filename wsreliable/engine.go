package wsreliable

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/wsgw/wsgw/caller"
)

// Engine is the deterministic reliable messaging engine: the receiving side
// of both protocols and the WS-RM sending side. It is not safe for
// concurrent use; the driver owns it from one goroutine (or a mutex).
//
// Use: Tick(now) whenever time passes (and before Step, so that Step sees
// the current time); Step(event) for each input; then, while HasReady,
// rd := Ready(), carry it out (see Ready), Advance().
type Engine struct {
	cfg Config
	now time.Time

	in map[string]*inGroup // inbound groups and sequences, by identifier
	// openIDs are the identifiers of the groups of in not ended, sorted
	// (Tick runs their timers in that order without sorting); endedQ
	// the ended ones, by when they are to be forgotten.
	openIDs []string
	endedQ  endedHeap
	// callers counts the open groups of each caller (MaxGroupsPerCaller).
	callers caller.Counts
	out     map[string]*outSeq // outbound sequences, by local name
	// outByTo maps a destination (destKey: To and the Submit's Key) to the
	// local name of its current sequence; outByID a peer-chosen Identifier
	// to the local name.
	outByTo, outByID map[string]string
	nextLocal        uint64

	// heldBytes is the payload size of every held message (MaxHeldBytes).
	heldBytes int64

	// pending holds messages for WS-MakeConnection anonymous addresses
	// (pending.go).
	pending pendingQueues

	// inFlight maps the Token of each unacknowledged outbound message to
	// it; acked holds the acknowledged tokens not yet forgotten (with when
	// they will be), ackedQ orders them by that time.
	inFlight map[string]*outMsg
	acked    map[string]time.Time
	ackedQ   endedHeap
	// ackedScope is the scope of each acknowledged token that has one
	// (Record.Scope).
	ackedScope map[string]string

	// releasing are the groups with held messages deliverable now that did
	// not fit in the current Ready (MaxRelease, room); Ready releases more.
	releasing map[string]bool
	// room is how many more deliveries the driver's delivery queue takes
	// (SetDeliveryRoom; math.MaxInt until told).
	room int

	rd        Ready
	rdBytes   int64 // payload bytes delivered or held in rd (MaxReleaseBytes)
	dirtyIn   map[string]bool
	dirtyOut  map[string]bool
	metaDirty bool
	ackTo     map[string]bool // groups whose ack to AcksTo is queued this round
}

// New returns an engine with configuration cfg (see Config.Validate).
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{
		cfg: cfg.withDefaults(), in: map[string]*inGroup{}, out: map[string]*outSeq{},
		outByTo: map[string]string{}, outByID: map[string]string{},
		pending: newPendingQueues(), dirtyIn: map[string]bool{},
		dirtyOut: map[string]bool{}, ackTo: map[string]bool{},
		inFlight: map[string]*outMsg{}, acked: map[string]time.Time{}, ackedScope: map[string]string{}, releasing: map[string]bool{},
		callers: caller.Counts{},
		room:    math.MaxInt,
	}, nil
}

// SetDeliveryRoom tells the engine that the driver's delivery queue takes
// at most n more deliveries now (its bound less what it holds); each
// delivery the engine makes then uses one. Held messages are released
// only while there is room (the rest follow once the driver reports more,
// as with MaxRelease); a message that would be delivered at once is not
// accepted without room, as one beyond the hold-back bound is not (WS-RM:
// not acknowledged, the sender retries; WS-Reliability:
// MessageProcessingFailure). So a Ready's deliveries always fit the
// queue: a queue that refused them would fail the whole write, and the
// step with it, again and again. Until the first call the room is
// unbounded.
func (e *Engine) SetDeliveryRoom(n int) { e.room = max(n, 0) }

// DeliveryRoom returns the room left (SetDeliveryRoom).
func (e *Engine) DeliveryRoom() int { return e.room }

// Now returns the time of the last Tick.
func (e *Engine) Now() time.Time { return e.now }

// Step feeds one event to the engine. Protocol errors are not returned:
// they are Replies (faults) in the next Ready. Step returns an error only
// for an event type it does not know.
func (e *Engine) Step(ev Event) error {
	switch ev := ev.(type) {
	case Message:
		e.onMessage(ev)
	case CreateSequence:
		e.onCreate(ev)
	case AckRequest:
		e.onAckRequest(ev)
	case Close:
		e.onClose(ev)
	case Terminate:
		e.onTerminate(ev)
	case PollRequest:
		e.onPoll(ev)
	case MakeConnection:
		e.onMakeConnection(ev)
	case NotReliable:
		e.fault(ev.Ref, RM, &Fault{Code: WSRMRequired, Why: offeredVersions})
	case ProcessingFailed:
		e.onProcessingFailed(ev)
	case Submit:
		e.onSubmit(ev)
	case Created:
		e.onCreated(ev)
	case AckReceived:
		e.onAckReceived(ev)
	case PeerFault:
		e.onPeerFault(ev)
	case Finish:
		e.onFinish(ev)
	case Forget:
		e.onForget(ev)
	default:
		return fmt.Errorf("wsreliable: stepping unknown event %T", ev)
	}
	return nil
}

// Tick advances the engine's clock to now (never backwards) and runs what
// is due: group expiry and idle termination, hold-back expiry, forgetting
// ended groups and acknowledged tokens (without looking at those not due),
// retransmissions, closing idle outbound sequences.
func (e *Engine) Tick(now time.Time) {
	if now.After(e.now) {
		e.now = now
	}
	for _, id := range slices.Clone(e.openIDs) {
		if g := e.in[id]; g != nil && g.State != ended {
			e.tickIn(g)
		}
	}
	e.forgetDue()
	e.forgetTokensDue()
	for _, local := range sortedKeys(e.out) {
		e.tickOut(e.out[local])
	}
}

// Duplicate reports whether m is a copy of a message already accepted in
// a group that eliminates duplicates: stepped, it would be acknowledged
// and not delivered. (A driver short of room for deliveries can still
// take it.)
func (e *Engine) Duplicate(m Message) bool {
	g := e.in[m.Group]
	return g != nil && g.Proto == m.Proto && g.DupElim && g.Received.Contains(m.Number)
}

// HasReady reports whether Ready has anything to do.
func (e *Engine) HasReady() bool {
	return !e.rd.Empty() || len(e.dirtyIn)+len(e.dirtyOut) > 0 || e.metaDirty ||
		len(e.releasing) > 0 && e.room > 0 // held messages to release, and room for them
}

// Ready returns what the driver must do now (see the Ready type for the
// order). Until Advance, it returns the same work again, plus anything new
// (more held messages released, while MaxRelease allows).
func (e *Engine) Ready() Ready {
	e.releaseMore()
	for _, id := range sortedKeys(e.dirtyIn) {
		e.rd.Persist = append(e.rd.Persist, e.inRecord(id))
	}
	for _, local := range sortedKeys(e.dirtyOut) {
		e.rd.Persist = append(e.rd.Persist, e.outRecord(local))
	}
	if e.metaDirty {
		e.rd.Persist = append(e.rd.Persist, Record{Key: keyMeta, Value: []byte(u64(e.nextLocal))})
	}
	clear(e.dirtyIn)
	clear(e.dirtyOut)
	clear(e.ackTo)
	e.metaDirty = false
	return e.rd
}

// Advance tells the engine the last Ready has been carried out.
func (e *Engine) Advance() { e.rd, e.rdBytes = Ready{}, 0 }

func (e *Engine) reply(r Reply) {
	if r.Ref == 0 {
		return
	}
	if g := e.in[r.Group]; g != nil && g.Proto == r.Proto {
		r.Meta = g.Meta
	}
	e.rd.Replies = append(e.rd.Replies, r)
}

// fault answers request ref with f, written in protocol p.
func (e *Engine) fault(ref uint64, p Protocol, f *Fault) {
	f.Proto = p
	e.reply(Reply{Ref: ref, Kind: ReplyFault, Proto: p, Group: f.Group, Fault: f})
}

// offeredVersions names, in WSRMRequired faults (WS-RM 1.2, 4.8), the
// reliable messaging versions the engine takes, so that a client can
// tell which one to speak.
const offeredVersions = "This endpoint takes WS-ReliableMessaging 1.2 (" + NSRM + "), WS-ReliableMessaging February 2005 (" +
	NSRM200502 + ") and WS-Reliability 1.1 (" + NSRel + ")."

func (e *Engine) send(o Outbound) {
	if o.Meta == nil {
		o.Meta = e.metaOf(o)
	}
	if isMCAnonymous(o.To) {
		e.queuePending(o)
		return
	}
	e.rd.Send = append(e.rd.Send, o)
}

// metaOf is the Meta of the outbound sequence or the group o is about.
func (e *Engine) metaOf(o Outbound) []byte {
	if s := e.out[o.Local]; o.Local != "" && s != nil {
		return s.Meta
	}
	if g := e.in[o.Group]; g != nil && g.Proto == o.Proto {
		return g.Meta
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }
