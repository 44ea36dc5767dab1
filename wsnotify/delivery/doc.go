// Package delivery pushes notifications to consumers: one bounded queue per
// subscription, a fixed pool of workers shared by all queues, batches of
// several messages per request when a backlog exists, retries with
// exponential backoff and, after the configured attempts, a dead-letter
// hand-off (WS-BaseNotification 1.3, 4.1 Notify: "several
// NotificationMessages per Notify").
//
// Isolation: a queue is held by at most one worker at a time, and only for
// one attempt (bounded by Config.Timeout); a queue waiting out its backoff
// holds no worker. So a slow or dead consumer costs at most one worker for
// one timeout per backoff period and never blocks the queues of others,
// while the number of goroutines stays Config.Workers whatever the number
// of consumers.
//
// Bounds: a queue holds at most Config.QueueLen messages (PausedLen while
// paused); a message arriving at a full queue is dropped and counted
// (Hooks.Dropped). Queues are in memory: they serve best-effort
// subscriptions. A durable subscription's deliveries go through the
// broker's durable queue instead (wsnotify.Queue, wsnotify's doc).
//
// The package knows nothing of SOAP: Sender encodes and posts a batch.
package delivery
