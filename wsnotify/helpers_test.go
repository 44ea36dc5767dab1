package wsnotify

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify/delivery"
)

// samples are the other implementations' messages in testdata (see its
// SOURCES.md).
const samples = "testdata/"

// clock is a settable test clock; one that follows runs with real time
// (for the durable queue's backoff), moved by Add.
type clock struct {
	mu     sync.Mutex // guards t, off
	t      time.Time
	follow bool
	off    time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.follow {
		return time.Now().Add(c.off)
	}
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.off += d
	c.mu.Unlock()
}

// fakeResolver maps sample host names to loopback.
type fakeResolver struct{}

func (fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	switch host {
	case "localhost", "www.consumer.org":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

type env struct {
	t     testing.TB
	dir   string
	db    *badger.DB
	b     *Broker
	srv   *httptest.Server
	base  string // http://127.0.0.1:port
	clock *clock
	cfg   Config
	guard Guard // Options.Guard; nil for none
	stop  func()
	// durable: the broker gets a durable queue and a WS-RM driver (its
	// RM source and destination) over the same DB (durable_env_test.go).
	durable    bool
	queueBatch int // the durable queue's MaxBatch; 0: its default
	// rmRetransmits is the RM source's MaxRetransmits; 0: 50.
	rmRetransmits int
	// wrapQueue, when set, wraps the broker's durable queue.
	wrapQueue func(Queue) Queue
	// wrap, when set, wraps the broker's store (to make writes fail).
	wrap  func(Store) Store
	queue *badgerstore.SubscriptionQueue
}

func testConfig() Config {
	return Config{
		Egress:        egress.Loopback(),
		Delivery:      delivery.Config{BaseBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxAttempts: 3, Timeout: 2 * time.Second},
		SweepInterval: 50 * time.Millisecond,
	}
}

// newEnv starts a broker on a real loopback port over a badger in dir
// (t.TempDir() when ""), running until the test ends.
func newEnv(t testing.TB, cfg Config, dir string) *env {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	e := &env{t: t, dir: dir, clock: &clock{t: time.Now()}}
	e.start(cfg)
	t.Cleanup(e.close)
	return e
}

func (e *env) start(cfg Config) {
	t := e.t
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(e.dir, "db")).WithLogger(nil).WithSyncWrites(false))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + l.Addr().String()
	if cfg.PublicURL == "" {
		cfg.PublicURL = e.base
	}
	e.cfg = cfg
	opts := Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: e.clock.Now, Resolver: fakeResolver{}, Guard: e.guard}
	var rd *durableParts
	if e.durable {
		rd = e.openDurable(db, &opts)
	}
	var st Store = badgerstore.NewBroker(db, "wsn/")
	if e.wrap != nil {
		st = e.wrap(st)
	}
	b, err := Open(st, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: b.Handler()}}
	srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	if rd != nil {
		rd.run(ctx, b)
	}
	e.db, e.b, e.srv = db, b, srv
	e.stop = func() {
		cancel()
		<-done
		if rd != nil {
			rd.close()
		}
		srv.Close()
		b.Close()
		db.Close()
	}
}

func (e *env) close() {
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
}

// restart closes the broker and its DB and opens them again on the same
// directory (a new port).
func (e *env) restart() {
	e.close()
	cfg := e.cfg
	cfg.PublicURL = ""
	e.start(cfg)
}

func envelope(v soap.Version, payload string) string {
	ns := soap.NS11
	if v == soap.V12 {
		ns = soap.NS12
	}
	return `<s:Envelope xmlns:s="` + ns + `" xmlns:wsa="http://www.w3.org/2005/08/addressing"><s:Header>` +
		`<wsa:Action>urn:any</wsa:Action><wsa:MessageID>urn:uuid:test-1</wsa:MessageID></s:Header><s:Body>` +
		payload + `</s:Body></s:Envelope>`
}

// reply is a broker reply.
type reply struct {
	status int
	body   []byte
	msg    *soap.Message
}

// detail returns the local name of the fault detail's first element.
func (r reply) faultDetail() string {
	if r.msg == nil {
		return ""
	}
	f, ok := r.msg.Fault()
	if !ok {
		return ""
	}
	m := regexp.MustCompile(`<[a-zA-Z0-9_-]+:([A-Za-z]+Fault)\b`).FindSubmatch(f.Detail)
	if m == nil {
		return "(fault without WSN detail: " + f.Reason + ")"
	}
	return string(m[1])
}

