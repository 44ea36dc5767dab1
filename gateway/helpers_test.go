package gateway

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/queueing"
)

const quoteNS = "urn:wsgw:test:quote"

// backend is a test SOAP backend for the StockQuote test WSDL. It replies
// to GetQuote with ServedBy = id and counts SetQuote calls by Symbol.
type backend struct {
	id  string
	srv *httptest.Server

	healthy atomic.Bool
	// drop makes it read the request, then close the connection unanswered.
	drop atomic.Bool
	// failWith, when set, makes it answer with this status: a SOAP fault
	// when soapFault is set, else a plain-text error.
	failWith  atomic.Int32
	soapFault atomic.Bool
	// stream makes it send its reply in two flushed halves, waiting for
	// the channel to close in between.
	stream chan struct{}
	calls  atomic.Int32 // SOAP requests received
	// hold, when set, blocks each request until the channel is closed;
	// arrived gets a value as each request arrives.
	hold    chan struct{}
	arrived chan string

	mu      sync.Mutex // guards sets, last and lastRaw
	sets    map[string]int
	last    http.Header // header of the last request
	lastRaw []byte      // body of the last request
}

func newBackend(t *testing.T, id string) *backend {
	b := &backend{id: id, sets: make(map[string]int), arrived: make(chan string, 64)}
	b.healthy.Store(true)
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) url() string { return b.srv.URL + "/quote" }

// holdRequests makes the backend block every request until release (or
// the end of the test).
func (b *backend) holdRequests(t *testing.T) (release func()) {
	b.hold = make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(b.hold) }) }
	t.Cleanup(release) // runs before the server's Close, which waits for handlers
	return release
}

// kill stops the backend: its port refuses connections from now on.
func (b *backend) kill() {
	b.srv.CloseClientConnections()
	b.srv.Close()
}

func (b *backend) setCount(symbol string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sets[symbol]
}

func (b *backend) lastHeader() http.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

func (b *backend) lastBody() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.lastRaw)
}

// request is what the backend understood of a request.
type request struct {
	Body struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"Body"`
}

type quoteArgs struct {
	XMLName xml.Name
	Symbol  string `xml:"Symbol"`
	Price   string `xml:"Price"`
}

func (b *backend) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/health") {
		if !b.healthy.Load() {
			http.Error(w, "unhealthy", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
		return
	}
	b.calls.Add(1)
	raw, _ := io.ReadAll(r.Body)
	var env request
	var args quoteArgs
	if err := xml.Unmarshal(raw, &env); err != nil {
		http.Error(w, "bad envelope: "+err.Error(), http.StatusBadRequest)
		return
	}
	xml.Unmarshal(env.Body.Inner, &args)
	b.mu.Lock()
	b.last, b.lastRaw = r.Header.Clone(), raw
	if args.XMLName.Local == "SetQuote" {
		b.sets[args.Symbol]++
	}
	b.mu.Unlock()
	select {
	case b.arrived <- args.Symbol:
	default:
	}
	if b.hold != nil {
		<-b.hold
	}
	if b.drop.Load() {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if code := int(b.failWith.Load()); code != 0 {
		b.fail(w, code)
		return
	}
	b.reply(w, r, args)
}

func (b *backend) fail(w http.ResponseWriter, code int) {
	if !b.soapFault.Load() {
		http.Error(w, "backend trouble", code)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, backendFault11)
}

const backendFault11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
	`<faultcode>s:Server</faultcode><faultstring>quote store down</faultstring></s:Fault></s:Body></s:Envelope>`

func (b *backend) reply(w http.ResponseWriter, r *http.Request, args quoteArgs) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	envNS, ct := "http://schemas.xmlsoap.org/soap/envelope/", "text/xml; charset=utf-8"
	if mt == "application/soap+xml" {
		envNS, ct = "http://www.w3.org/2003/05/soap-envelope", "application/soap+xml; charset=utf-8"
	}
	var payload string
	switch args.XMLName.Local {
	case "GetQuote":
		payload = fmt.Sprintf(`<q:GetQuoteResponse xmlns:q="%s"><q:Symbol>%s</q:Symbol><q:Price>42.5</q:Price><q:ServedBy>%s</q:ServedBy></q:GetQuoteResponse>`,
			quoteNS, args.Symbol, b.id)
	case "SetQuote":
		payload = fmt.Sprintf(`<q:SetQuoteResponse xmlns:q="%s"><q:ServedBy>%s</q:ServedBy></q:SetQuoteResponse>`, quoteNS, b.id)
	default:
		http.Error(w, "unknown operation", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Backend", b.id)
	reply := fmt.Sprintf(`<e:Envelope xmlns:e="%s"><e:Body>%s</e:Body></e:Envelope>`, envNS, payload)
	if b.stream == nil {
		io.WriteString(w, reply)
		return
	}
	half := len(reply) / 2
	io.WriteString(w, reply[:half])
	http.NewResponseController(w).Flush()
	<-b.stream
	io.WriteString(w, reply[half:])
}

// replicaConfig is a cluster partition of the given backends.
func partitionOf(bs ...*backend) cluster.PartitionConfig {
	var p cluster.PartitionConfig
	for _, b := range bs {
		p.Replicas = append(p.Replicas, b.url())
	}
	return p
}

// fastHealth checks health every 20ms, one result flipping the state.
var fastHealth = cluster.HealthConfig{Path: "/health", Interval: 20 * time.Millisecond,
	Timeout: time.Second, HealthyThreshold: 1, UnhealthyThreshold: 1}

// quoteService is a StockQuote service keyed by Symbol over parts.
func quoteService(name string, parts ...cluster.PartitionConfig) ServiceConfig {
	return ServiceConfig{
		Name:       name,
		WSDL:       "testdata/stockquote.wsdl",
		Cluster:    cluster.Config{Partitions: parts, Health: fastHealth},
		Key:        KeyConfig{XPath: "//q:Symbol", Namespaces: map[string]string{"q": quoteNS}},
		Operations: map[string]OperationConfig{"GetQuote": {Idempotent: true}},
		Timeout:    5 * time.Second,
	}
}

// testGateway is a gateway serving on a loopback port.
type testGateway struct {
	*Gateway
	url string
}

// startGateway builds a gateway from cfg and serves it until the test ends.
func startGateway(t testing.TB, cfg Config) *testGateway {
	t.Helper()
	g, stop := serveGateway(t, cfg)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return g
}

// serveGateway builds a gateway from cfg and serves it on a loopback port;
// stop ends Serve, waits for it and returns its error. stop is idempotent.
func serveGateway(t testing.TB, cfg Config) (*testGateway, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	g, err := New(context.Background(), cfg, Options{Logger: log})
	if err != nil {
		ln.Close()
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, ln) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			serveErr = <-done
			g.Close()
		})
		return serveErr
	}
	return &testGateway{Gateway: g, url: "http://" + ln.Addr().String()}, stop
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// soapVersion selects how a test request is sent.
type soapVersion int

const (
	v11 soapVersion = 11
	v12 soapVersion = 12
)

func (v soapVersion) String() string { return fmt.Sprintf("soap%d", v) }

// envelope wraps payload (and header blocks) in an envelope of version v.
func envelope(v soapVersion, header, payload string) string {
	ns := "http://schemas.xmlsoap.org/soap/envelope/"
	if v == v12 {
		ns = "http://www.w3.org/2003/05/soap-envelope"
	}
	h := ""
	if header != "" {
		h = "<soap:Header>" + header + "</soap:Header>"
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>`+"\n"+
		`<soap:Envelope xmlns:soap="%s" xmlns:q="%s">%s<soap:Body>%s</soap:Body></soap:Envelope>`, ns, quoteNS, h, payload)
}

