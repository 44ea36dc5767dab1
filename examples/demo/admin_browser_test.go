package demo

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
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

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wsgw/wsgw/examples/orders"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/internal/checkfor"
)

// The admin page in a real browser (Debian's chromium, headless, driven
// over the DevTools protocol by chromedp): behind its token, it loads
// without a console error, an exception or a Content-Security-Policy
// violation, shows the demo's services, broker and reliable service, and
// its figures change under traffic. A screenshot is written to the test's
// temporary directory and, when WSGW_ARTIFACTS names a directory, there.
func TestAdminPage_Browser(t *testing.T) {
	chromium := needChromium(t)
	const token = "demo-admin-token-0123456789abcdef"
	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Start(context.Background(), Options{Listen: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Admin: gateway.AdminConfig{TokenFile: tokenFile}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })

	// The token gate, as a scraper sees it.
	for _, path := range []string{"/admin", "/admin/api/state", "/metrics"} {
		if st := get(t, d.URL+path, ""); st != http.StatusUnauthorized {
			t.Fatalf("GET %s without the token: got %d, want 401", path, st)
		}
		if st := get(t, d.URL+path, token); st != http.StatusOK {
			t.Fatalf("GET %s with the token: got %d, want 200", path, st)
		}
	}

	b := newBrowser(t, chromium)
	// Record Content-Security-Policy violations as the page sees them
	// (the browser also logs them to the console).
	if _, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__violations = []; document.addEventListener("securitypolicyviolation",
			e => window.__violations.push(e.violatedDirective + " " + e.blockedURI));`}); err != nil {
		t.Fatal(err)
	}

	// Without the token: 401. A headless browser, which cannot ask for a
	// password, gives up on the Basic challenge.
	ectx, cancelEvents := context.WithTimeout(b.ctx, 10*time.Second)
	responses := chromedp.Events(ectx, network.ResponseReceived)
	err = chromedp.Do(b.ctx, chromedp.Navigate(d.URL+"/admin"))
	if err == nil || !strings.Contains(err.Error(), "ERR_INVALID_AUTH_CREDENTIALS") {
		t.Fatalf("browser at /admin without the token: got %v, want net::ERR_INVALID_AUTH_CREDENTIALS", err)
	}
	status := 0
	for ev, err := range responses {
		if err != nil {
			t.Fatalf("waiting for the response to /admin: %v", err)
		}
		if ev.Response.URL == d.URL+"/admin" {
			status = int(ev.Response.Status)
			break
		}
	}
	cancelEvents()
	if status != http.StatusUnauthorized {
		t.Fatalf("browser at /admin without the token: got HTTP %d, want 401", status)
	}

	// With the token (every request of the page carries it).
	if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders,
		network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + token}}); err != nil {
		t.Fatal(err)
	}
	// The browser logs the 401 as a failed load: wait for it, then forget it.
	checkfor.True(t, 10*time.Second, "the 401 in the console", func() bool {
		return slices.ContainsFunc(b.problems(), func(m string) bool { return strings.Contains(m, "401") })
	})
	b.clearConsole()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(d.URL+"/admin"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("browser at /admin with the token: got HTTP %d, want 200", resp.Status)
	}
	var want []string
	for _, s := range d.Config.Services {
		want = append(want, s.Name)
	}
	var got []string
	if err := jsonEval(t, b, `Array.from(document.querySelectorAll("#services h3")).map(h => h.firstChild.textContent.trim())`, &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("services on the page: got %q, want %q", got, want)
	}
	checkfor.Until(t, 10*time.Second, func() error {
		if s := b.eval(t, `document.getElementById("status").textContent`); !strings.HasPrefix(s, "live") {
			return fmt.Errorf("status %q, want live", s)
		}
		return nil
	})

	// Traffic: GetQuote requests, a subscription, a reliable sequence.
	okCell := `(document.querySelector('table[data-table="svc/StockQuote/outcomes"] tr[data-k="ok"] td.num') || {textContent: "0"}).textContent`
	before := b.number(t, okCell)
	checkfor.Until(t, 30*time.Second, func() error {
		getQuote(t, d.URL)
		if n := b.number(t, okCell); n < before+5 {
			return fmt.Errorf("requests shown: got %d, want at least %d", n, before+5)
		}
		rate := b.eval(t, `document.querySelector('figure[data-chart="svc/StockQuote/rate"] .legend b').textContent`)
		if rate == "–" || rate == "0/s" {
			return fmt.Errorf("request rate shown: got %q, want a rate", rate)
		}
		// A line of a few points (one per poll): a chart worth a look in
		// the screenshot.
		if n := b.number(t, `(document.querySelector('figure[data-chart="svc/StockQuote/rate"] path.line.s0') || {getAttribute: () => ""}).getAttribute("d").split("L").length`); n < 5 {
			return fmt.Errorf("request rate chart: got %d points, want 5", n)
		}
		return nil
	})
	// One dispatch stage per partition: the admitted of all of them.
	admitted := `String(Array.from(document.querySelectorAll('table[data-table="stages"] tr[data-k^="dispatch/StockQuote/"] td:nth-child(4)')).reduce((n, td) => n + Number(td.textContent), 0))`
	if n := b.number(t, admitted); n < before+5 {
		t.Fatalf("dispatch/StockQuote/* admitted: got %d, want at least %d", n, before+5)
	}

	consumer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(consumer.Close)
	subscribe(t, d.Broker.Endpoint, consumer.URL)
	topicRow := `(document.querySelector('table[data-table="broker/topics"] tr[data-k="{urn:wsgw:demo}prices"] td.num') || {textContent: "0"}).textContent`
	checkfor.Until(t, 10*time.Second, func() error {
		if n := b.number(t, topicRow); n != 1 {
			return fmt.Errorf("subscriptions to {urn:wsgw:demo}prices shown: got %d, want 1", n)
		}
		return nil
	})

	delivered := `document.querySelector('table[data-table="broker/totals"] tr[data-k="delivered"] td.num').textContent`
	checkfor.Until(t, 10*time.Second, func() error {
		notify(t, d.Broker.Endpoint)
		if n := b.number(t, delivered); n < 1 {
			return fmt.Errorf("notifications delivered shown: got %d, want 1", n)
		}
		return nil
	})

	submitOrders(t, d.URL+"/services/Orders", 3)
	accepted := `(document.querySelector('table[data-table="rel/Orders/totals"] tr[data-k="accepted"] td.num') || {textContent: "0"}).textContent`
	checkfor.Until(t, 10*time.Second, func() error {
		if n := b.number(t, accepted); n < 3 {
			return fmt.Errorf("reliable messages accepted shown: got %d, want 3", n)
		}
		return nil
	})

	// A name a client chose, with markup in it, is shown as text (its
	// beginning: the page never shows a whole identifier).
	markup := `<img src=x>` // an img in main, if injected
	evil := markup + `urn:wsgw:admin-test:group-1`
	submitRel(t, d.URL+"/services/Orders", evil)
	markupJS, _ := json.Marshal(markup)
	shown := `Array.from(document.querySelectorAll('table[data-table="rel/Orders/sequences"] td:first-child')).some(td => td.textContent.startsWith(` + string(markupJS) + `))`
	checkfor.Until(t, 10*time.Second, func() error {
		if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](shown)); err != nil || !ok {
			return fmt.Errorf("group %q shown as text: got %v (%v), want true", evil, ok, err)
		}
		return nil
	})
	if injected, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__xss !== undefined || document.querySelector("main img") !== null`)); err != nil || injected {
		t.Fatalf("markup from a group identifier: got injected %v (%v), want none", injected, err)
	}

	b.screenshot(t, "admin-page.png")
	var violations []string
	if err := jsonEval(t, b, `window.__violations`, &violations); err != nil {
		t.Fatal(err)
	}
	if len(violations) > 0 {
		t.Fatalf("Content-Security-Policy violations: %q", violations)
	}
	if msgs := b.problems(); len(msgs) > 0 {
		t.Fatalf("console errors: %q", msgs)
	}
}

