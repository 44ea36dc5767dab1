package gateway

import (
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/testpki"
	"github.com/wsgw/wsgw/wsnotify"
)

// httpsClient trusts ca and presents cert (nil: none). Each client has its
// own transport, so its own connections.
func httpsClient(ca *testpki.CA, cert *testpki.Leaf) *http.Client {
	tc := &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}
	if cert != nil {
		c, err := tls.X509KeyPair(cert.CertPEM, cert.KeyPEM)
		if err != nil {
			panic(err)
		}
		tc.Certificates = []tls.Certificate{c}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc, MaxConnsPerHost: 1}, Timeout: 10 * time.Second}
}

// startTLSGateway serves cfg with TLS on a loopback port; its url is https.
func startTLSGateway(t *testing.T, cfg Config) *testGateway {
	t.Helper()
	g := startGateway(t, cfg)
	g.url = "https://" + strings.TrimPrefix(g.url, "http://")
	return g
}

// servedSerial GETs /healthz with c and returns the serial of the
// certificate the server presented.
func servedSerial(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("GET /healthz over TLS: got %d (tls %v), want 200 over TLS", resp.StatusCode, resp.TLS != nil)
	}
	return resp.TLS.PeerCertificates[0].SerialNumber.String()
}

func TestTLS_ServesHTTPS(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	srv := ca.Server(t, dir, "gw")
	b := newBackend(t, "r0")
	g := startTLSGateway(t, Config{TLS: &TLSConfig{CertFile: srv.CertFile, KeyFile: srv.KeyFile},
		Services: []ServiceConfig{quoteService("Quotes", partitionOf(b))}})
	c := httpsClient(ca, nil)
	if got, want := servedSerial(t, c, g.url), srv.Cert.SerialNumber.String(); got != want {
		t.Errorf("served certificate serial: got %s, want %s", got, want)
	}
	checkfor.Until(t, 5*time.Second, func() error { return readyz(c, g.url) })
	req, err := http.NewRequest(http.MethodPost, g.url+"/services/Quotes", strings.NewReader(envelope(v11, "", getQuote("ACME"))))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+quoteNS+`/GetQuote"`)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST over https: got %d, want 200", resp.StatusCode)
	}
	if got := b.lastHeader().Get("X-Forwarded-Proto"); got != "https" {
		t.Errorf("X-Forwarded-Proto: got %q, want https", got)
	}
	// Plain HTTP to the TLS port gets nowhere.
	if r, err := http.Get(strings.Replace(g.url, "https://", "http://", 1) + "/healthz"); err == nil {
		r.Body.Close()
		if r.StatusCode == http.StatusOK {
			t.Error("plain HTTP to the TLS listener: got 200, want a refusal")
		}
	}
}

func readyz(c *http.Client, url string) error {
	resp, err := c.Get(url + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("not ready: " + resp.Status)
	}
	return nil
}

func TestTLS_MutualRequired(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	other := testpki.NewCA(t, dir, "other")
	srv := ca.Server(t, dir, "gw")
	g := startTLSGateway(t, Config{TLS: &TLSConfig{CertFile: srv.CertFile, KeyFile: srv.KeyFile, ClientCAFiles: []string{ca.File}}})

	if _, err := httpsClient(ca, nil).Get(g.url + "/healthz"); err == nil {
		t.Error("no client certificate: got a reply, want the handshake refused")
	}
	if _, err := httpsClient(ca, other.Client(t, dir, "stranger")).Get(g.url + "/healthz"); err == nil {
		t.Error("certificate of another CA: got a reply, want the handshake refused")
	}
	servedSerial(t, httpsClient(ca, ca.Client(t, dir, "alice")), g.url)
}

func TestTLS_ReloadKeepsOpenConnections(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	first := ca.Server(t, dir, "gw")
	g := startTLSGateway(t, Config{TLS: &TLSConfig{CertFile: first.CertFile, KeyFile: first.KeyFile}})
	old := httpsClient(ca, nil)
	if got := servedSerial(t, old, g.url); got != first.Cert.SerialNumber.String() {
		t.Fatalf("before reload: got serial %s, want %s", got, first.Cert.SerialNumber)
	}

	// A broken pair is refused and changes nothing.
	second := ca.Server(t, dir, "gw2")
	(&testpki.Leaf{CertPEM: second.CertPEM, KeyPEM: first.KeyPEM}).Install(t, first.CertFile, first.KeyFile)
	if err := g.ReloadTLS(); err == nil {
		t.Fatal("reload of a certificate with another key: got no error")
	}
	if got := servedSerial(t, httpsClient(ca, nil), g.url); got != first.Cert.SerialNumber.String() {
		t.Fatalf("after a failed reload: got serial %s, want the first %s", got, first.Cert.SerialNumber)
	}

	// The renewed certificate (what SIGHUP does in wsgw serve).
	second.Install(t, first.CertFile, first.KeyFile)
	if err := g.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, httpsClient(ca, nil), g.url); got != second.Cert.SerialNumber.String() {
		t.Errorf("new connection after reload: got serial %s, want %s", got, second.Cert.SerialNumber)
	}
	// The connection opened before the reload goes on, with its old
	// certificate: it was not dropped.
	if got := servedSerial(t, old, g.url); got != first.Cert.SerialNumber.String() {
		t.Errorf("old connection after reload: got serial %s, want the first %s (a new handshake)", got, first.Cert.SerialNumber)
	}
}

