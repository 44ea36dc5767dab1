package driver

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

func makeConnection(t *testing.T, d *Driver, addr string) (int, string, func(bool)) {
	t.Helper()
	raw := fmt.Sprintf(rmEnv, `<wsa:Action>`+wsreliable.ActionMakeConnection+`</wsa:Action>`,
		`<wsmc:MakeConnection xmlns:wsmc="http://docs.oasis-open.org/ws-rx/wsmc/200702"><wsmc:Address>`+addr+`</wsmc:Address></wsmc:MakeConnection>`)
	m, err := soap.ReadMessageBytes([]byte(raw), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	st, _, b, done := d.HandleRequestDone(context.Background(), m, http.Header{"Content-Type": {"text/xml"}})
	return st, string(b), done
}

// A stored reply handed to a MakeConnection is deleted only once the
// answer was written: an answer lost on the way (done(false)) leaves it for
// the next MakeConnection, so pickup is at least once.
func TestDriver_MakeConnectionPickupAtLeastOnce(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	cfg := Config{Name: "Orders", Backoff: testBackoff}
	store := openStore(t, db, cfg, nil)
	d := startWith(t, db, cfg, Options{Store: store, Backend: &fakeBackend{}})
	defer func() { d.stop(); store.Close() }()
	addr := wsreliable.MCAnonymousPrefix + "client1"
	// A reply kept as the consumer keeps it: with the ack of its delivery.
	ctx := context.Background()
	if err := store.Commit(ctx, nil, []queueing.Message{{Body: []byte("not a delivery")}}); err != nil {
		t.Fatal(err)
	}
	if err := store.Ack(ctx, 1, addr, []byte("<reply1/>")); err != nil {
		t.Fatal(err)
	}
	st, body, done := makeConnection(t, d.Driver, addr)
	if st != 200 || body != "<reply1/>" {
		t.Fatalf("first MakeConnection: got %d %q, want 200 <reply1/>", st, body)
	}
	// While the first answer is being written, another MakeConnection does
	// not get the same reply.
	if st, body, done2 := makeConnection(t, d.Driver, addr); st != http.StatusAccepted {
		t.Fatalf("MakeConnection while the reply is out: got %d %q, want 202", st, body)
	} else {
		done2(true)
	}
	done(false) // the answer was lost
	st, body, done = makeConnection(t, d.Driver, addr)
	if st != 200 || body != "<reply1/>" {
		t.Fatalf("MakeConnection after a lost answer: got %d %q, want 200 <reply1/>", st, body)
	}
	done(true)
	if st, body, _ := makeConnection(t, d.Driver, addr); st != http.StatusAccepted {
		t.Fatalf("MakeConnection after the reply was written: got %d %q, want 202", st, body)
	}
}
