package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/childproc"
	"github.com/wsgw/wsgw/internal/rmtest"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsnotify"
)

// The broker's crash test (issue 10): a child process (this test binary,
// TestBrokerCrash_Child) serves a gateway with a broker over a badger DB;
// the parent holds durable subscriptions of each kind (WS-RM ExactlyOnce,
// WS-RM AtLeastOnce, plain at least once) to recording consumers and
// publishes Notifies continuously, one at a time, while it kills the
// child with SIGKILL at random moments and starts it again.
const (
	brokerCrashDirEnv = "WSGW_BROKER_CRASH_DIR"
	// brokerCrashKillsEnv sets the number of kills (default 20).
	brokerCrashKillsEnv = "WSGW_BROKER_CRASH_KILLS"
)

var crashPayloadRE = regexp.MustCompile(`<m:n[^>]*>(\d+)</m:n>`)

// TestBrokerCrash_AnsweredNotifiesReachEveryDurableSubscription checks,
// across at least 20 kills: every Notify the broker answered reaches
// every durable subscription (lost: 0); a WS-RM consumer gets no delivery
// id as two messages (0); no subscription gets a notification after a
// later one (order violations: 0, every durable subscription being
// granted InOrder); and it reports how many delivery ids the plain
// consumer got more than once (at least once, by design).
func TestBrokerCrash_AnsweredNotifiesReachEveryDurableSubscription(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	kills := 20
	if v := os.Getenv(brokerCrashKillsEnv); v != "" {
		kills, _ = strconv.Atoi(v)
	}
	consumers := map[string]*rmtest.Recorder{
		"rm-exactly-once":  rmtest.New(t, crashPayloadRE),
		"rm-at-least-once": rmtest.New(t, crashPayloadRE),
		"plain":            rmtest.New(t, crashPayloadRE),
	}
	policies := map[string]string{
		"rm-exactly-once":  rmPolicy("ExactlyOnce"),
		"rm-at-least-once": rmPolicy("AtLeastOnce"),
		"plain":            `<wsnt:SubscriptionPolicy><d:Delivery xmlns:d="urn:wsgw:delivery:1"/></wsnt:SubscriptionPolicy>`,
	}
	env := append(os.Environ(), brokerCrashDirEnv+"="+t.TempDir())
	var addr atomic.Value
	addr.Store("")
	child := childproc.Start(t, "TestBrokerCrash_Child", env, &addr)
	checkfor.True(t, 20*time.Second, "the first child listens", func() bool { return addr.Load().(string) != "" })
	for name, c := range consumers {
		if r := postWSN(t, "http://"+addr.Load().(string)+"/wsn/NotificationBroker", subscribeBody(c.URL, policies[name])); r.status != http.StatusOK {
			child.Kill()
			t.Fatalf("Subscribe %s: HTTP %d\n%s", name, r.status, r.body)
		}
	}

	stop := make(chan struct{})
	var answered sync.Map // payload id -> true: the broker answered its Notify
	var published atomic.Int64
	done := make(chan struct{})
	go func() { defer close(done); runNotifier(&addr, stop, &answered, &published) }()

	begin := time.Now()
	for k := range kills {
		if k > 0 {
			child = childproc.Start(t, "TestBrokerCrash_Child", env, &addr)
		}
		wait := time.Duration(150+rand.IntN(600)) * time.Millisecond
		if k%5 == 4 {
			wait = time.Duration(rand.IntN(40)) * time.Millisecond // before it even listens, now and then
		} else {
			// A slow start (a race-built child on a loaded machine) must
			// not make every kill come before the child serves.
			checkfor.True(t, 20*time.Second, "the child listens", func() bool { return addr.Load().(string) != "" })
		}
		time.Sleep(wait) // the crash's moment: any will do, a random one is wanted
		child.Kill()
		addr.Store("")
	}
	final := childproc.Start(t, "TestBrokerCrash_Child", env, &addr)
	defer final.Kill()
	checkfor.True(t, 20*time.Second, "the last child listens", func() bool { return addr.Load().(string) != "" })
	time.Sleep(300 * time.Millisecond) // a few more Notifies to the last child: any number will do
	close(stop)
	<-done

	var want []int
	answered.Range(func(k, _ any) bool { want = append(want, k.(int)); return true })
	if len(want) < 2*kills {
		t.Fatalf("got %d Notifies answered of %d published, want at least %d: the test proves nothing", len(want), published.Load(), 2*kills)
	}
	lost := func(c *rmtest.Recorder) int {
		got := map[int]bool{}
		for _, s := range c.Received() {
			n, _ := strconv.Atoi(s)
			got[n] = true
		}
		missing := 0
		for _, n := range want {
			if !got[n] {
				missing++
			}
		}
		return missing
	}
	checkfor.Until(t, 45*time.Second, func() error {
		for name, c := range consumers {
			if n := lost(c); n > 0 {
				return fmt.Errorf("%s: %d of %d answered Notifies not delivered", name, n, len(want))
			}
		}
		return nil
	})
	t.Logf("%d kills in %v; %d Notifies published, %d answered", kills, time.Since(begin).Round(time.Millisecond), published.Load(), len(want))
	for _, name := range []string{"rm-exactly-once", "rm-at-least-once", "plain"} {
		c := consumers[name]
		l, dup, order := lost(c), c.Twice(), orderViolations(c.Received())
		t.Logf("%-17s answered-but-lost %d, duplicates by delivery id %d, order violations %d (%d received)", name, l, dup, order, len(c.Received()))
		if l != 0 {
			t.Errorf("%s: answered Notifies lost: got %d, want 0", name, l)
		}
		if order != 0 {
			t.Errorf("%s: order violations (InOrder granted): got %d, want 0", name, order)
		}
		if strings.HasPrefix(name, "rm-") && dup != 0 {
			t.Errorf("%s: delivery ids sent as two WS-RM messages: got %d, want 0", name, dup)
		}
	}
}

