package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsnotify"
)

const (
	wsntNS = "http://docs.oasis-open.org/wsn/b-2"
	wsaNS  = "http://www.w3.org/2005/08/addressing"
)

// brokerGateway serves a gateway with a broker (and no services) on a
// loopback port until the test ends; with changes the configuration
// further.
func brokerGateway(t *testing.T, bc wsnotify.Config, with ...func(*Config)) (url string, g *Gateway) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(t.TempDir(), "db")).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url = "http://" + ln.Addr().String()
	cfg := Config{PublicURL: url, Broker: &bc}
	for _, f := range with {
		f(&cfg)
	}
	g, err = New(context.Background(), cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db})
	if err != nil {
		ln.Close()
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if err := g.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		db.Close()
	})
	return url, g
}

// recorder is a NotificationConsumer that keeps the bodies it receives.
type recorder struct {
	*httptest.Server
	mu     sync.Mutex // guards bodies
	bodies []string
}

func newRecorder(t *testing.T) *recorder {
	rc := &recorder{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, string(b))
		rc.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *recorder) all() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return strings.Join(rc.bodies, "\n")
}

func wsnEnvelope(payload string) string {
	return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsnt="` + wsntNS +
		`" xmlns:wsa="` + wsaNS + `" xmlns:tns="urn:topics"><s:Body>` + payload + `</s:Body></s:Envelope>`
}

func postWSN(t *testing.T, url, payload string) response {
	t.Helper()
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`""`}}
	return do(t, http.MethodPost, url, h, wsnEnvelope(payload))
}

func TestBroker_MountedSubscribeNotifyDelivers(t *testing.T) {
	url, _ := brokerGateway(t, wsnotify.Config{Egress: egress.Loopback()})
	consumer := newRecorder(t)

	sub := postWSN(t, url+"/wsn/NotificationBroker", `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>`+consumer.URL+
		`</wsa:Address></wsnt:ConsumerReference><wsnt:Filter><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:quotes</wsnt:TopicExpression></wsnt:Filter></wsnt:Subscribe>`)
	if sub.status != http.StatusOK || !strings.Contains(sub.body, url+"/wsn/subscriptions/") {
		t.Fatalf("Subscribe: got %d %s, want 200 with a reference under %s/wsn/subscriptions/", sub.status, sub.body, url)
	}
	n := postWSN(t, url+"/wsn/NotificationBroker", `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:quotes</wsnt:Topic>`+
		`<wsnt:Message><q xmlns="urn:msg">ACME 42</q></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`)
	if n.status != http.StatusAccepted {
		t.Fatalf("Notify: got %d %s, want 202", n.status, n.body)
	}
	checkfor.Until(t, 10*time.Second, func() error {
		if !strings.Contains(consumer.all(), "ACME 42") {
			return errors.New("consumer has not received the notification")
		}
		return nil
	})

	wsdl := do(t, http.MethodGet, url+"/wsn/NotificationBroker?wsdl", nil, "")
	if wsdl.status != http.StatusOK || !strings.Contains(wsdl.body, url+"/wsn/NotificationBroker") {
		t.Errorf("GET ?wsdl: got %d, want 200 naming %s/wsn/NotificationBroker", wsdl.status, url)
	}
	m := do(t, http.MethodGet, url+"/metrics", nil, "")
	if !strings.Contains(m.body, "wsgw_wsn_deliveries_total 1") {
		t.Errorf("GET /metrics: no wsgw_wsn_deliveries_total 1 in\n%s", m.body)
	}
}

func TestBroker_EgressRefusedByDefault(t *testing.T) {
	url, _ := brokerGateway(t, wsnotify.Config{})
	consumer := newRecorder(t)
	sub := postWSN(t, url+"/wsn/NotificationBroker", `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>`+consumer.URL+
		`</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe>`)
	if sub.status != http.StatusInternalServerError || !strings.Contains(sub.body, "SubscribeCreationFailedFault") {
		t.Errorf("Subscribe to a loopback consumer without egress: got %d %s, want 500 SubscribeCreationFailedFault", sub.status, sub.body)
	}
}

func TestBroker_AbsentWithoutConfig(t *testing.T) {
	g := startGateway(t, validConfig())
	if r := do(t, http.MethodGet, g.url+"/wsn/NotificationBroker?wsdl", nil, ""); r.status != http.StatusNotFound {
		t.Errorf("GET /wsn/NotificationBroker?wsdl without a broker: got %d, want 404", r.status)
	}
}

func TestBroker_NeedsDB(t *testing.T) {
	cfg := Config{PublicURL: "http://127.0.0.1:1", Broker: &wsnotify.Config{}}
	_, err := New(context.Background(), cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "Options.DB") {
		t.Errorf("New with a broker and no DB: got %v, want an error naming Options.DB", err)
	}
}

func TestConfigValidate_BrokerPaths(t *testing.T) {
	c := validConfig()
	c.Broker = &wsnotify.Config{
		PublicURL:          "ftp://x",
		DefaultTermination: 2 * time.Hour, MaxTermination: time.Hour,
		Topics: wsnotify.TopicsConfig{Fixed: true},
		Egress: egress.Config{CIDRs: []string{"loopback", "nonsense"}},
	}
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Field())
	}
	want := []string{"Broker.PublicURL", "Broker.Topics.Topics", "Broker.DefaultTermination", "Broker.Egress.CIDRs[1]"}
	if !slices.Equal(got, want) {
		t.Errorf("paths: got %q, want %q", got, want)
	}
}

func TestConfigValidate_BrokerPublicURLDefaultsToGateways(t *testing.T) {
	c := validConfig()
	c.Broker = &wsnotify.Config{}
	if err := c.Validate(); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if got, want := c.brokerConfig().PublicURL, fmt.Sprintf("http://%s", DefaultListen); got != want {
		t.Errorf("broker PublicURL: got %q, want %q", got, want)
	}
}
