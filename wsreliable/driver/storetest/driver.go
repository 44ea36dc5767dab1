package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// RunDriver runs the driver over stores of o, end to end: what it
// acknowledges is delivered once, in order, across a restart, and a
// backend that is down only delays delivery.
func RunDriver(t *testing.T, o Opener) {
	t.Run("Driver_InOrderOnceAcrossARestart", func(t *testing.T) { testDriverRestart(t, o) })
	t.Run("Driver_BackendDownOnlyDelays", func(t *testing.T) { testDriverBackendDown(t, o) })
}

// Backend records what a driver delivers: the order numbers, and how
// often each delivery ID came. Down makes it fail.
type Backend struct {
	mu   sync.Mutex // guards the fields below
	got  []string
	ids  map[string]int
	down bool
}

var orderRE = regexp.MustCompile(`<o:Id>([^<]*)</o:Id>`)

// Deliver implements driver.Backend.
func (b *Backend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return nil, 0, errors.New("backend down")
	}
	if b.ids == nil {
		b.ids = map[string]int{}
	}
	b.ids[hdr.Get(driver.DeliveryIDHeader)]++
	if m := orderRE.FindSubmatch(msg); m != nil {
		b.got = append(b.got, string(m[1]))
	}
	return nil, http.StatusAccepted, nil
}

// SetDown makes the backend fail (true) or take deliveries.
func (b *Backend) SetDown(v bool) { b.mu.Lock(); b.down = v; b.mu.Unlock() }

// Received returns the order numbers delivered, in order.
func (b *Backend) Received() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.got)
}

// Repeats counts the delivery IDs delivered more than once.
func (b *Backend) Repeats() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.ids {
		if c > 1 {
			n++
		}
	}
	return n
}

// WaitReceived waits until the backend received want, in that order.
func (b *Backend) WaitReceived(t *testing.T, within time.Duration, want ...string) {
	t.Helper()
	checkfor.Until(t, within, func() error {
		if got := b.Received(); !slices.Equal(got, want) {
			return fmt.Errorf("backend received %v, want %v", got, want)
		}
		return nil
	})
}

// Client speaks WS-RM 1.2 to a driver (or anything with its
// HandleRequest).
type Client struct {
	Handle func(ctx context.Context, m *soap.Message, hdr http.Header) (int, http.Header, []byte)
}

const rmEnv = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsrm="http://docs.oasis-open.org/ws-rx/wsrm/200702"><s:Header>%s</s:Header><s:Body>%s</s:Body></s:Envelope>`

// Envelope is a SOAP 1.1 envelope with WS-RM 1.2 and WS-Addressing
// namespaces bound (wsrm, wsa) around header and body.
func Envelope(header, body string) string { return fmt.Sprintf(rmEnv, header, body) }

// Call sends the envelope of header and body and returns the answer.
func (c Client) Call(t testing.TB, header, body string) (int, string) {
	t.Helper()
	m, err := soap.ReadMessageBytes([]byte(Envelope(header, body)), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`"urn:order"`}}
	st, _, b := c.Handle(context.Background(), m, h)
	return st, string(b)
}

var idRE = regexp.MustCompile(`<wsrm:Identifier>([^<]*)</wsrm:Identifier>`)

// CreateSequence is the body of a WS-RM 1.2 CreateSequence with an
// anonymous AcksTo, and CreateSequenceHeader its headers.
const (
	CreateSequence       = `<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`
	CreateSequenceHeader = `<wsa:Action>` + wsreliable.ActionCreateSequence + `</wsa:Action>`
)

// CreateSequence creates a sequence and returns its Identifier.
func (c Client) CreateSequence(t testing.TB) string {
	t.Helper()
	st, body := c.Call(t, CreateSequenceHeader, CreateSequence)
	m := idRE.FindStringSubmatch(body)
	if st != http.StatusOK || m == nil {
		t.Fatalf("CreateSequence: got %d %s", st, body)
	}
	return m[1]
}

// Message is the header and body of message n of seq, an order numbered
// n.
func Message(seq string, n int) (header, body string) {
	return fmt.Sprintf(`<wsrm:Sequence s:mustUnderstand="1"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, seq, n),
		fmt.Sprintf(`<o:Order xmlns:o="urn:order"><o:Id>%d</o:Id></o:Order>`, n)
}

// Send sends message n of seq and returns the answer, failing t unless
// it is 200 (acknowledged).
func (c Client) Send(t testing.TB, seq string, n int) string {
	t.Helper()
	h, b := Message(seq, n)
	st, body := c.Call(t, h, b)
	if st != http.StatusOK {
		t.Fatalf("message %d: got status %d, want 200: %s", n, st, body)
	}
	return body
}

// StartDriver runs a driver of cfg over st (and cl, nil for one node)
// with backend b until t ends (or stop).
func StartDriver(t *testing.T, cfg driver.Config, st driver.Store, b driver.Backend, cl driver.Cluster) (d *driver.Driver, stop func()) {
	t.Helper()
	d, err := driver.New(cfg, driver.Options{Store: st, Backend: b, Cluster: cl,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }() //nolint:errcheck // returns nil
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return d, stop
}

func driverConfig(name string) driver.Config {
	return driver.Config{Name: name, Engine: wsreliable.Config{InOrder: true}, TickInterval: 20 * time.Millisecond,
		Backoff: queueing.Backoff{Base: 50 * time.Millisecond, Max: 200 * time.Millisecond, Jitter: -1}, DeliveryTimeout: 5 * time.Second}
}

// testDriverRestart: messages 1, 3, 2 are delivered 1, 2, 3, once; after
// a restart on the same store a retransmission of 3 is acknowledged and
// not delivered again, and 4 is.
func testDriverRestart(t *testing.T, o Opener) {
	cfg := driverConfig("inorder")
	st := o.Open(t, cfg.Name, cfg.QueueOptions(nil))
	b := &Backend{}
	d, stop := StartDriver(t, cfg, st, b, nil)
	c := Client{Handle: d.HandleRequest}
	seq := c.CreateSequence(t)
	c.Send(t, seq, 1)
	c.Send(t, seq, 3)
	c.Send(t, seq, 2)
	b.WaitReceived(t, 20*time.Second, "1", "2", "3")
	stop()
	st = o.Reopen(t, st)
	d, _ = StartDriver(t, cfg, st, b, nil)
	c = Client{Handle: d.HandleRequest}
	if body := c.Send(t, seq, 3); !regexp.MustCompile(`Upper="3"`).MatchString(body) {
		t.Fatalf("retransmission of 3 after a restart: %s, want acknowledged through 3", body)
	}
	c.Send(t, seq, 4)
	b.WaitReceived(t, 20*time.Second, "1", "2", "3", "4")
	if n := b.Repeats(); n != 0 {
		t.Fatalf("%d deliveries repeated, want 0", n)
	}
}

// testDriverBackendDown: messages acknowledged while the backend is down
// are delivered, in order, once it is up.
func testDriverBackendDown(t *testing.T, o Opener) {
	cfg := driverConfig("down")
	st := o.Open(t, cfg.Name, cfg.QueueOptions(nil))
	b := &Backend{}
	b.SetDown(true)
	d, _ := StartDriver(t, cfg, st, b, nil)
	c := Client{Handle: d.HandleRequest}
	seq := c.CreateSequence(t)
	for n := 1; n <= 3; n++ {
		c.Send(t, seq, n)
	}
	checkfor.True(t, 10*time.Second, "a redelivery", func() bool { return d.Stats().Redelivered > 0 })
	b.SetDown(false)
	b.WaitReceived(t, 30*time.Second, "1", "2", "3")
}
