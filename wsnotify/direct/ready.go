package direct

import (
	"fmt"
	"time"
)

// Ready is what an engine asks its driver to do: write Send (in order),
// hand Deliver to the consumer (in order: it is the delivery order), report
// Gaps and Demoted; then call Advance. A Sender fills only Send.
type Ready struct {
	Send    []Datagram
	Deliver []Delivery
	Gaps    []Gap
	Demoted []Demotion
}

// Empty reports whether r holds nothing to do.
func (r Ready) Empty() bool {
	return len(r.Send)+len(r.Deliver)+len(r.Gaps)+len(r.Demoted) == 0
}

// Delivery is one notification, whole: the wsnt:Notify element as the
// publisher's agent sent it (namespace bindings it inherited from the
// datagram's envelope added). Seq is the sequence number of its first
// datagram in the session's epoch.
type Delivery struct {
	Session uint64
	Epoch   uint32
	Seq     uint64
	Notify  []byte
}

// GapReason says why sequence numbers were given up.
type GapReason uint8

// Gap reasons.
const (
	GapUnrecovered GapReason = iota + 1 // asked MaxNAKs times without a repair
	GapWindow                           // left the sender's repair window
	GapDemoted                          // lost while this receiver was demoted (recover over HTTP)
	GapOverflow                         // the receiver's buffer or pending limit was reached
	GapRestart                          // the sender restarted the session (a new epoch)
	GapMalformed                        // fragments that do not make a notification
	GapClosed                           // the sender closed the session (its last heartbeat) before sending or repairing them
)

var gapNames = [...]string{"", "unrecovered", "window", "demoted", "overflow", "restart", "malformed", "closed"}

func (r GapReason) String() string {
	if int(r) < len(gapNames) && r != 0 {
		return gapNames[r]
	}
	return fmt.Sprintf("gap(%d)", uint8(r))
}

// Gap is an explicit loss: the datagrams From..To (sequence numbers of the
// session's epoch Epoch) will not be delivered. Notifications wholly or
// partly in it are lost: those whose first datagram is in it (the gap
// starts at the first datagram of a notification it takes down); the
// receiver's agent recovers them over HTTP.
type Gap struct {
	Session  uint64
	Epoch    uint32
	From, To uint64
	Reason   GapReason
}

// Demotion tells the driver that the sender of Session ignores this
// receiver's NAKs until Until: losses become gaps at once, to be recovered
// over HTTP.
type Demotion struct {
	Session uint64
	Reason  DemoteReason
	Until   time.Time
}
