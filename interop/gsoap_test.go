package interop

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

const (
	wsrmNS      = "http://docs.oasis-open.org/ws-rx/wsrm/200702"
	wsrm5NS     = "http://schemas.xmlsoap.org/ws/2005/02/rm" // WS-RM February 2005
	soap11EnvNS = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12EnvNS = "http://www.w3.org/2003/05/soap-envelope"
	ordersNS    = "urn:wsgw:examples:orders"
)

// gsoapShare is where Debian's gsoap package puts the plugin, import and
// custom sources that testdata/gsoap/build.sh compiles.
const gsoapShare = "/usr/share/gsoap"

// requireGSOAP skips (fails when CI is set) unless gSOAP's generators,
// its WS-RM plugin sources (package gsoap), its header and library
// (libgsoap-dev) and a C compiler are there.
func requireGSOAP(t *testing.T) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"wsdl2h", "soapcpp2", "gcc", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	for _, f := range []string{
		gsoapShare + "/plugin/wsrmapi.c", gsoapShare + "/plugin/wsaapi.c", gsoapShare + "/import/wsrm.h",
		gsoapShare + "/import/wsrm5.h", gsoapShare + "/custom/duration.c", "/usr/include/stdsoap2.h",
	} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("cannot build the gSOAP WS-RM client: missing %s (.ci/run installs gsoap and libgsoap-dev)", strings.Join(missing, ", "))
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI is set", msg)
	}
	t.Skip(msg)
}

// exchange is one HTTP request and response that went through recorder.
type exchange struct {
	req, resp []byte
	status    int
	lost      bool // the recorder answered 202 itself; the gateway never saw req
}

// recorder is a reverse proxy in front of the gateway that keeps every
// exchange, so the test can check what the client sent and was told. When
// lose is set, the first request it matches is lost: answered with an
// empty HTTP 202 and not forwarded.
type recorder struct {
	*httptest.Server
	target string
	lose   func(req []byte) bool
	mu     sync.Mutex // guards log and lost
	log    []exchange
	lost   bool
}

func newRecorder(t *testing.T, target string, lose func(req []byte) bool) *recorder {
	r := &recorder{target: target, lose: lose}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) serve(w http.ResponseWriter, in *http.Request) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.loseFirst(body) {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	out, err := http.NewRequestWithContext(in.Context(), in.Method, r.target+in.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for _, h := range []string{"Content-Type", "SOAPAction"} {
		if v := in.Header.Values(h); v != nil {
			out.Header[h] = v
		}
	}
	resp, err := http.DefaultClient.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rbody, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	r.mu.Lock()
	r.log = append(r.log, exchange{req: body, resp: rbody, status: resp.StatusCode})
	r.mu.Unlock()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(rbody)
}

// loseFirst reports whether req is the first request matching r.lose, and
// records it as lost if so.
func (r *recorder) loseFirst(req []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lose == nil || r.lost || !r.lose(req) {
		return false
	}
	r.lost = true
	r.log = append(r.log, exchange{req: req, status: http.StatusAccepted, lost: true})
	return true
}

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

// envelope is what the test reads from one SOAP 1.1 or 1.2 envelope.
type envelope struct {
	ns     string         // the envelope namespace
	action string         // wsa:Action header
	header xmldoc.Element // soap:Header (may be invalid)
	body   xmldoc.Element // the first child of soap:Body (may be invalid)
}

func parseEnvelope(b []byte) (envelope, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return envelope{}, nil
	}
	doc, err := xmldoc.ParseBytes(b, xmldoc.Limits{})
	if err != nil {
		return envelope{}, err
	}
	root := doc.Root()
	ns := root.Name().Space
	if root.Name().Local != "Envelope" || (ns != soap11EnvNS && ns != soap12EnvNS) {
		return envelope{}, fmt.Errorf("root element %v: want a SOAP 1.1 or 1.2 Envelope", root.Name())
	}
	env := envelope{ns: ns, header: root.Child(ns, "Header")}
	if body := root.Child(ns, "Body"); body.Valid() {
		env.body = body.FirstChild()
	}
	if env.header.Valid() {
		env.action = strings.TrimSpace(env.header.Child(wsaNS, "Action").Text())
	}
	return env, nil
}

