package driver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// fakeBackend records the order numbers it receives; down makes it fail.
type fakeBackend struct {
	mu   sync.Mutex // guards got and down
	got  []string
	down bool
}

var orderRE = regexp.MustCompile(`<o:Id>([^<]*)</o:Id>`)

func (b *fakeBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return nil, 0, errors.New("backend down")
	}
	if strings.Contains(string(msg), "wsrm:Sequence") {
		return nil, 0, fmt.Errorf("%w: RM header not stripped", ErrRejected)
	}
	if m := orderRE.FindSubmatch(msg); m != nil {
		b.got = append(b.got, string(m[1]))
	}
	return nil, http.StatusAccepted, nil
}

func (b *fakeBackend) setDown(v bool) { b.mu.Lock(); b.down = v; b.mu.Unlock() }

func (b *fakeBackend) received() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.got)
}

const rmEnv = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsrm="http://docs.oasis-open.org/ws-rx/wsrm/200702"><s:Header>%s</s:Header><s:Body>%s</s:Body></s:Envelope>`

func call(t *testing.T, d *Driver, header, body string) (int, string) {
	t.Helper()
	return callAs(t, d, "", header, body)
}

// callAs is call from caller who (as the gateway names it in the context).
func callAs(t *testing.T, d *Driver, who caller.ID, header, body string) (int, string) {
	t.Helper()
	raw := fmt.Sprintf(rmEnv, header, body)
	m, err := soap.ReadMessageBytes([]byte(raw), xmldoc.Limits{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`"urn:order"`}}
	st, _, b := d.HandleRequest(caller.NewContext(context.Background(), who), m, h)
	return st, string(b)
}

var idRE = regexp.MustCompile(`<wsrm:Identifier>([^<]*)</wsrm:Identifier>`)

func createSequence(t *testing.T, d *Driver) string {
	t.Helper()
	st, body := call(t, d, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
		`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := idRE.FindStringSubmatch(body)
	if st != 200 || m == nil {
		t.Fatalf("CreateSequence: got %d %s", st, body)
	}
	return m[1]
}

func send(t *testing.T, d *Driver, seq string, n int) string {
	t.Helper()
	st, body := call(t, d, fmt.Sprintf(`<wsrm:Sequence s:mustUnderstand="1"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, seq, n),
		fmt.Sprintf(`<o:Order xmlns:o="urn:order"><o:Id>%d</o:Id></o:Order>`, n))
	if st != 200 {
		t.Fatalf("message %d: got status %d, want 200: %s", n, st, body)
	}
	return body
}

func waitReceived(t *testing.T, b *fakeBackend, want []string) {
	t.Helper()
	checkfor.Until(t, 10*time.Second, func() error {
		if got := b.received(); !slices.Equal(got, want) {
			return fmt.Errorf("backend received %v, want %v", got, want)
		}
		return nil
	})
}

// waitSettled waits until d's queue holds nothing.
func waitSettled(t *testing.T, d *Driver) {
	t.Helper()
	checkfor.Until(t, 10*time.Second, func() error {
		if n := d.Stats().QueueDepth; n != 0 {
			return fmt.Errorf("queue depth: got %d, want 0", n)
		}
		return nil
	})
}

func TestDriver_InOrderExactlyOnce(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &fakeBackend{}
	d := start(t, db, b)
	defer d.stop()
	seq := createSequence(t, d.Driver)
	send(t, d.Driver, seq, 1)
	if ack := send(t, d.Driver, seq, 3); !strings.Contains(ack, `Lower="3"`) {
		t.Fatalf("ack of 3: got %s", ack)
	}
	send(t, d.Driver, seq, 3) // duplicate
	waitReceived(t, b, []string{"1"})
	send(t, d.Driver, seq, 2)
	send(t, d.Driver, seq, 2) // duplicate
	waitReceived(t, b, []string{"1", "2", "3"})
	checkfor.True(t, 5*time.Second, "3 deliveries counted", func() bool { return d.Stats().Delivered == 3 })
	if s := d.Stats(); s.Accepted != 3 || s.Delivered != 3 {
		t.Fatalf("stats: got %+v, want 3 accepted and delivered", s)
	}
}

func TestDriver_BackendDownThenRestart(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	b := &fakeBackend{down: true}
	d := start(t, db, b)
	seq := createSequence(t, d.Driver)
	for n := 1; n <= 5; n++ {
		send(t, d.Driver, seq, n)
	}
	d.stop()
	db.Close()

	db = openDB(t, dir)
	defer db.Close()
	b.setDown(false)
	d = start(t, db, b)
	defer d.stop()
	send(t, d.Driver, seq, 6)
	send(t, d.Driver, seq, 3) // a late duplicate, after the restart
	waitReceived(t, b, []string{"1", "2", "3", "4", "5", "6"})
	waitSettled(t, d.Driver)
}