// An https backend that wants a client certificate from the gateway.
func TestTLS_BackendWithClientCertificate(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	beCert := ca.Server(t, dir, "backend")
	gwClient := ca.Client(t, dir, "gateway")
	b := &backend{id: "r0", sets: map[string]int{}, arrived: make(chan string, 64)}
	b.healthy.Store(true)
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(b.serve))
	pair, err := tls.X509KeyPair(beCert.CertPEM, beCert.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	var peer atomic.Value // the CommonName of the last client certificate; handshakes run concurrently
	b.srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 {
				peer.Store(cs.PeerCertificates[0].Subject.CommonName)
			}
			return nil
		}}
	b.srv.StartTLS()
	t.Cleanup(b.srv.Close)

	svc := quoteService("Quotes", cluster.PartitionConfig{Replicas: []string{b.srv.URL + "/quote"}})
	g := startGateway(t, Config{BackendTLS: &ClientTLSConfig{CAFiles: []string{ca.File}, CertFile: gwClient.CertFile, KeyFile: gwClient.KeyFile},
		Services: []ServiceConfig{svc}})
	checkfor.Until(t, 5*time.Second, func() error { return readyz(http.DefaultClient, g.url) })
	r := post(t, g.url+"/services/Quotes", v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
	if r.status != http.StatusOK || b.calls.Load() != 1 {
		t.Fatalf("through an https backend: got %d after %d calls, want 200 after 1\n%s", r.status, b.calls.Load(), r.body)
	}
	if got := peer.Load(); got != "gateway" {
		t.Errorf("backend saw client certificate %v, want gateway", got)
	}

	// Without the CA bundle the backend's certificate is not trusted.
	g2 := startGateway(t, Config{Services: []ServiceConfig{svc}})
	r = post(t, g2.url+"/services/Quotes", v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
	if r.status == http.StatusOK {
		t.Errorf("backend certificate from an unknown CA: got 200, want a fault")
	}
}

func TestTLS_Validate(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	a := ca.Server(t, dir, "a")
	b := ca.Server(t, dir, "b")
	// Two certificates of one client identity: clients choose where
	// egress goes, so the backends' identity must not go there.
	gwA, gwB := ca.Client(t, dir, "gateway"), ca.Client(t, t.TempDir(), "gateway")
	cases := []validateCase{
		{"key of another certificate", Config{TLS: &TLSConfig{CertFile: a.CertFile, KeyFile: b.KeyFile}}, []string{"TLS.CertFile: certificate"}},
		{"missing file", Config{TLS: &TLSConfig{CertFile: dir + "/none.pem", KeyFile: a.KeyFile}}, []string{"TLS.CertFile: reading certificate"}},
		{"no key", Config{TLS: &TLSConfig{CertFile: a.CertFile}}, []string{"TLS: the certificate and key files are both required"}},
		{"CA file without certificates", Config{TLS: &TLSConfig{CertFile: a.CertFile, KeyFile: a.KeyFile, ClientCAFiles: []string{a.KeyFile}}},
			[]string{"TLS.ClientCAFiles[0]: CA file"}},
		{"bad client auth", Config{TLS: &TLSConfig{CertFile: a.CertFile, KeyFile: a.KeyFile, ClientAuth: "maybe"}},
			[]string{`TLS.ClientAuth: "maybe"`, "TLS.ClientAuth: needs client CA files"}},
		{"bad version", Config{TLS: &TLSConfig{CertFile: a.CertFile, KeyFile: a.KeyFile, MinVersion: "1.0"}}, []string{"TLS.MinVersion"}},
		{"client cert without key", Config{BackendTLS: &ClientTLSConfig{CertFile: a.CertFile}}, []string{"BackendTLS: the certificate and key files go together"}},
		{"egress pair mismatch", Config{EgressTLS: &ClientTLSConfig{CertFile: a.CertFile, KeyFile: b.KeyFile}}, []string{"EgressTLS.CertFile"}},
		{"egress with the backends' identity", Config{BackendTLS: &ClientTLSConfig{CertFile: gwA.CertFile, KeyFile: gwA.KeyFile},
			EgressTLS: &ClientTLSConfig{CertFile: gwB.CertFile, KeyFile: gwB.KeyFile}},
			[]string{"EgressTLS.CertFile: the same client identity (subject and issuer) as BackendTLS's certificate"}},
	}
	wantValidateErrors(t, cases)
	good := Config{TLS: &TLSConfig{CertFile: a.CertFile, KeyFile: a.KeyFile, ClientCAFiles: []string{ca.File}, ClientAuth: ClientAuthOptional}}
	if err := good.Validate(); err != nil {
		t.Errorf("good config: %v", err)
	}
	if got := good.withDefaults().PublicURL; !strings.HasPrefix(got, "https://") {
		t.Errorf("default public URL with TLS: got %s, want https://", got)
	}
}

// The broker delivers to an https consumer that wants a client
// certificate, with the egress CA bundle and certificate.
func TestTLS_EgressToHTTPSConsumer(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	consumerCert := ca.Server(t, dir, "consumer")
	gwClient := ca.Client(t, dir, "gateway")
	got := make(chan string, 4)
	consumer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if len(r.TLS.PeerCertificates) > 0 {
			got <- r.TLS.PeerCertificates[0].Subject.CommonName + " " + string(b)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	pair, err := tls.X509KeyPair(consumerCert.CertPEM, consumerCert.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	consumer.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
	consumer.StartTLS()
	t.Cleanup(consumer.Close)

	url, _ := brokerGateway(t, wsnotify.Config{Egress: egress.Loopback()}, func(c *Config) {
		c.EgressTLS = &ClientTLSConfig{CAFiles: []string{ca.File}, CertFile: gwClient.CertFile, KeyFile: gwClient.KeyFile}
	})
	sub := postWSN(t, url+"/wsn/NotificationBroker", `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>`+consumer.URL+
		`</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe>`)
	if sub.status != http.StatusOK {
		t.Fatalf("Subscribe: got %d %s", sub.status, sub.body)
	}
	n := postWSN(t, url+"/wsn/NotificationBroker", `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:quotes</wsnt:Topic>`+
		`<wsnt:Message><q xmlns="urn:msg">ACME 42</q></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`)
	if n.status != http.StatusAccepted {
		t.Fatalf("Notify: got %d %s", n.status, n.body)
	}
	select {
	case s := <-got:
		if !strings.HasPrefix(s, "gateway ") || !strings.Contains(s, "ACME 42") {
			t.Errorf("consumer got %q, want the notification from the gateway's certificate", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the https consumer received nothing")
	}
}

// validateCase is a configuration Validate must refuse with every error in
// want (substrings).
type validateCase struct {
	name string
	cfg  Config
	want []string
}

func wantValidateErrors(t *testing.T, cases []validateCase) {
	t.Helper()
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if err == nil {
			t.Errorf("%s: got no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: got\n%v\nwant %q", tc.name, err, w)
			}
		}
	}
}

// A client CA removed by a reload no longer admits its clients, also on a
// resumed TLS session: the session ticket from before the reload carries
// a certificate the CAs now in force do not verify.
func TestTLS_ReloadedClientCAsEndResumedSessions(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	old := testpki.NewCA(t, dir, "old")
	srv := ca.Server(t, dir, "gw")
	clientCAs := dir + "/client-cas.pem"
	writeFile(t, clientCAs, append(append([]byte{}, ca.CertPEM...), old.CertPEM...))
	g := startTLSGateway(t, Config{TLS: &TLSConfig{CertFile: srv.CertFile, KeyFile: srv.KeyFile, ClientCAFiles: []string{clientCAs}}})

	c := httpsClient(ca, old.Client(t, dir, "partner"))
	tr := c.Transport.(*http.Transport)
	tr.TLSClientConfig.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	get := func() (*http.Response, error) {
		resp, err := c.Get(g.url + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		tr.CloseIdleConnections() // the next request makes a new connection
		return resp, err
	}
	if _, err := get(); err != nil {
		t.Fatalf("first connection: %v", err)
	}
	// The session resumes while the old CA is in force.
	if resp, err := get(); err != nil || !resp.TLS.DidResume {
		t.Fatalf("second connection: got (%v, %v), want a resumed session", resp, err)
	}

	writeFile(t, clientCAs, ca.CertPEM) // the old CA is dropped
	if err := g.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if resp, err := get(); err == nil {
		t.Errorf("after the old CA was dropped: got %d (resumed %v), want the handshake refused", resp.StatusCode, resp.TLS.DidResume)
	}
	// A client of the CA still in force goes on.
	if _, err := httpsClient(ca, ca.Client(t, dir, "alice")).Get(g.url + "/healthz"); err != nil {
		t.Errorf("client of the remaining CA: %v", err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