// messageNumber is the MessageNumber of a request's Sequence header in
// WS-RM namespace rmNS, 0 without one.
func messageNumber(req []byte, rmNS string) int {
	env, err := parseEnvelope(req)
	if err != nil {
		return 0
	}
	num, _ := strconv.Atoi(strings.TrimSpace(env.header.Child(rmNS, "Sequence").Child(rmNS, "MessageNumber").Text()))
	return num
}

// gsoapCase is one run of the gSOAP client: a sequence of n SubmitOrders
// over SOAP version; lose, when not 0, is the message number whose first
// transmission the recorder loses. feb2005 selects the client built for
// WS-RM February 2005, which ends the sequence with the empty-bodied
// message n+1 of the LastMessage action rather than CloseSequence.
type gsoapCase struct {
	name, version, envNS string
	n, lose              int
	feb2005              bool
}

// rmNS is the WS-RM namespace of tc's client.
func (tc gsoapCase) rmNS() string {
	if tc.feb2005 {
		return wsrm5NS
	}
	return wsrmNS
}

// buildGSOAPClient builds the gSOAP client for the Orders WSDL at wsdl in
// a new directory, with the WS-RM import (wsrm.h: 1.2; wsrm5.h: February
// 2005), and returns its path.
func buildGSOAPClient(ctx context.Context, t *testing.T, wsdl, wsrmImport string) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.CommandContext(ctx, "sh", "testdata/gsoap/build.sh", wsdl, dir, wsrmImport)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the gSOAP client (%s): %v\n%s", wsrmImport, err, out)
	}
	return filepath.Join(dir, "client")
}

// TestGSOAP_WSRMSequenceExactlyOnceInOrder: a WS-RM 1.2 source the project
// did not write, gSOAP 2.8's wsrm plugin (testdata/gsoap/client.c, built
// here from the demo's Orders WSDL), sends sequences of SubmitOrders
// through the gateway: CreateSequence, five messages with AckRequested,
// CloseSequence, TerminateSequence; over SOAP 1.1, over SOAP 1.2, and
// over SOAP 1.1 with message 3 lost on the way (the acknowledgements leave
// a gap, the plugin resends it before closing). The plugin must end with
// every message acknowledged, and the backend must get every OrderId
// once, in order.
func TestGSOAP_WSRMSequenceExactlyOnceInOrder(t *testing.T) {
	runGSOAPCases(t, "wsrm.h", []gsoapCase{
		{name: "SOAP11", version: "1.1", envNS: soap11EnvNS, n: 5},
		{name: "SOAP12", version: "1.2", envNS: soap12EnvNS, n: 5},
		{name: "SOAP11_Message3Lost", version: "1.1", envNS: soap11EnvNS, n: 5, lose: 3},
	})
}

// TestGSOAP_WSRM200502SequenceWithLoss: gSOAP's wsrm plugin built for WS-RM
// February 2005 (import/wsrm5.h: the 2005/02 namespace over WS-Addressing
// 1.0) sends sequences of SubmitOrders through the gateway with a message
// lost on the way, over SOAP 1.1 and SOAP 1.2: CreateSequence, five
// messages with AckRequested, the lost one again, the empty-bodied
// LastMessage-action message 6, TerminateSequence. Every answer must be in
// February 2005 (a CreateSequenceResponse of its namespace,
// acknowledgements of exactly what arrived, TerminateSequence answered
// 202), the plugin must end with everything acknowledged, and the backend
// must get every OrderId once, in order (nothing for the LastMessage).
func TestGSOAP_WSRM200502SequenceWithLoss(t *testing.T) {
	runGSOAPCases(t, "wsrm5.h", []gsoapCase{
		{name: "SOAP11_Message3Lost", version: "1.1", envNS: soap11EnvNS, n: 5, lose: 3, feb2005: true},
		{name: "SOAP12_Message2Lost", version: "1.2", envNS: soap12EnvNS, n: 5, lose: 2, feb2005: true},
	})
}

// runGSOAPCases builds the gSOAP client with the WS-RM import wsrmImport
// from the demo's Orders WSDL and runs each case against the demo.
func runGSOAPCases(t *testing.T, wsrmImport string, cases []gsoapCase) {
	t.Helper()
	requireGSOAP(t)
	d := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := buildGSOAPClient(ctx, t, d.URL+"/services/Orders?wsdl", wsrmImport)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runGSOAPSequence(ctx, t, d.URL, client, tc)
		})
	}
}