func (e *env) post(path string, v soap.Version, payload string) reply {
	e.t.Helper()
	return postRaw(e.t, e.base+path, v, envelope(v, payload))
}

func postRaw(t testing.TB, url string, v soap.Version, body string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if v == soap.V12 {
		req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
	} else {
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `""`)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, body: b}
	if len(b) > 0 {
		m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
		if err != nil {
			t.Fatalf("reply not a SOAP envelope: %v\n%s", err, b)
		}
		r.msg = m
	}
	return r
}

// address returns the wsa:Address text of the first element named local in
// the reply.
func (r reply) address(local string) string {
	re := regexp.MustCompile(`<[A-Za-z0-9_-]+:` + local + `>\s*<[A-Za-z0-9_-]+:Address>([^<]*)</`)
	m := re.FindSubmatch(r.body)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func subscribeXML(consumer, filter string, extra string) string {
	s := `<wsnt:Subscribe xmlns:wsnt="` + NSB + `" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:tns="urn:topics" xmlns:m="urn:msg">` +
		`<wsnt:ConsumerReference><wsa:Address>` + consumer + `</wsa:Address></wsnt:ConsumerReference>`
	if filter != "" {
		s += `<wsnt:Filter>` + filter + `</wsnt:Filter>`
	}
	return s + extra + `</wsnt:Subscribe>`
}

func simpleTopic(expr string) string {
	return `<wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">` + expr + `</wsnt:TopicExpression>`
}

func notifyXML(topicExpr, payload string) string {
	return `<wsnt:Notify xmlns:wsnt="` + NSB + `" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:tns="urn:topics" xmlns:m="urn:msg">` +
		`<wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">` + topicExpr + `</wsnt:Topic>` +
		`<wsnt:ProducerReference><wsa:Address>http://producer.example/p</wsa:Address></wsnt:ProducerReference>` +
		`<wsnt:Message>` + payload + `</wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`
}

// consumer is a NotificationConsumer test server.
type consumer struct {
	*httptest.Server
	mu       sync.Mutex // guards messages, requests, status
	messages [][]byte   // payloads received, in order
	requests int
	bodies   [][]byte
	status   int
}

func newConsumer(t *testing.T) *consumer {
	c := &consumer{status: http.StatusOK}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.requests++
		c.bodies = append(c.bodies, body)
		if c.status != http.StatusOK {
			w.WriteHeader(c.status)
			return
		}
		m, err := soap.ReadMessageBytes(body, xmldoc.Limits{})
		if err != nil {
			t.Errorf("consumer got a bad envelope: %v", err)
			return
		}
		if m.Payload.Name() != bn("Notify") {
			c.messages = append(c.messages, body) // raw
			return
		}
		for nm := m.Payload.FirstChild(); nm.Valid(); nm = nm.NextSibling() {
			s, e := nm.Span()
			c.messages = append(c.messages, bytes.Clone(body[s:e]))
		}
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *consumer) count() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.messages) }

func (c *consumer) message(i int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.messages[i])
}

// count returns the value of a broker counter.
func count(c prometheus.Counter) int {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return int(m.GetCounter().GetValue())
}

// waitTimeout bounds the tests' waits for a condition (checkfor.True).
const waitTimeout = 5 * time.Second

// sample reads a sample message and strips its XML declaration.
func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(samples + name)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.HasPrefix(s, "<?xml") {
		s = s[strings.Index(s, "?>")+2:]
	}
	return s
}

var versions = []soap.Version{soap.V11, soap.V12}

// deadLetterCount returns the number of stored dead-letter records.
func (e *env) deadLetterCount() int {
	e.t.Helper()
	dl, err := e.b.st.Read(context.Background(), deadLetters, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(dl)
}

// subCount returns the number of live subscriptions.
func (e *env) subCount() int {
	e.b.mu.RLock()
	defer e.b.mu.RUnlock()
	return len(e.b.subs)
}

func (e *env) hasSub(id string) bool {
	e.b.mu.RLock()
	defer e.b.mu.RUnlock()
	_, ok := e.b.subs[id]
	return ok
}
