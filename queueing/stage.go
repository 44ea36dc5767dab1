// SKELETON: signatures are the contract other packages code against.
package queueing

import (
	"context"
	"time"
)

// StageConfig configures a Stage. Zero fields take the defaults in comments.
type StageConfig struct {
	Name     string
	Workers  int // concurrent tasks; default 64
	QueueLen int // tasks waiting for a worker; default 256
	// TargetDelay is the queueing delay above which the stage refuses new
	// work (CoDel-style: refused once the oldest waiter has waited longer
	// than TargetDelay); 0 means 100ms, negative disables the check.
	TargetDelay time.Duration
}

// BusyError is returned by Do when the stage refuses work.
type BusyError struct {
	Stage      string
	Reason     string        // "queue full" or "queueing delay over target"
	RetryAfter time.Duration // a hint for clients
}

func (e *BusyError) Error() string { panic("unimplemented") }

// Stage is a bounded queue in front of a bounded pool of workers with
// admission control (SEDA).
type Stage struct{}

// NewStage returns a running stage; Close stops it.
func NewStage(cfg StageConfig) (*Stage, error) { panic("unimplemented") }

// Do admits fn or refuses it at once with *BusyError. Once admitted, fn runs
// when a worker is free and Do returns after fn returns. If ctx ends while
// fn waits in the queue, Do returns ctx.Err() and fn never runs.
func (s *Stage) Do(ctx context.Context, fn func(ctx context.Context)) error {
	panic("unimplemented")
}

// StageStats is a snapshot of a stage's counters.
type StageStats struct {
	Queued   int
	Running  int
	Admitted uint64
	Rejected uint64
}

func (s *Stage) Stats() StageStats { panic("unimplemented") }

// Close refuses new work, lets admitted work finish, and returns.
func (s *Stage) Close() { panic("unimplemented") }