// runGSOAPSequence runs the gSOAP client through a recorder in front of
// the gateway, and checks what it reports, what went over the wire and
// what the backend got.
func runGSOAPSequence(ctx context.Context, t *testing.T, gatewayURL, client string, tc gsoapCase) {
	customer := "gsoap-" + tc.name
	if tc.feb2005 {
		customer = "gsoap-200502-" + tc.name
	}
	var lose func([]byte) bool
	if tc.lose != 0 {
		lose = func(req []byte) bool { return messageNumber(req, tc.rmNS()) == tc.lose }
	}
	rec := newRecorder(t, gatewayURL, lose)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, client, rec.URL+"/services/Orders", customer, strconv.Itoa(tc.n), tc.version)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("gSOAP client output:\n%s%s", stdout.String(), stderr.String())
	if runErr != nil {
		t.Errorf("gSOAP client: %v", runErr)
	}

	// The plugin keeps a message until an acknowledgement covers it.
	want := []string{"created ok"}
	unacked := 0
	for i := 1; i <= tc.n; i++ {
		if i == tc.lose {
			unacked = 1
		}
		want = append(want, fmt.Sprintf("sent %d unacked %d", i, unacked))
	}
	if unacked != 0 {
		want = append(want, "resend 1")
	}
	if tc.feb2005 {
		want = append(want, "lastmessage unacked 0", "terminated")
	} else {
		want = append(want, "closed unacked 0", "terminated")
	}
	if got := strings.Split(strings.TrimSpace(stdout.String()), "\n"); !slices.Equal(got, want) {
		t.Errorf("gSOAP client steps: got %q, want %q", got, want)
	}

	checkWSRMExchanges(t, rec.exchanges(), tc)

	var wantIDs []string
	for i := 1; i <= tc.n; i++ {
		wantIDs = append(wantIDs, fmt.Sprintf("%s-%d", customer, i))
	}
	var got []string
	checkfor.Until(t, 20*time.Second, func() error {
		var err error
		if got, err = orderLog(gatewayURL, customer); err != nil {
			return err
		}
		if len(got) < tc.n {
			return fmt.Errorf("GetOrderLog(%s): got %q, want %q", customer, got, wantIDs)
		}
		return nil
	})
	if !slices.Equal(got, wantIDs) {
		t.Errorf("GetOrderLog(%s): got %q, want %q (each once, in order)", customer, got, wantIDs)
	}
}