// needChromium returns the path of Debian's chromium; without it the test
// is skipped, or fails when CI is set.
func needChromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("chromium not found (CI is set): %v", err)
	}
	t.Skipf("chromium not found (apt-get install chromium): %v", err)
	return ""
}

// browser is a headless chromium with one tab, and the console messages
// of that tab.
type browser struct {
	ctx  context.Context
	mu   sync.Mutex // guards msgs
	msgs []chromedp.ConsoleMessage
}

// newBrowser starts chromium with a new empty profile, offline in all but
// name: no background networking, component updates, sync or QUIC, which
// would reach out to the network (closed here); it stops when the test
// ends.
func newBrowser(t *testing.T, path string) *browser {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	// Console starts the browser and subscribes; read it until the end.
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.msgs = append(b.msgs, m)
			b.mu.Unlock()
		}
	}()
	return b
}

func (b *browser) clearConsole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = nil
}

// problems returns the console errors and warnings and the uncaught
// exceptions seen since the last clearConsole.
func (b *browser) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.msgs {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
			out = append(out, m.String()+" ("+m.URL+")")
		}
	}
	return out
}

// eval evaluates a JavaScript expression whose value is a string.
func (b *browser) eval(t *testing.T, expr string) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return s
}

// number evaluates an expression whose value is a count (a number or a
// cell's text).
func (b *browser) number(t *testing.T, expr string) int {
	t.Helper()
	s := b.eval(t, "String("+expr+")")
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("evaluating %s: got %q, want a count", expr, s)
	}
	return n
}

func jsonEval[T any](t *testing.T, b *browser, expr string, v *T) error {
	t.Helper()
	r, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	*v = r
	return err
}

