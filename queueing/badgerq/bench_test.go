package badgerq

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

// Figures are fsync-bound: every Enqueue and Ack returns after a sync to
// disk, so the sequential case measures the disk's sync latency and the
// parallel one how many calls a group commit gathers per sync.

func benchQueue(b *testing.B, syncWrites bool) *Queue {
	b.Helper()
	db, err := badger.Open(badger.DefaultOptions(b.TempDir()).WithLogger(nil).WithSyncWrites(syncWrites))
	if err != nil {
		b.Fatal(err)
	}
	q, err := Open(db, "q/bench/", queueing.Options{MaxLength: 10_000_000})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		q.Close()
		db.Close()
	})
	return q
}

func reportRate(b *testing.B, q *Queue) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if s := q.Stats(); s.Syncs > 0 {
		b.ReportMetric(float64(b.N)/float64(s.Syncs), "msgs/sync")
	}
}

func BenchmarkEnqueue(b *testing.B) {
	body := make([]byte, 1024)
	for _, mode := range []struct {
		name       string
		syncWrites bool
		parallel   bool
	}{
		{"sequential", false, false},
		{"parallel", false, true},
		{"sequential-syncwrites", true, false},
		{"parallel-syncwrites", true, true},
	} {
		b.Run(mode.name, func(b *testing.B) {
			q := benchQueue(b, mode.syncWrites)
			ctx := context.Background()
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			if !mode.parallel {
				for range b.N {
					if _, err := q.Enqueue(ctx, queueing.Message{Body: body}); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(32)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := q.Enqueue(ctx, queueing.Message{Body: body}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			reportRate(b, q)
		})
	}
}

// BenchmarkEnqueueLeaseAck measures the full life of a message: enqueued,
// leased and acked (two syncs per message, shared by a group commit).
func BenchmarkEnqueueLeaseAck(b *testing.B) {
	body := make([]byte, 1024)
	for _, mode := range []struct {
		name                 string
		syncWrites, parallel bool
	}{
		{"sequential", false, false},
		{"parallel", false, true},
		{"sequential-syncwrites", true, false},
		{"parallel-syncwrites", true, true},
	} {
		parallel := mode.parallel
		b.Run(mode.name, func(b *testing.B) {
			q := benchQueue(b, mode.syncWrites)
			ctx := context.Background()
			one := func() {
				if _, err := q.Enqueue(ctx, queueing.Message{Body: body}); err != nil {
					b.Fatal(err)
				}
				ls, err := q.Lease(ctx, 1, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				if err := q.Ack(ctx, ids(ls)...); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			if !parallel {
				for range b.N {
					one()
				}
			} else {
				b.SetParallelism(32)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						one()
					}
				})
			}
			reportRate(b, q)
		})
	}
}