// checkWSRMExchanges checks the messages the gSOAP client exchanged with
// the gateway, all in SOAP envelopes of namespace tc.envNS and the WS-RM
// version of tc: CreateSequence; SubmitOrders numbered 1..n with
// AckRequested, each answered by a SequenceAcknowledgement of exactly the
// numbers the gateway has got (but the lost one, which no answer reached);
// the lost message again; then CloseSequence (1.2) or the LastMessage
// action's message n+1, acknowledged with the rest (February 2005); and
// TerminateSequence, answered with a TerminateSequenceResponse (1.2) or
// HTTP 202 and nothing (February 2005 has no response).
func checkWSRMExchanges(t *testing.T, log []exchange, tc gsoapCase) {
	t.Helper()
	type step struct {
		action string
		num    int
	}
	ns := tc.rmNS()
	want := []step{{action: ns + "/CreateSequence"}}
	for i := 1; i <= tc.n; i++ {
		want = append(want, step{ordersNS + "/SubmitOrder", i})
	}
	if tc.lose != 0 {
		want = append(want, step{ordersNS + "/SubmitOrder", tc.lose})
	}
	if tc.feb2005 {
		want = append(want, step{ns + "/LastMessage", tc.n + 1})
	} else {
		want = append(want, step{action: ns + "/CloseSequence"})
	}
	want = append(want, step{action: ns + "/TerminateSequence"})

	var got []step
	var seqID string
	received := map[int]bool{}
	for i, x := range log {
		req, err := parseEnvelope(x.req)
		if err != nil {
			t.Fatalf("exchange %d: parsing the request: %v\n%s", i, err, x.req)
		}
		resp, err := parseEnvelope(x.resp)
		if err != nil {
			t.Fatalf("exchange %d: parsing the response: %v\n%s", i, err, x.resp)
		}
		num := messageNumber(x.req, ns)
		lost := ""
		if x.lost {
			lost = " (lost)"
		}
		t.Logf("exchange %d: %s %d%s -> HTTP %d %s", i, req.action, num, lost, x.status, resp.action)
		got = append(got, step{req.action, num})
		if req.ns != tc.envNS || (resp.ns != "" && resp.ns != tc.envNS) {
			t.Errorf("exchange %d (%s): envelopes %q -> %q, want %q", i, req.action, req.ns, resp.ns, tc.envNS)
		}
		if x.status != http.StatusOK && x.status != http.StatusAccepted {
			t.Errorf("exchange %d (%s): got HTTP %d, want 200 or 202\n%s", i, req.action, x.status, x.resp)
		}
		if x.lost {
			continue
		}
		switch req.action {
		case ns + "/CreateSequence":
			seqID = strings.TrimSpace(resp.body.Child(ns, "Identifier").Text())
			if resp.body.Name() != (xml.Name{Space: ns, Local: "CreateSequenceResponse"}) || seqID == "" {
				t.Errorf("CreateSequence: got %s, want a CreateSequenceResponse of %s with an Identifier", x.resp, ns)
			}
		case ordersNS + "/SubmitOrder", ns + "/LastMessage":
			received[num] = true
			checkSequenceMessage(t, ns, req, resp, seqID, num, received)
		case ns + "/TerminateSequence":
			if tc.feb2005 && (x.status != http.StatusAccepted || len(x.resp) != 0) {
				t.Errorf("TerminateSequence: got HTTP %d %s, want 202 and no body (WS-RM February 2005 has no response)", x.status, x.resp)
			}
			if !tc.feb2005 && resp.body.Name().Local != "TerminateSequenceResponse" {
				t.Errorf("TerminateSequence: got %s, want a TerminateSequenceResponse", x.resp)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests (action, message number): got %v, want %v", got, want)
	}
}

// checkSequenceMessage checks message number num of sequence seqID (WS-RM
// namespace ns) and the acknowledgement that answered it, which must cover
// exactly the message numbers in received.
func checkSequenceMessage(t *testing.T, ns string, req, resp envelope, seqID string, num int, received map[int]bool) {
	t.Helper()
	seq := req.header.Child(ns, "Sequence")
	if got := strings.TrimSpace(seq.Child(ns, "Identifier").Text()); got != seqID {
		t.Errorf("message %d: wsrm:Sequence Identifier %q, want %q", num, got, seqID)
	}
	if !req.header.Child(ns, "AckRequested").Valid() {
		t.Errorf("message %d: no wsrm:AckRequested", num)
	}
	ack := resp.header.Child(ns, "SequenceAcknowledgement")
	if !ack.Valid() {
		t.Errorf("message %d: answer has no wsrm:SequenceAcknowledgement of %s: %s", num, ns, resp.body.Name())
		return
	}
	if got := strings.TrimSpace(ack.Child(ns, "Identifier").Text()); got != seqID {
		t.Errorf("message %d: acknowledgement Identifier %q, want %q", num, got, seqID)
	}
	if ack.Child(ns, "Final").Valid() || ack.Child(ns, "None").Valid() {
		t.Errorf("message %d: acknowledgement with Final or None", num)
	}
	acked := map[int]bool{}
	for r := ack.FirstChild(); r.Valid(); r = r.NextSibling() {
		if r.Name() != (xml.Name{Space: ns, Local: "AcknowledgementRange"}) {
			continue
		}
		lowerS, _ := r.Attr("", "Lower")
		upperS, _ := r.Attr("", "Upper")
		lower, err1 := strconv.Atoi(lowerS)
		upper, err2 := strconv.Atoi(upperS)
		if err1 != nil || err2 != nil || lower < 1 || upper < lower {
			t.Errorf("message %d: AcknowledgementRange Lower=%q Upper=%q", num, lowerS, upperS)
			continue
		}
		for i := lower; i <= upper; i++ {
			acked[i] = true
		}
	}
	if !maps.Equal(acked, received) {
		t.Errorf("message %d: acknowledged %v, want %v", num, slices.Sorted(maps.Keys(acked)), slices.Sorted(maps.Keys(received)))
	}
}

// orderLog asks the gateway for GetOrderLog(customer) (plain SOAP 1.1,
// not reliable) and returns the OrderIds, in the order the backend got them.
func orderLog(gatewayURL, customer string) ([]string, error) {
	req := `<soap:Envelope xmlns:soap="` + soap11EnvNS + `" xmlns:o="` + ordersNS + `"><soap:Body>` +
		`<o:GetOrderLog><o:Customer>` + customer + `</o:Customer></o:GetOrderLog></soap:Body></soap:Envelope>`
	hreq, err := http.NewRequest(http.MethodPost, gatewayURL+"/services/Orders", strings.NewReader(req))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "text/xml; charset=utf-8")
	hreq.Header.Set("SOAPAction", `"`+ordersNS+`/GetOrderLog"`)
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("GetOrderLog: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading GetOrderLog response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GetOrderLog: got HTTP %d, want 200: %s", resp.StatusCode, b)
	}
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, fmt.Errorf("parsing GetOrderLog response: %w", err)
	}
	if env.body.Name().Local != "GetOrderLogResponse" {
		return nil, fmt.Errorf("GetOrderLog: got %s, want a GetOrderLogResponse", b)
	}
	var ids []string
	for e := env.body.FirstChild(); e.Valid(); e = e.NextSibling() {
		if e.Name() == (xml.Name{Space: ordersNS, Local: "OrderId"}) {
			ids = append(ids, strings.TrimSpace(e.Text()))
		}
	}
	return ids, nil
}

