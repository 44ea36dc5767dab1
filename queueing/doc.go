// Package queueing holds wsgw's queues: the in-memory stage primitive
// used on the request path, and the durable queue contract (implemented in
// sub-packages) used by reliable messaging and delivery.
//
// # Stages
//
// A Stage is one stage of a staged event-driven architecture (SEDA: Welsh,
// Culler and Brewer, "SEDA: An Architecture for Well-Conditioned, Scalable
// Internet Services", SOSP 2001): a bounded queue in front of a bounded
// pool of workers, with an admission controller that refuses work early
// instead of letting the queue, and with it latency, grow without limit.
//
// Admission follows two rules, both checked when a caller arrives:
//
//   - queue length: at most QueueLen callers wait for a worker; the next
//     one is refused ("queue full");
//   - queueing delay: when the oldest waiter has waited longer than
//     TargetDelay, newcomers are refused ("queueing delay over target").
//     This is the sojourn-time signal of CoDel (Nichols and Jacobson,
//     "Controlling Queue Delay", ACM Queue 2012), reduced to a threshold:
//     a standing queue whose head is older than the target is a queue that
//     is not draining fast enough, whatever its length.
//
// A stage may also have an adaptive worker count (StageConfig.Limiter): a
// concurrency limit learned from the round trips its user reports with
// Observe, each of a class (requests of one cost) measured against its
// class's no-load round trip, in the gradient form of TCP Vegas (Limiter
// documents the rule: the round trip is held within 1.5 times the no-load
// one plus slack), the modern form of SEDA's response-time controller
// (Welsh and Culler, "Adaptive Overload Control for Busy Internet
// Servers", USITS 2003), which adjusted each stage's admission from its
// 90th-percentile response time. The limit keeps a backend's queue short,
// so the latency of admitted work stays near the backend's own; the
// stage's queue is then bounded to what the limit drains within a
// fraction of a round trip, and callers beyond it are refused at once
// ("over the adaptive concurrency limit"). The limiter reads no clock and
// starts no goroutine: the stage hands it the time.
//
// A refusal is a *BusyError with a RetryAfter hint of a few times the
// delay target (4x; 1s when the delay check is disabled), which the
// gateway turns into HTTP 503 + Retry-After and a SOAP fault.
//
// Execution model: a Stage starts no goroutines. Do runs fn on the
// caller's goroutine once it holds one of Workers slots; waiters queue
// FIFO and a finishing task hands its slot straight to the oldest waiter.
// In an HTTP server, where every request already has its goroutine, this
// bounds concurrency exactly like a worker pool without a goroutine
// hand-off per request. A waiter whose ctx ends leaves the queue and its
// fn never runs. Close refuses new work and returns once running and
// queued work has finished.
package queueing
