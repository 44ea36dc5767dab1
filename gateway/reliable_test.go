package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// logBackend is a StockQuote backend that logs the Symbol of every SetQuote
// in the order received and answers GetQuote. It can be stopped and
// started again on the same address.
type logBackend struct {
	addr string

	mu  sync.Mutex // guards log, ids and srv
	log []string
	ids []string // Wsgw-Delivery-Id of each SetQuote
	srv *http.Server
}

var symbolRE = regexp.MustCompile(`<q:Symbol>([^<]*)</q:Symbol>`)

func newLogBackend(t testing.TB) *logBackend {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &logBackend{addr: ln.Addr().String()}
	b.serve(ln)
	t.Cleanup(b.stop)
	return b
}

func (b *logBackend) url() string { return "http://" + b.addr + "/quote" }

func (b *logBackend) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(b.handle)}
	b.mu.Lock()
	b.srv = srv
	b.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with stop
}

func (b *logBackend) start(t *testing.T) {
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	b.serve(ln)
}

func (b *logBackend) stop() {
	b.mu.Lock()
	srv := b.srv
	b.mu.Unlock()
	srv.Close()
}

func (b *logBackend) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if strings.Contains(string(body), "wsrm:") {
		http.Error(w, "RM header leaked to the backend", http.StatusBadRequest)
		return
	}
	if strings.Contains(string(body), "UsernameToken") {
		http.Error(w, "the caller's Security header leaked to the backend", http.StatusBadRequest)
		return
	}
	m := symbolRE.FindSubmatch(body)
	if m == nil {
		http.Error(w, "no symbol", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if string(m[1]) == "FAULT" { // a backend fault, for where faults go
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>FAULT refused</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
		return
	}
	if strings.Contains(string(body), "GetQuote") {
		fmt.Fprintf(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><q:GetQuoteResponse xmlns:q="%s"><q:Price>42</q:Price><q:Symbol>%s</q:Symbol></q:GetQuoteResponse></soap:Body></soap:Envelope>`, quoteNS, m[1])
		return
	}
	b.mu.Lock()
	b.log = append(b.log, string(m[1]))
	b.ids = append(b.ids, r.Header.Get(driver.DeliveryIDHeader))
	b.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (b *logBackend) received() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.log)
}

func (b *logBackend) waitLog(t *testing.T, want ...string) {
	t.Helper()
	checkfor.Until(t, 15*time.Second, func() error {
		if got := b.received(); !slices.Equal(got, want) {
			return fmt.Errorf("backend log: got %v, want %v", got, want)
		}
		return nil
	})
}

// reliableQuote is a reliable, in-order StockQuote service over b.
func reliableQuote(b *logBackend) ServiceConfig {
	s := quoteService("Quotes", cluster.PartitionConfig{Replicas: []string{b.url()}})
	s.Cluster.Health = cluster.HealthConfig{}
	s.Timeout = 2 * time.Second
	s.Reliable = &ReliableConfig{InOrder: true,
		Retry:  ReliableRetry{Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxAttempts: -1},
		Egress: egress.Loopback()}
	return s
}

func openTestDB(t testing.TB, dir string) *badger.DB {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// reliableMetric returns the wsgw_reliable_<name> metric of service at the
// gateway at base.
func reliableMetric(t *testing.T, base, name, service string) float64 {
	t.Helper()
	r := do(t, http.MethodGet, base+"/metrics", nil, "")
	prefix := "wsgw_reliable_" + name + `{service="` + service + `"} `
	for _, l := range strings.Split(r.body, "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", l, err)
			}
			return f
		}
	}
	t.Fatalf("no metric %s{service=%q} in\n%s", name, service, r.body)
	return 0
}

// reliableScenario serves a gateway with the reliable Quotes service in
// front of a logging backend, for the test's duration, and returns the
// backend and a WS-RM client of a new sequence to it.
func reliableScenario(t *testing.T) (*logBackend, *rmClient) {
	t.Helper()
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db)
	t.Cleanup(func() { stop(); db.Close() })
	return b, newRMClient(t, url+"/services/Quotes")
}

// serveWithDB serves a gateway with db on a loopback port; stop ends it.
func serveWithDB(t *testing.T, cfg Config, db *badger.DB) (url string, stop func()) {
	t.Helper()
	addr, stop := serveAt(t, cfg, Options{DB: db}, "127.0.0.1:0")
	return "http://" + addr, stop
}

// rmClient is a WS-RM 1.2 client of one sequence.
type rmClient struct {
	t   *testing.T
	url string
	seq string
}

const rmWSANS = "http://www.w3.org/2005/08/addressing"

var identRE = regexp.MustCompile(`<wsrm:Identifier>([^<]*)</wsrm:Identifier>`)

func newRMClient(t *testing.T, url string) *rmClient {
	t.Helper()
	hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>`
	r := postRM(t, url, hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := identRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("CreateSequence: got %d %s", r.status, r.body)
	}
	return &rmClient{t: t, url: url, seq: m[1]}
}

func postRM(t *testing.T, url, header, body string) response {
	t.Helper()
	return postOp(t, url, "SetQuote", header, body)
}

func postOp(t *testing.T, url, op, header, body string) response {
	t.Helper()
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`"` + quoteNS + `/` + op + `"`}}
	return do(t, http.MethodPost, url, h, envelope(v11, header, body))
}

// send sends message n of the sequence (SetQuote of symbol) and returns
// the acknowledged ranges.
func (c *rmClient) send(n int, symbol string) string {
	c.t.Helper()
	return c.sendStatus(n, symbol, http.StatusOK)
}

// sendStatus is send expecting the HTTP status want.
func (c *rmClient) sendStatus(n int, symbol string, want int) string {
	c.t.Helper()
	hdr := fmt.Sprintf(`<wsrm:Sequence xmlns:wsrm="%s" soap:mustUnderstand="1"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`,
		wsreliable.NSRM, c.seq, n)
	r := postRM(c.t, c.url, hdr, setQuote(symbol))
	if r.status != want {
		c.t.Fatalf("message %d: got %d, want %d: %s", n, r.status, want, r.body)
	}
	return ackRanges(r.body)
}

var rangeRE = regexp.MustCompile(`Upper="(\d+)" Lower="(\d+)"`)

// ackRanges renders the AcknowledgementRanges of body as "1-2,4-4".
func ackRanges(body string) string {
	var s []string
	for _, m := range rangeRE.FindAllStringSubmatch(body, -1) {
		s = append(s, m[2]+"-"+m[1])
	}
	return strings.Join(s, ",")
}

func TestReliable_LostMessageRetransmitted(t *testing.T) {
	b, c := reliableScenario(t)
	c.send(1, "A")
	// Message 2 is lost on the way; the acknowledgement of 3 shows the gap.
	if got := c.send(3, "C"); got != "1-1,3-3" {
		t.Fatalf("ack after the loss: got %q, want 1-1,3-3", got)
	}
	if got := c.send(2, "B"); got != "1-3" {
		t.Fatalf("ack after the retransmission: got %q, want 1-3", got)
	}
	b.waitLog(t, "A", "B", "C")
}

func TestReliable_DuplicateEliminatedButAcked(t *testing.T) {
	b, c := reliableScenario(t)
	c.send(1, "A")
	if got := c.send(1, "A"); got != "1-1" {
		t.Fatalf("ack of the duplicate: got %q, want 1-1", got)
	}
	c.send(2, "B")
	b.waitLog(t, "A", "B")
}

func TestReliable_GapHeldThenDeliveredInOrder(t *testing.T) {
	b, c := reliableScenario(t)
	c.send(3, "C")
	c.send(2, "B")
	// A delivery is stored before the message is acknowledged: none was.
	if n := reliableMetric(t, strings.TrimSuffix(c.url, "/services/Quotes"), "accepted_total", "Quotes"); n != 0 {
		t.Fatalf("deliveries stored across a gap: got %v, want 0", n)
	}
	if got := c.send(1, "A"); got != "1-3" {
		t.Fatalf("ack: got %q, want 1-3", got)
	}
	b.waitLog(t, "A", "B", "C")
}

func TestReliable_BackendDown(t *testing.T) {
	b := newLogBackend(t)
	b.stop()
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db)
	defer stop()
	c := newRMClient(t, url+"/services/Quotes")
	var want []string
	for n := 1; n <= 5; n++ {
		sym := fmt.Sprintf("S%d", n)
		if got, wantAck := c.send(n, sym), fmt.Sprintf("1-%d", n); got != wantAck {
			t.Fatalf("ack with the backend down: got %q, want %q", got, wantAck)
		}
		want = append(want, sym)
	}
	checkfor.Until(t, 10*time.Second, func() error { // a delivery failed and was tried again
		if n := reliableMetric(t, url, "redelivered_total", "Quotes"); n == 0 {
			return errors.New("no redelivery yet")
		}
		return nil
	})
	b.start(t)
	b.waitLog(t, want...)
}

