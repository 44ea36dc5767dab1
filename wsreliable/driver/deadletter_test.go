package driver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// flakyBackend fails its first call, then takes what it gets.
type flakyBackend struct {
	fakeBackend
	once sync.Once
}

func (b *flakyBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	failed := false
	b.once.Do(func() { failed = true })
	if failed {
		return nil, 0, errors.New("backend hiccup")
	}
	return b.fakeBackend.Deliver(ctx, msg, hdr)
}

// A crash between the enqueue of a delivery and the write of the engine's
// records leaves the delivery in the queue twice (driver doc: the consumer
// drops the repeat by its done mark). When the first copy runs out of
// attempts and goes to the dead letters, the second must not be delivered
// after all: the sender was told it failed (PermanentProcessingFailure),
// and in an ordered group it would arrive after later messages.
func TestDriver_DeadLetteredDeliveryRepeatNotDelivered(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &flakyBackend{}
	d, err := New(Config{Name: "Orders", MaxAttempts: 1, Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{DB: db, Backend: b, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	env := []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order></s:Body></s:Envelope>`)
	dl := wsreliable.Delivery{Proto: wsreliable.RM, Group: "urn:seq", Number: 1,
		Payload: encodeEnvelope(http.Header{"Content-Type": {"text/xml"}}, soap.Addressing{}, env)}
	copies := []queueing.Message{{Body: encodeDelivery(dl), Group: "wsrm:urn:seq"}, {Body: encodeDelivery(dl), Group: "wsrm:urn:seq"}}
	if _, err := d.q.EnqueueBatch(context.Background(), copies); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); d.Stats().QueueDepth != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("queue depth: got %d, want 0", d.Stats().QueueDepth)
		}
	}
	if got := b.received(); len(got) != 0 {
		t.Fatalf("backend received %v after the delivery was dead-lettered, want nothing", got)
	}
}
