package driver

import (
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
// sending slot can be dropped.
func TestDriver_SlowAcksToDoesNotStallRequests(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	hole := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
	r := startWith(t, db, Config{Name: "Orders", Engine: wsreliable.Config{}, Backoff: testBackoff,
		DeliveryTimeout: 3 * time.Second, TickInterval: 20 * time.Millisecond},
		Options{Backend: &fakeBackend{}, Client: hole})
	defer r.stop()
	d := r.Driver

	st, body := call(t, d, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
		`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://acks.example/hole</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := idRE.FindStringSubmatch(body)
	if st != 200 || m == nil {
		t.Fatalf("CreateSequence: got %d %s", st, body)
	}
	begin := time.Now()
	for n := 1; n <= 48; n++ {
		st, body := call(t, d, `<wsrm:Sequence><wsrm:Identifier>`+m[1]+`</wsrm:Identifier><wsrm:MessageNumber>`+u64s(n)+`</wsrm:MessageNumber></wsrm:Sequence>`,
			`<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`)
		if st >= 300 {
			t.Fatalf("message %d: got %d %s", n, st, body)
		}
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Fatalf("48 messages with a black-hole AcksTo took %v, want well under the 3s send timeout", took)
	}
}

func u64s(n int) string { return wsreliable.Range{Lower: uint64(n), Upper: uint64(n)}.String() }
