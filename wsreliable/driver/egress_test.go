package driver

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wsgw/wsgw/wsreliable"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Acknowledgements to a client's AcksTo are sent in the background. An
// AcksTo that never answers (a black hole the allow-list lets through)
// must not stall the engine loop, and with it every request of the
// service: acknowledgements are regenerated, so one that finds no free
// sending slot can be dropped. The send timeout is an hour, so a loop that
// waited for a slot would hold the 33rd message for an hour: the minute
// this test allows is no timing bound on the normal path, it only turns
// that hang into a failure.
func TestDriver_SlowAcksToDoesNotStallRequests(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	hole := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
	r := startWith(t, db, Config{Name: "Orders", Engine: wsreliable.Config{}, Backoff: testBackoff,
		DeliveryTimeout: time.Hour, TickInterval: 20 * time.Millisecond},
		Options{Backend: &fakeBackend{}, Client: hole})
	defer r.stop()
	d := r.Driver

	st, body := call(t, d, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
		`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://acks.example/hole</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := idRE.FindStringSubmatch(body)
	if st != 200 || m == nil {
		t.Fatalf("CreateSequence: got %d %s", st, body)
	}
	done := make(chan error, 1)
	go func() {
		for n := 1; n <= 48; n++ {
			st, body := call(t, d, `<wsrm:Sequence><wsrm:Identifier>`+m[1]+`</wsrm:Identifier><wsrm:MessageNumber>`+u64s(n)+`</wsrm:MessageNumber></wsrm:Sequence>`,
				`<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`)
			if st >= 300 {
				done <- fmt.Errorf("message %d: got %d %s", n, st, body)
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("48 messages with a black-hole AcksTo: still waiting after a minute, want no wait for the hour-long ack sends")
	}
}

func u64s(n int) string { return wsreliable.Range{Lower: uint64(n), Upper: uint64(n)}.String() }
