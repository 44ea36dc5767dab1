package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsgw/wsgw/examples/temperature"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/testpki"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wssecurity"
)

func TestLoadConfig_SecurityEveryKey(t *testing.T) {
	fc, err := loadConfig("testdata/security.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := fc.toGateway("/etc/wsgw")
	want := gateway.Config{
		TLS: &gateway.TLSConfig{CertFile: "/etc/wsgw/gw.pem", KeyFile: "/etc/ssl/gw-key.pem",
			ClientCAFiles: []string{"/etc/wsgw/clients-ca.pem"}, ClientAuth: "optional", MinVersion: "1.3"},
		BackendTLS: &gateway.ClientTLSConfig{CAFiles: []string{"/etc/wsgw/backends-ca.pem"},
			CertFile: "/etc/wsgw/gw-client.pem", KeyFile: "/etc/wsgw/gw-client-key.pem"},
		EgressTLS: &gateway.ClientTLSConfig{CAFiles: []string{"/etc/ssl/consumers-ca.pem"}},
		Security: gateway.SecurityConfig{Config: wssecurity.Config{MaxAge: 2 * time.Minute, MaxSkew: 30 * time.Second,
			MaxNonces: 5000, MaxNoncesPerIdentity: 100},
			FailedAuth: gateway.FailedAuthLimit{Burst: 5, Recovery: time.Minute, MaxAddresses: 2000}},
	}
	sec := &gateway.ServiceSecurity{RequireUsernameToken: true, RequireTimestamp: true, RequireClientCertificate: true,
		PasswordTypes:      []string{"digest"},
		Allow:              wssecurity.Rule{Users: []string{"alice"}, Groups: []string{"traders"}, Subjects: []string{"CN=partner,O=Example"}},
		Operations:         map[string]wssecurity.Rule{"SetQuote": {Groups: []string{"admins"}}},
		ReliableOperations: map[string]wssecurity.Rule{"CreateSequence": {Groups: []string{"rm"}}}, ForwardSecurityHeader: true}
	bsec := &gateway.BrokerSecurity{RequireUsernameToken: true, RequireTimestamp: true, RequireClientCertificate: true,
		PasswordTypes: []string{"text"}, Allow: wssecurity.Rule{Groups: []string{"wsn"}},
		Operations: map[string]wssecurity.Rule{"RegisterPublisher": {Users: []string{"feed"}}},
		Topics: []gateway.TopicRule{{Topic: "{urn:example:quotes}stock", Notify: wssecurity.Rule{Users: []string{"feed"}},
			Receive: wssecurity.Rule{Groups: []string{"traders"}, Subjects: []string{"CN=partner,O=Example"}}}}}
	if !reflect.DeepEqual(got.BrokerSecurity, bsec) {
		t.Errorf("broker.security: got %+v, want %+v", got.BrokerSecurity, bsec)
	}
	if !reflect.DeepEqual(got.TLS, want.TLS) || !reflect.DeepEqual(got.BackendTLS, want.BackendTLS) ||
		!reflect.DeepEqual(got.EgressTLS, want.EgressTLS) || !reflect.DeepEqual(got.Security, want.Security) {
		t.Errorf("got\n%+v %+v %+v %+v\nwant\n%+v %+v %+v %+v", got.TLS, got.BackendTLS, got.EgressTLS, got.Security,
			want.TLS, want.BackendTLS, want.EgressTLS, want.Security)
	}
	if !reflect.DeepEqual(got.Services[0].Security, sec) {
		t.Errorf("services[0].security: got %+v, want %+v", got.Services[0].Security, sec)
	}
	if p := fc.usersPath("/etc/wsgw"); p != "/etc/wsgw/users.yaml" {
		t.Errorf("users file: got %s, want /etc/wsgw/users.yaml", p)
	}
}

// hashed runs `wsgw passwd` with password on stdin and returns its output.
func hashed(t *testing.T, password string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := cmdPasswd(strings.NewReader(password+"\n"), args, &stdout, &stderr); code != 0 {
		t.Fatalf("wsgw passwd: exit %d: %s", code, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func TestPasswd_HashesVerify(t *testing.T) {
	for _, args := range [][]string{nil, {"--bcrypt", "--cost", "4"}} {
		h := hashed(t, "corr3ct horse", args...)
		users, err := wssecurity.NewUsers([]wssecurity.User{{Name: "alice", PasswordHash: h}})
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		v, err := wssecurity.NewVerifier(wssecurity.Config{}, users, nil)
		if err != nil {
			t.Fatal(err)
		}
		for pw, ok := range map[string]bool{"corr3ct horse": true, "corr3ct horse ": false} {
			tok := wssecurity.Token{Username: "alice", Password: pw}
			msg, err := soap.ReadMessageBytes([]byte(`<e:Envelope xmlns:e="`+soap.NS11+`"><e:Header>`+string(tok.Header())+`</e:Header><e:Body/></e:Envelope>`), xmldoc.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			h, err := wssecurity.Parse(msg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(soap.V11, h, wssecurity.Policy{})
			if (err == nil) != ok {
				t.Errorf("%v: password %q: got %v, want accepted %v", args, pw, err, ok)
			}
		}
	}
	var stderr bytes.Buffer
	if code := cmdPasswd(strings.NewReader("\n"), nil, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "empty password") {
		t.Errorf("empty password: got %d %q, want 1 and a refusal", code, stderr.String())
	}
}

func TestLoadUsers(t *testing.T) {
	dir := t.TempDir()
	h := hashed(t, "s3cret!", "--bcrypt", "--cost", "4")
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("alice.digest", "d1gest\n")
	good := write("users.yaml", "users:\n"+
		"  - name: alice\n    groups: [traders]\n    password_hash: \""+h+"\"\n    digest_secret_file: alice.digest\n"+
		"  - name: svc\n    subjects: [\"CN=svc,O=Example\"]\n")
	users, err := loadUsers(good)
	if err != nil {
		t.Fatal(err)
	}
	want := []wssecurity.User{{Name: "alice", Groups: []string{"traders"}, PasswordHash: h, DigestSecret: "d1gest"},
		{Name: "svc", Subjects: []string{"CN=svc,O=Example"}}}
	if !reflect.DeepEqual(users, want) {
		t.Errorf("got %+v, want %+v", users, want)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"users:\n  - name: a\n    password: x\n", "users[0].password: unknown key (line 3, column 5)"},
		{"users:\n  - name: a\n    digest_secret: x\n    digest_secret_file: alice.digest\n", "users[0]: digest_secret and digest_secret_file: give one"},
		{"users:\n  - name: a\n    digest_secret_file: missing\n", "users[0].digest_secret_file: open"},
		{"users:\n  - name: a\n    password_hash: \"{SHA}abc\"\n", "users[0].password_hash: not an argon2id"},
		{"users:\n  - name: a\n    password_hash: \"{SHA}abc\"\n", " (line 3, column 5)"},
		{"users:\n  - name: a\n", `users[0]: user "a" cannot authenticate`},
	} {
		_, err := loadUsers(write("bad.yaml", tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.yaml") {
			t.Errorf("%q: got %v, want %q naming the file", tc.yaml, err, tc.want)
		}
	}
}

// wsgw serve with TLS, mTLS-optional and a users file; SIGHUP reloads the
// certificate (an open connection goes on with the old one) and the users.
func TestServe_TLSAndUsersReloadOnSIGHUP(t *testing.T) {
	backend := httptest.NewServer(temperature.NewBackend("r0", nil))
	defer backend.Close()
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	first := ca.Server(t, dir, "gw")
	h := hashed(t, "s3cret!", "--bcrypt", "--cost", "4")
	usersFile := filepath.Join(dir, "users.yaml")
	writeUsers := func(names ...string) {
		var b strings.Builder
		b.WriteString("users:\n")
		for _, n := range names {
			fmt.Fprintf(&b, "  - name: %s\n    groups: [readers]\n    password_hash: %q\n", n, h)
		}
		if err := os.WriteFile(usersFile, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeUsers("alice")
	cfg := "listen: 127.0.0.1:0\npublic_url: https://gw.example.com\ndata_dir: " + filepath.Join(dir, "data") + "\n" +
		"tls:\n  cert_file: gw.pem\n  key_file: gw-key.pem\n" +
		"security:\n  users_file: users.yaml\n" +
		"services:\n  - name: Temperature\n    wsdl: " + backend.URL + "/?wsdl\n" +
		"    cluster:\n      partitions:\n        - replicas: [" + backend.URL + "]\n" +
		"    security:\n      require_username_token: true\n      allow: {groups: [readers]}\n"
	path := filepath.Join(dir, "wsgw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", path}, io.Discard, &stderr) }()
	listenRE := regexp.MustCompile(`"wsgw serving" listen=(\S+)`)
	var url string
	checkfor.Until(t, 20*time.Second, func() error {
		m := listenRE.FindStringSubmatch(stderr.String())
		if m == nil {
			return fmt.Errorf("stderr %q: want \"wsgw serving listen=...\"", stderr.String())
		}
		url = "https://" + m[1] + "/services/Temperature"
		return nil
	})
	client := func() *http.Client {
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1,
			TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}}}
	}
	call := func(c *http.Client, user string) (int, string) {
		t.Helper()
		tok := wssecurity.Token{Username: user, Password: "s3cret!"}
		body := `<s:Envelope xmlns:s="` + soap.NS11 + `"><s:Header>` + string(tok.Header()) + `</s:Header><s:Body>` +
			`<t:GetTemperature xmlns:t="` + temperature.Namespace + `"><t:City>Oslo</t:City></t:GetTemperature></s:Body></s:Envelope>`
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `"`+temperature.Namespace+`/GetTemperature"`)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.TLS.PeerCertificates[0].SerialNumber.String()
	}
	old := client()
	checkfor.Until(t, 20*time.Second, func() error {
		if st, _ := call(old, "alice"); st != http.StatusOK {
			return fmt.Errorf("alice: got %d, want 200", st)
		}
		return nil
	})
	if st, _ := call(old, "bob"); st != http.StatusInternalServerError {
		t.Fatalf("bob before reload: got %d, want 500 (FailedAuthentication)", st)
	}

	second := ca.Server(t, dir, "gw2")
	second.Install(t, first.CertFile, first.KeyFile)
	writeUsers("alice", "bob")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	checkfor.True(t, 20*time.Second, "the reload to be logged", func() bool { return strings.Contains(stderr.String(), `msg=reloaded`) })

	if st, serial := call(client(), "bob"); st != http.StatusOK || serial != second.Cert.SerialNumber.String() {
		t.Errorf("new connection after SIGHUP: got %d with certificate %s, want 200 with %s", st, serial, second.Cert.SerialNumber)
	}
	if st, serial := call(old, "alice"); st != http.StatusOK || serial != first.Cert.SerialNumber.String() {
		t.Errorf("open connection after SIGHUP: got %d with certificate %s, want 200 with the first %s", st, serial, first.Cert.SerialNumber)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit code: got %d, want 0; stderr %s", code, stderr.String())
	}
}

// TestLoadConfig_SecurityFailedAuthProblemsAtKeys: negative
// security.failed_auth.recovery and max_addresses are problems named by
// their keys and lines; a negative burst is allowed (no limit).
func TestLoadConfig_SecurityFailedAuthProblemsAtKeys(t *testing.T) {
	path := writeDirectConfig(t, "wsgw.yaml", "listen: 127.0.0.1:1\nsecurity:\n  failed_auth:\n    burst: -1\n    recovery: -1s\n    max_addresses: -5\n")
	fc, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway(".")
	msg := fc.explainConfig(cfg.Validate())
	for _, want := range []string{"security.failed_auth.recovery: negative (line 5", "security.failed_auth.max_addresses: negative (line 6"} {
		if !strings.Contains(msg, want) {
			t.Errorf("got\n%s\nwant it to contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "burst") {
		t.Errorf("got\n%s\nwant no problem with burst (negative: no limit)", msg)
	}
}
