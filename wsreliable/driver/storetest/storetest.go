// Package storetest checks that an implementation of the reliable
// driver's storage seams (driver.Journal, driver.Queue, driver.Mailbox)
// keeps their contract, as wsnotify/storetest does for the broker's
// store: an implementation's tests call Run (the seams alone) and
// RunDriver (a driver over the store, end to end), so that badger (one
// node) and NATS JetStream (several) are held to the same rules: records
// and deliveries that go together, a bounded queue that refuses without
// writing records, one delivery of a group at a time and in order, leases
// that run out, redelivery after a delay, dead letters after the last
// attempt, replies kept with the ack and picked up at least once, and
// everything kept across a restart.
//
// The tests run on the real clock with short durations, and poll for
// what takes time (internal/checkfor).
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// Opener makes the stores the tests run against.
type Opener struct {
	// Open returns a new, empty store of service name whose queue has
	// options qo (MaxLength, MaxAttempts, Backoff, VisibilityTimeout),
	// released when t ends. A store shared by nodes is returned holding
	// every shard, its deliveries open: it acts as one node's store.
	Open func(t *testing.T, name string, qo queueing.Options) driver.Store
	// Reopen returns a store over what st stored, as after a restart of
	// the process (st is not used again).
	Reopen func(t *testing.T, st driver.Store) driver.Store
	// Dedup says that the store drops a delivery whose DedupKey it took
	// already (one that cannot write records and deliveries at once);
	// such a store may also have enqueued some deliveries of a Commit it
	// refused as full.
	Dedup bool
}

var ctx = context.Background()

// opts are the tests' queue options: real time, short delays.
func opts() queueing.Options {
	return queueing.Options{MaxAttempts: 3, VisibilityTimeout: 5 * time.Second,
		Backoff: queueing.Backoff{Base: 50 * time.Millisecond, Max: 200 * time.Millisecond, Jitter: -1}}
}

// Run runs the contract tests of the seams, each against a store of its
// own.
func Run(t *testing.T, o Opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Commit_RecordsAndDeliveriesTogether", testCommit},
		{"Commit_RefusedWhenFullWritesNoRecord", testCommitFull},
		{"Commit_DropsARepeatedDelivery", testCommitDedup},
		{"Lease_OneOfAGroupAtATimeInOrder", testGroupOrder},
		{"Nack_RedeliveredAfterTheDelay", testNackDelay},
		{"Nack_LastAttemptGoesToTheDeadLetters", testDeadLetter},
		{"Lease_RunsOutAndIsDeliveredAgain", testLeaseRunsOut},
		{"Ack_KeepsTheReplyForAPickup", testReplyPickup},
		{"TakeReply_LeaseRunsOut", testReplyLeaseRunsOut},
		{"Restart_KeepsRecordsDeliveriesAndReplies", testRestart},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, o) })
	}
}
