package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsreliable"
)

// endpoint is an HTTP listener on a loopback address that keeps what it
// receives.
type endpoint struct {
	url  string
	mu   sync.Mutex // guards got
	got  []string
	port string
}

func listenEndpoint(t *testing.T, ip string) *endpoint {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	e := &endpoint{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.got = append(e.got, string(b))
		e.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/replies"
	_, e.port, _ = net.SplitHostPort(ln.Addr().String())
	return e
}

func (e *endpoint) received() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.got...)
}

func epr(local, addr string) string {
	return `<wsa:` + local + ` xmlns:wsa="` + rmWSANS + `"><wsa:Address>` + addr + `</wsa:Address></wsa:` + local + `>`
}

// Through the gateway, every WS-Addressing address of a reliable request
// is checked against the service's egress list when it arrives: a
// forbidden ReplyTo or FaultTo, or one with user information, is refused
// with wsa:InvalidAddressingHeader / wsa:InvalidAddress, nothing is
// stored, and nothing is sent to the listeners behind the addresses. A
// backend's fault to a request with ReplyTo R and FaultTo F goes to F,
// its reply to another request to R.
func TestReliable_WSAddressesCheckedAtArrivalAndFaultTo(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	svc := reliableQuote(b)
	svc.Reliable.Egress = egress.Config{CIDRs: []string{"127.0.0.1"}}
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{svc}}, db)
	defer stop()
	c := newRMClient(t, url+"/services/Quotes")
	forbidden, replyTo, faultTo := listenEndpoint(t, "127.0.0.2"), listenEndpoint(t, "127.0.0.1"), listenEndpoint(t, "127.0.0.1")
	send := func(n int, symbol, wsa string) response {
		hdr := fmt.Sprintf(`<wsa:Action xmlns:wsa="%s">%s/SetQuote</wsa:Action><wsa:MessageID xmlns:wsa="%s">urn:m:%d</wsa:MessageID>%s`+
			`<wsrm:Sequence xmlns:wsrm="%s"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`,
			rmWSANS, quoteNS, rmWSANS, n, wsa, wsreliable.NSRM, c.seq, n)
		return postRM(t, c.url, hdr, setQuote(symbol))
	}
	for _, v := range []struct{ name, wsa, problem string }{
		{"ReplyTo", epr("ReplyTo", forbidden.url), "wsa:ReplyTo"},
		{"FaultTo", epr("ReplyTo", replyTo.url) + epr("FaultTo", forbidden.url), "wsa:FaultTo"},
		{"ReplyTo with user information", epr("ReplyTo", "http://u:pw@127.0.0.1:"+replyTo.port+"/replies"), "user information"},
	} {
		r := send(1, "X", v.wsa)
		if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "InvalidAddressingHeader") ||
			!strings.Contains(r.body, "InvalidAddress") || !strings.Contains(r.body, v.problem) {
			t.Errorf("%s refused by egress: got %d %s, want wsa:InvalidAddressingHeader/InvalidAddress naming %s", v.name, r.status, r.body, v.problem)
		}
	}
	if r := send(1, "FAULT", epr("ReplyTo", replyTo.url)+epr("FaultTo", faultTo.url)); r.status != http.StatusOK {
		t.Fatalf("message 1: got %d %s", r.status, r.body)
	}
	if r := postOp(t, c.url, "GetQuote", fmt.Sprintf(`<wsa:Action xmlns:wsa="%s">%s/GetQuote</wsa:Action>%s%s<wsrm:Sequence xmlns:wsrm="%s">`+
		`<wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>2</wsrm:MessageNumber></wsrm:Sequence>`,
		rmWSANS, quoteNS, epr("ReplyTo", replyTo.url), epr("FaultTo", faultTo.url), wsreliable.NSRM, c.seq), getQuote("OK")); r.status != http.StatusOK {
		t.Fatalf("message 2: got %d %s", r.status, r.body)
	}
	checkfor.Until(t, 10*time.Second, func() error {
		f, rp := faultTo.received(), replyTo.received()
		if len(f) != 1 || !strings.Contains(f[0], "FAULT refused") {
			return fmt.Errorf("FaultTo received %q, want the fault", f)
		}
		if len(rp) != 1 || !strings.Contains(rp[0], "GetQuoteResponse") {
			return fmt.Errorf("ReplyTo received %q, want the GetQuote reply only", rp)
		}
		return nil
	})
	if got := forbidden.received(); len(got) != 0 {
		t.Errorf("the forbidden address received %q, want nothing", got)
	}
	if got := b.received(); len(got) != 0 { // FAULT and GetQuote are not logged; a refused X would be
		t.Errorf("backend log: got %v, want nothing of the refused requests", got)
	}
}

// A reliable message may be as large as the gateway's limits.max_bytes
// (10 MiB by default): 300 KiB was refused by an undocumented 256 KiB
// queue default (issue 13).
func TestReliable_MessageSizeFollowsMaxBytes(t *testing.T) {
	b, c := reliableScenario(t)
	symbol := strings.Repeat("x", 300<<10)
	c.send(1, symbol)
	b.waitLog(t, symbol)
}

// The broker refuses a body declared over its limit at once, as the
// services do, before reading it.
func TestBroker_RefusesOverLimitBodyAtOnce(t *testing.T) {
	url, _ := brokerGateway(t, wsnotify.Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /wsn/NotificationBroker HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\n"+
		"SOAPAction: \"\"\r\nContent-Length: %d\r\n\r\n<s:Envelope", 100<<20)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 400 || !strings.Contains(string(body), "LimitExceeded") {
		t.Fatalf("got %d %s, want a LimitExceeded fault", resp.StatusCode, body)
	}
}