// orderViolations counts the notifications that came, for the first
// time, after a later one had come (a repeat of an earlier one is not a
// violation: it is the at-least-once duplicate, counted apart).
func orderViolations(got []string) int {
	seen, maxSeen, n := map[int]bool{}, -1, 0
	for _, s := range got {
		v, _ := strconv.Atoi(s)
		if seen[v] {
			continue
		}
		seen[v] = true
		if v < maxSeen {
			n++
		}
		maxSeen = max(maxSeen, v)
	}
	return n
}

// runNotifier publishes Notify n = 0, 1, 2, ... one at a time to the
// child's current address until stop is closed, and records in answered
// those the broker answered (HTTP 202). One that failed is not sent
// again: it may or may not have been published.
func runNotifier(addr *atomic.Value, stop <-chan struct{}, answered *sync.Map, published *atomic.Int64) {
	hc := &http.Client{Timeout: 5 * time.Second}
	for n := 0; ; {
		select {
		case <-stop:
			return
		default:
		}
		a := addr.Load().(string)
		if a == "" {
			time.Sleep(5 * time.Millisecond) // the child is restarting
			continue
		}
		body := fmt.Sprintf(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`+
			`<wsnt:Notify xmlns:wsnt="%s"><wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple" xmlns:tns="urn:crash">tns:t</wsnt:Topic>`+
			`<wsnt:Message><m:n xmlns:m="urn:crash:msg">%d</m:n></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`, wsntNS, n)
		req, _ := http.NewRequest(http.MethodPost, "http://"+a+"/wsn/NotificationBroker", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `""`)
		published.Add(1)
		resp, err := hc.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body) //nolint:errcheck // drained
			resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted {
				answered.Store(n, true)
			}
		}
		if err != nil {
			time.Sleep(5 * time.Millisecond) // the child died
		}
		n++
	}
}

func rmPolicy(assurance string) string {
	return `<wsnt:SubscriptionPolicy><wsrmp:RMAssertion xmlns:wsrmp="http://docs.oasis-open.org/ws-rx/wsrmp/200702" xmlns:wsp="http://www.w3.org/ns/ws-policy">` +
		`<wsp:Policy><wsrmp:DeliveryAssurance><wsp:Policy><wsrmp:` + assurance + `/><wsrmp:InOrder/></wsp:Policy></wsrmp:DeliveryAssurance></wsp:Policy>` +
		`</wsrmp:RMAssertion></wsnt:SubscriptionPolicy>`
}

// subscribeBody is a Subscribe of consumer to topic tns:t of urn:crash.
func subscribeBody(consumer, policy string) string {
	return `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>` + consumer + `</wsa:Address></wsnt:ConsumerReference>` +
		`<wsnt:Filter><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple" xmlns:tns="urn:crash">tns:t</wsnt:TopicExpression></wsnt:Filter>` +
		policy + `</wsnt:Subscribe>`
}

// TestBrokerCrash_Child is the child of the crash test: a gateway with a
// broker, its DB opened as `wsgw serve` opens it, served until killed.
func TestBrokerCrash_Child(t *testing.T) {
	dir := os.Getenv(brokerCrashDirEnv)
	if dir == "" {
		t.Skip("only run as the crash test's child")
	}
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(dir, "db")).WithLogger(nil).WithSyncWrites(true))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	bc := wsnotify.Config{Egress: egress.Loopback(), SweepInterval: 200 * time.Millisecond,
		Durable: wsnotify.DurableConfig{Timeout: 2 * time.Second, Backoff: queueing.Backoff{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond}}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("WSGW_BROKER_CRASH_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	g, err := New(context.Background(), Config{PublicURL: url, Broker: &bc}, Options{Logger: log, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("listening", ln.Addr().String())
	g.Serve(context.Background(), ln) //nolint:errcheck // until killed
}