func getQuote(symbol string) string {
	return "<q:GetQuote><q:Symbol>" + symbol + "</q:Symbol></q:GetQuote>"
}

func setQuote(symbol string) string {
	return "<q:SetQuote><q:Symbol>" + symbol + "</q:Symbol><q:Price>1.5</q:Price></q:SetQuote>"
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   string
}

// post sends body to url as a SOAP request of version v for operation op
// ("" sends an empty action).
func post(t *testing.T, url string, v soapVersion, op, body string) response {
	t.Helper()
	r, err := postE(url, v, op, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// postE is post for goroutines other than the test's.
func postE(url string, v soapVersion, op, body string) (response, error) {
	h := http.Header{}
	action := ""
	if op != "" {
		action = quoteNS + "/" + op
	}
	if v == v12 {
		ct := "application/soap+xml; charset=utf-8"
		if action != "" {
			ct += `; action="` + action + `"`
		}
		h.Set("Content-Type", ct)
	} else {
		h.Set("Content-Type", "text/xml; charset=utf-8")
		h.Set("SOAPAction", `"`+action+`"`)
	}
	return doE(http.MethodPost, url, h, body)
}

func do(t *testing.T, method, url string, h http.Header, body string) response {
	t.Helper()
	r, err := doE(method, url, h, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func doE(method, url string, h http.Header, body string) (response, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading reply: %w", method, url, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// servedBy returns the ServedBy of a GetQuote reply.
func servedBy(body string) (string, error) {
	i := strings.Index(body, "ServedBy>")
	if i < 0 {
		return "", errors.New("no ServedBy in reply: " + body)
	}
	rest := body[i+len("ServedBy>"):]
	j := strings.IndexByte(rest, '<')
	if j < 0 {
		return "", errors.New("bad reply: " + body)
	}
	return rest[:j], nil
}

// subcode returns the wsgw or wsa subcode local name of a fault reply ("" if none).
func hasSubcode(body, local string) bool {
	return strings.Contains(body, ":"+local+"<") || strings.Contains(body, ":"+local+" ")
}

// dispatchStats sums the stats of the dispatch stages of service name's
// partitions.
func (g *testGateway) dispatchStats(name string) queueing.StageStats {
	var sum queueing.StageStats
	for _, st := range g.byName[name].parts {
		s := st.Stats()
		sum.Queued += s.Queued
		sum.Running += s.Running
		sum.Admitted += s.Admitted
		sum.Rejected += s.Rejected
	}
	return sum
}