// TestGSOAP_DurableWSRMConsumerExactlyOnceInOrder: a WS-RM 1.2
// destination the project did not write (gSOAP's wsrm plugin,
// testdata/gsoap/consumer.c) subscribes with wsrmp:RMAssertion
// ExactlyOnce InOrder; the broker (demo gateway) delivers every
// notification over one sequence, each number once, in order.
func TestGSOAP_DurableWSRMConsumerExactlyOnceInOrder(t *testing.T) {
	requireGSOAP(t)
	d := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	if out, err := exec.CommandContext(ctx, "sh", "testdata/gsoap/build_consumer.sh", dir).CombinedOutput(); err != nil {
		t.Fatalf("building the gSOAP consumer: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close() // the consumer binds it (SO_REUSEADDR)
	lines, stderr, _ := startLines(t, exec.CommandContext(ctx, filepath.Join(dir, "consumer"), port), "the gSOAP consumer")
	sub := wsnPost(t, d.URL+"/wsn/NotificationBroker", `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>http://127.0.0.1:`+port+`/</wsa:Address></wsnt:ConsumerReference>`+
		`<wsnt:SubscriptionPolicy><wsrmp:RMAssertion xmlns:wsrmp="http://docs.oasis-open.org/ws-rx/wsrmp/200702" xmlns:wsp="http://www.w3.org/ns/ws-policy"><wsp:Policy>`+
		`<wsrmp:DeliveryAssurance><wsp:Policy><wsrmp:ExactlyOnce/><wsrmp:InOrder/></wsp:Policy></wsrmp:DeliveryAssurance></wsp:Policy></wsrmp:RMAssertion></wsnt:SubscriptionPolicy></wsnt:Subscribe>`)
	if !strings.Contains(sub, `protocol="ws-rm-1.2"`) {
		t.Fatalf("Subscribe: got %s, want a WS-RM grant", sub)
	}
	const n = 10
	for i := range n {
		wsnPost(t, d.URL+"/wsn/NotificationBroker", fmt.Sprintf(`<wsnt:Notify><wsnt:NotificationMessage><wsnt:Message><q:Reading xmlns:q="urn:wsgw:interop:readings">r%d</q:Reading></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`, i))
	}
	readingRE := regexp.MustCompile(`>(r\d+)<`)
	seqs := map[string]bool{}
	var got []string
	timeout := time.After(45 * time.Second)
	for len(got) < n {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the gSOAP consumer ended\n%s", stderr.String())
			}
			f := strings.SplitN(l, " ", 4)
			if len(f) < 4 || f[0] != "notify" {
				continue
			}
			seqs[f[1]] = true
			if want := strconv.Itoa(len(got) + 1); f[2] != want {
				t.Fatalf("message number %s, want %s (each once, in order): %q", f[2], want, l)
			}
			if m := readingRE.FindStringSubmatch(f[3]); m != nil {
				got = append(got, m[1])
			}
		case <-timeout:
			t.Fatalf("got %q after 45s, want r0..r%d\n%s", got, n-1, stderr.String())
		}
	}
	for i, r := range got {
		if r != fmt.Sprintf("r%d", i) {
			t.Fatalf("got %q, want r0..r%d in order", got, n-1)
		}
	}
	if len(seqs) != 1 {
		t.Fatalf("got sequences %v, want one", seqs)
	}
}