func TestReliable_RestartResumesDeliveries(t *testing.T) {
	b := newLogBackend(t)
	b.stop()
	dir := t.TempDir()
	db := openTestDB(t, dir)
	cfg := Config{Services: []ServiceConfig{reliableQuote(b)}}
	url, stop := serveWithDB(t, cfg, db)
	c := newRMClient(t, url+"/services/Quotes")
	c.send(1, "A")
	c.send(3, "C") // held back across the restart
	c.send(2, "B")
	stop()
	db.Close()

	db = openTestDB(t, dir)
	defer db.Close()
	b.start(t)
	url, stop = serveWithDB(t, cfg, db)
	defer stop()
	c.url = url + "/services/Quotes"
	if got := c.send(2, "B"); got != "1-3" { // a duplicate after the restart
		t.Fatalf("ack after the restart: got %q, want 1-3", got)
	}
	c.send(4, "D")
	b.waitLog(t, "A", "B", "C", "D")
}

func TestReliable_MakeConnectionCollectsReply(t *testing.T) {
	_, c := reliableScenario(t)
	mc := wsreliable.MCAnonymousPrefix + "client-1"
	hdr := fmt.Sprintf(`<wsrm:Sequence xmlns:wsrm="%s"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>1</wsrm:MessageNumber></wsrm:Sequence>`+
		`<wsa:Action xmlns:wsa="%s">%s/GetQuote</wsa:Action><wsa:MessageID xmlns:wsa="%[3]s">urn:m:1</wsa:MessageID><wsa:ReplyTo xmlns:wsa="%[3]s"><wsa:Address>%[5]s</wsa:Address></wsa:ReplyTo>`,
		wsreliable.NSRM, c.seq, rmWSANS, quoteNS, mc)
	if r := postOp(t, c.url, "GetQuote", hdr, getQuote("ACME")); r.status != http.StatusOK {
		t.Fatalf("GetQuote: got %d %s", r.status, r.body)
	}
	pull := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionMakeConnection + `</wsa:Action>`
	body := `<wsmc:MakeConnection xmlns:wsmc="` + wsreliable.NSMC + `"><wsmc:Address>` + mc + `</wsmc:Address></wsmc:MakeConnection>`
	checkfor.Until(t, 10*time.Second, func() error {
		r := postRM(t, c.url, pull, body)
		if r.status != http.StatusOK || !strings.Contains(r.body, "GetQuoteResponse") {
			return fmt.Errorf("MakeConnection: got %d %s", r.status, r.body)
		}
		return nil
	})
}

