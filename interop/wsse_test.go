package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/examples/stockquote"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wssecurity"
)

// The protected service's one user.
const (
	wsseUser     = "alice"
	wssePassword = "s3cret!"
)

// startProtectedQuotes serves the StockQuote example behind a gateway whose
// service requires a UsernameToken from alice (PasswordText checked
// against a bcrypt hash, PasswordDigest against her digest secret). It
// returns the service's WSDL URL.
func startProtectedQuotes(t *testing.T) string {
	t.Helper()
	backend := httptest.NewServer(stockquote.NewBackend("p0/r0", nil, nil))
	t.Cleanup(backend.Close)
	hash, err := wssecurity.HashPasswordBcrypt(wssePassword, 4)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := gateway.Config{
		Listen: ln.Addr().String(), PublicURL: base,
		Security: gateway.SecurityConfig{Users: []wssecurity.User{
			{Name: wsseUser, Groups: []string{"traders"}, PasswordHash: hash, DigestSecret: wssePassword}}},
		Services: []gateway.ServiceConfig{{
			Name: "StockQuote", WSDL: backend.URL + "/?wsdl",
			Cluster: cluster.Config{Partitions: []cluster.PartitionConfig{{Replicas: []string{backend.URL}}},
				Health: cluster.HealthConfig{Path: "/health", Interval: 100 * time.Millisecond}},
			Security: &gateway.ServiceSecurity{RequireUsernameToken: true, Allow: wssecurity.Rule{Groups: []string{"traders"}}},
		}},
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{Logger: log})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gw.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		gw.Close()
	})
	checkfor.Until(t, 20*time.Second, func() error {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &statusError{resp.StatusCode}
		}
		return nil
	})
	return base + "/services/StockQuote?wsdl"
}

type statusError struct{ status int }

func (e *statusError) Error() string {
	return "GET /readyz: got " + http.StatusText(e.status) + ", want 200"
}

// callResult is one call a client script made.
type callResult struct {
	OK       bool     `json:"ok"`
	Symbol   string   `json:"symbol"`
	Code     string   `json:"code"`
	Subcodes []string `json:"subcodes"`
	Message  string   `json:"message"`
}

// runClient runs a client script and decodes its JSON: port -> case -> result.
func runClient(t *testing.T, name string, args ...string) map[string]json.RawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", name, err, stderr.String())
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("decoding %s output: %v\n%s", name, err, stdout.String())
	}
	return out
}

// checkCases checks one port's results: the right credentials get ACME's
// quote, wrong ones wsse:FailedAuthentication, none wsse:InvalidSecurity.
// faultIs tells whether a result is the named WS-Security fault, the way
// the toolkit reports it.
func checkCases(t *testing.T, who, port string, raw json.RawMessage, faultIs func(callResult, string) bool) {
	t.Helper()
	var cases map[string]callResult
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("%s %s: %v", who, port, err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s %s: no results", who, port)
	}
	for name, r := range cases {
		switch {
		case name == "none":
			if r.OK || !faultIs(r, "InvalidSecurity") {
				t.Errorf("%s %s %s: got %+v, want wsse:InvalidSecurity", who, port, name, r)
			}
		case strings.HasSuffix(name, "_wrong"):
			if r.OK || !faultIs(r, "FailedAuthentication") {
				t.Errorf("%s %s %s: got %+v, want wsse:FailedAuthentication", who, port, name, r)
			}
		default:
			if !r.OK || r.Symbol != "ACME" {
				t.Errorf("%s %s %s: got %+v, want ACME's quote", who, port, name, r)
			}
		}
	}
}

func TestZeep_UsernameToken(t *testing.T) {
	requireZeep(t)
	wsdl := startProtectedQuotes(t)
	out := runClient(t, python, "testdata/zeep_wsse_client.py", wsdl, wsseUser, wssePassword)
	t.Logf("zeep %s", out["zeep"])
	// SOAP 1.1: the faultcode is the WS-Security QName; SOAP 1.2: zeep
	// reports env:Sender and the subcode's QName.
	checkCases(t, "zeep", "soap11", out["soap11"], func(r callResult, local string) bool {
		return r.Code == "wsse:"+local
	})
	checkCases(t, "zeep", "soap12", out["soap12"], func(r callResult, local string) bool {
		return len(r.Subcodes) == 1 && r.Subcodes[0] == "{"+wssecurity.NSWSSE+"}"+local
	})
}

func requirePHP(t *testing.T) {
	t.Helper()
	out, err := exec.Command("php", "-m").Output()
	if err != nil || !bytes.Contains(out, []byte("\nsoap\n")) {
		if os.Getenv("CI") != "" {
			t.Fatalf("php with the soap extension not found (CI is set): %v", err)
		}
		t.Skip("php-cli and php-soap not installed (.ci/run installs them)")
	}
}

func TestPHP_UsernameToken(t *testing.T) {
	requirePHP(t)
	wsdl := startProtectedQuotes(t)
	out := runClient(t, "php", "testdata/php_wsse_client.php", wsdl, wsseUser, wssePassword)
	t.Logf("php %s", out["php"])
	// PHP's SoapFault keeps the SOAP 1.1 faultcode as written
	// (wsse:FailedAuthentication) but, for SOAP 1.2, only the Code Value
	// (env:Sender): there the reason tells the two faults apart.
	reasons := map[string]string{
		"InvalidSecurity":      "An error was discovered processing the <wsse:Security> header.",
		"FailedAuthentication": "The security token could not be authenticated or authorized",
	}
	checkCases(t, "php", "soap11", out["soap11"], func(r callResult, local string) bool {
		return r.Code == "wsse:"+local && strings.HasPrefix(r.Message, reasons[local])
	})
	checkCases(t, "php", "soap12", out["soap12"], func(r callResult, local string) bool {
		return strings.HasSuffix(r.Code, ":Sender") && strings.HasPrefix(r.Message, reasons[local])
	})
}