// screenshot writes a full-page PNG into the test's temporary directory
// and, when WSGW_ARTIFACTS is set, into that directory too.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dirs := []string{t.TempDir()}
	if a := os.Getenv("WSGW_ARTIFACTS"); a != "" {
		if err := os.MkdirAll(a, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, a)
	}
	for _, dir := range dirs {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}

func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func getQuote(t *testing.T, base string) {
	t.Helper()
	if st, body := postOrders(t, base+"/services/StockQuote", "urn:wsgw:examples:stockquote/GetQuote", GetQuote11("ACME")); st != http.StatusOK {
		t.Fatalf("GetQuote: got %d, want 200\n%s", st, body)
	}
}

// subscribe subscribes consumer to the topic prices of the demo's
// namespace.
func subscribe(t *testing.T, broker, consumer string) {
	t.Helper()
	env := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="http://www.w3.org/2005/08/addressing"` +
		` xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:d="urn:wsgw:demo"><s:Header>` +
		`<wsa:Action>http://docs.oasis-open.org/wsn/bw-2/NotificationProducer/SubscribeRequest</wsa:Action>` +
		`<wsa:MessageID>urn:uuid:admin-test-1</wsa:MessageID></s:Header><s:Body><wsnt:Subscribe>` +
		`<wsnt:ConsumerReference><wsa:Address>` + consumer + `</wsa:Address></wsnt:ConsumerReference>` +
		`<wsnt:Filter><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">d:prices</wsnt:TopicExpression></wsnt:Filter>` +
		`</wsnt:Subscribe></s:Body></s:Envelope>`
	if st, body := postOrders(t, broker, "http://docs.oasis-open.org/wsn/bw-2/NotificationProducer/SubscribeRequest", env); st != http.StatusOK {
		t.Fatalf("Subscribe: got %d, want 200\n%s", st, body)
	}
}

// notify publishes a message on the topic prices of the demo's namespace.
func notify(t *testing.T, broker string) {
	t.Helper()
	const action = "http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"
	env := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="http://www.w3.org/2005/08/addressing"` +
		` xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:d="urn:wsgw:demo"><s:Header>` +
		`<wsa:Action>` + action + `</wsa:Action></s:Header><s:Body><wsnt:Notify><wsnt:NotificationMessage>` +
		`<wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">d:prices</wsnt:Topic>` +
		`<wsnt:Message><d:price symbol="ACME">12.5</d:price></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`
	if st, body := postOrders(t, broker, action, env); st != http.StatusAccepted {
		t.Fatalf("Notify: got %d, want 202 (one-way)\n%s", st, body)
	}
}

// submitRel sends one WS-Reliability 1.1 message of group (ordered, with
// duplicate elimination, acknowledged in the response).
func submitRel(t *testing.T, url, group string) {
	t.Helper()
	env := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsrel="http://docs.oasis-open.org/wsrm/2004/06/ws-reliability-1.1.xsd" xmlns:o="urn:wsgw:examples:orders">` +
		`<s:Header><wsrel:Request s:mustUnderstand="1"><wsrel:MessageId groupId="` + xmlAttr(group) + `"><wsrel:SequenceNum number="0"/></wsrel:MessageId>` +
		`<wsrel:ExpiryTime>2099-12-31T23:59:59Z</wsrel:ExpiryTime><wsrel:ReplyPattern><wsrel:Value>Response</wsrel:Value></wsrel:ReplyPattern>` +
		`<wsrel:AckRequested/><wsrel:DuplicateElimination/><wsrel:MessageOrder/></wsrel:Request></s:Header>` +
		`<s:Body><o:SubmitOrder><o:Customer>admin</o:Customer><o:OrderId>rel-0</o:OrderId><o:Item>widget</o:Item><o:Quantity>1</o:Quantity></o:SubmitOrder></s:Body></s:Envelope>`
	if st, body := postOrders(t, url, orders.Namespace+"/SubmitOrder", env); st != http.StatusOK || strings.Contains(body, "Fault") {
		t.Fatalf("WS-Reliability message: got %d, want 200 without a fault\n%s", st, body)
	}
}

func xmlAttr(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a strings.Builder does not fail; quotes become &#34;
	return b.String()
}

// submitOrders sends n orders in one WS-RM sequence.
func submitOrders(t *testing.T, url string, n int) {
	t.Helper()
	_, body := postOrders(t, url, "", orders.CreateSequence11())
	m := regexp.MustCompile(`<wsrm:Identifier>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("CreateSequence: got %s", body)
	}
	for i := 1; i <= n; i++ {
		if st, body := postOrders(t, url, orders.Namespace+"/SubmitOrder", orders.SubmitOrder11(m[1], i, "admin", fmt.Sprint("o", i))); st != http.StatusOK {
			t.Fatalf("message %d: got %d %s", i, st, body)
		}
	}
}