func TestReliable_NeedsDB(t *testing.T) {
	b := newLogBackend(t)
	_, err := New(context.Background(), Config{Services: []ServiceConfig{reliableQuote(b)}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "Services[0].Reliable") {
		t.Fatalf("New without DB: got %v, want an error naming Services[0].Reliable", err)
	}
}

// relRequest is a WS-Reliability 1.1 Request header for message number of
// group, ordered, with duplicate elimination, ReplyPattern Response.
func relRequest(group string, number int) string {
	return fmt.Sprintf(`<r:Request xmlns:r="%s" soap:mustUnderstand="1"><r:MessageId groupId="%s"><r:SequenceNum number="%d"/></r:MessageId>`+
		`<r:ExpiryTime>%s</r:ExpiryTime><r:ReplyPattern><r:Value>Response</r:Value></r:ReplyPattern><r:AckRequested/><r:DuplicateElimination/><r:MessageOrder/></r:Request>`,
		wsreliable.NSRel, group, number, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
}

func TestReliable_WSReliabilityOrderedAndReplyPickup(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db)
	defer stop()
	svc := url + "/services/Quotes"
	const group = "urn:uuid:6d3c1f0e-rel-test"
	for _, n := range []int{1, 0, 1} { // 1 before 0, then 1 again
		r := postRM(t, svc, relRequest(group, n), setQuote(fmt.Sprintf("R%d", n)))
		if r.status != http.StatusOK || !strings.Contains(r.body, "SequenceReplies") {
			t.Fatalf("message %d: got %d %s, want 200 with SequenceReplies", n, r.status, r.body)
		}
	}
	b.waitLog(t, "R0", "R1")

	const g2 = "urn:uuid:6d3c1f0e-rel-reply"
	if r := postOp(t, svc, "GetQuote", relRequest(g2, 0), getQuote("ACME")); r.status != http.StatusOK {
		t.Fatalf("GetQuote: got %d %s", r.status, r.body)
	}
	pick := `<x:ReplyRequest xmlns:x="` + driver.NSReplyRequest + `" groupId="` + g2 + `" number="0"/>`
	checkfor.Until(t, 10*time.Second, func() error {
		r := postOp(t, svc, "GetQuote", "", pick)
		if r.status != http.StatusOK || !strings.Contains(r.body, "GetQuoteResponse") {
			return fmt.Errorf("ReplyRequest: got %d %s", r.status, r.body)
		}
		return nil
	})
	if r := postOp(t, svc, "GetQuote", "", pick); r.status != http.StatusAccepted {
		t.Fatalf("ReplyRequest again: got %d %s, want 202 (collected once)", r.status, r.body)
	}
}

func TestReliable_RequireRefusesPlainRequests(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	svc := reliableQuote(b)
	svc.Reliable.Require = true
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{svc}}, db)
	defer stop()
	r := postOp(t, url+"/services/Quotes", "SetQuote", "", setQuote("X"))
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "WSRMRequired") {
		t.Fatalf("plain request: got %d %s, want a WSRMRequired fault", r.status, r.body)
	}
	// The fault says which versions the service takes, so that a client
	// of either WS-RM version can tell what to speak.
	for _, ns := range []string{wsreliable.NSRM, wsreliable.NSRM200502, wsreliable.NSRel} {
		if !strings.Contains(r.body, ns) {
			t.Errorf("WSRMRequired: got %s, want it to name %s", r.body, ns)
		}
	}
}

func TestReliable_AcksToThroughEgress(t *testing.T) {
	b := newLogBackend(t)
	acks := make(chan string, 8)
	cb := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		acks <- string(body)
		w.WriteHeader(http.StatusAccepted)
	})
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db)
	defer stop()
	svc := url + "/services/Quotes"
	hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>`
	r := postRM(t, svc, hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>`+cb+`</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := identRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("CreateSequence: got %d %s", r.status, r.body)
	}
	c := &rmClient{t: t, url: svc, seq: m[1]}
	if got := c.sendStatus(1, "A", http.StatusAccepted); got != "" {
		t.Fatalf("reply to a message whose acks go to AcksTo: got %q, want no acknowledgement", got)
	}
	select {
	case ack := <-acks:
		if ackRanges(ack) != "1-1" {
			t.Fatalf("acknowledgement at AcksTo: got %s", ack)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no acknowledgement at AcksTo")
	}
	b.waitLog(t, "A")
}

func httptestServer(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A body outside any sequence is refused under require even when it carries
// a piggy-backed AckRequested (it used to be acknowledged and dropped).
func TestReliable_RequireRefusesPiggyBackedAckRequested(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	svc := reliableQuote(b)
	svc.Reliable.Require = true
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{svc}}, db)
	defer stop()
	c := newRMClient(t, url+"/services/Quotes")
	hdr := `<wsrm:AckRequested xmlns:wsrm="` + wsreliable.NSRM + `"><wsrm:Identifier>` + c.seq + `</wsrm:Identifier></wsrm:AckRequested>`
	r := postRM(t, c.url, hdr, setQuote("X"))
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "WSRMRequired") {
		t.Fatalf("body with only AckRequested: got %d %s, want a WSRMRequired fault", r.status, r.body)
	}
	if got := c.send(1, "A"); got != "1-1" {
		t.Fatalf("message 1: got acknowledged %q, want 1-1", got)
	}
	b.waitLog(t, "A")
}

// A CreateSequenceResponse sent to the gateway as a request answers nothing
// it asked: a Sender fault, not 202 for nothing done.
func TestReliable_CreateSequenceResponseAsRequestRefused(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db)
	defer stop()
	hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequenceResponse + `</wsa:Action>`
	r := postRM(t, url+"/services/Quotes", hdr, `<wsrm:CreateSequenceResponse xmlns:wsrm="`+wsreliable.NSRM+
		`"><wsrm:Identifier>urn:uuid:not-asked</wsrm:Identifier></wsrm:CreateSequenceResponse>`)
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "Client") || !strings.Contains(r.body, "not a request") {
		t.Fatalf("CreateSequenceResponse as a request: got %d %s, want a Client fault", r.status, r.body)
	}
}
