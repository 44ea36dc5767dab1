package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/examples/demo"
	"github.com/wsgw/wsgw/internal/checkfor"
)

// python is Debian's interpreter, where apt's python3-zeep lives; the
// python3 on PATH may be another one without it.
const python = "/usr/bin/python3"

type quote struct {
	Symbol   string `json:"symbol"`
	Price    string `json:"price"`
	ServedBy string `json:"served_by"`
}

type portResult struct {
	Get1     quote `json:"get1"`
	Get2     quote `json:"get2"`
	Set      quote `json:"set"`
	AfterSet quote `json:"after_set"`
	Fault    *struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"fault"`
}

type zeepResult struct {
	Zeep   string     `json:"zeep"`
	SOAP11 portResult `json:"soap11"`
	SOAP12 portResult `json:"soap12"`
}

func requireZeep(t *testing.T) { requirePython(t, "zeep", "python3-zeep") }

// requirePython skips the test unless python can import module (from the
// Debian package pkg), and fails it instead when CI is set.
func requirePython(t *testing.T, module, pkg string) {
	t.Helper()
	if err := exec.Command(python, "-c", "import "+module).Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not importable by %s (CI is set): %v", pkg, python, err)
		}
		t.Skipf("%s not installed (.ci/run installs it)", pkg)
	}
}

func startDemo(t *testing.T) *demo.Demo {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := demo.Start(ctx, demo.Options{Listen: "127.0.0.1:0", Logger: log})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := d.Close(); err != nil {
			t.Errorf("closing demo: %v", err)
		}
	})
	checkfor.Until(t, 20*time.Second, func() error {
		resp, err := http.Get(d.URL + "/readyz")
		if err != nil {
			return fmt.Errorf("gateway not ready: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("gateway not ready: GET /readyz: got %d, want 200", resp.StatusCode)
		}
		return nil
	})
	return d
}

func TestZeep_StockQuoteBothPorts(t *testing.T) {
	requireZeep(t)
	d := startDemo(t)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "testdata/zeep_client.py", d.URL+"/services/StockQuote?wsdl")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("zeep client: %v\nstderr:\n%s", err, stderr.String())
	}
	var got zeepResult
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("decoding zeep output: %v\n%s", err, stdout.String())
	}
	t.Logf("zeep %s", got.Zeep)
	checkPort(t, "soap11", got.SOAP11, "ZEEP11", "Client")
	checkPort(t, "soap12", got.SOAP12, "ZEEP12", "Sender")
	if p11, p12 := partition(got.SOAP11.Get1), partition(got.SOAP12.Get1); p11 != p12 {
		t.Errorf("ACME served by partition %s over SOAP 1.1 and %s over SOAP 1.2, want one", p11, p12)
	}
}

func checkPort(t *testing.T, port string, r portResult, newSymbol, faultCode string) {
	t.Helper()
	if r.Get1.Symbol != "ACME" || !samePrice(r.Get1.Price, "42.5") {
		t.Errorf("%s GetQuote(ACME): got %+v, want ACME at 42.5", port, r.Get1)
	}
	if partition(r.Get1) == "" || partition(r.Get1) != partition(r.Get2) {
		t.Errorf("%s GetQuote(ACME) twice: served by %q and %q, want the same partition", port, r.Get1.ServedBy, r.Get2.ServedBy)
	}
	if r.Set.Symbol != newSymbol || !samePrice(r.Set.Price, "12.5") {
		t.Errorf("%s SetQuote(%s, 12.50): got %+v, want %s at 12.5", port, newSymbol, r.Set, newSymbol)
	}
	if !samePrice(r.AfterSet.Price, "12.5") || partition(r.AfterSet) != partition(r.Set) {
		t.Errorf("%s GetQuote(%s) after SetQuote: got %+v, want 12.5 from partition %s", port, newSymbol, r.AfterSet, partition(r.Set))
	}
	if r.Fault == nil || !strings.Contains(r.Fault.Message, "NO-SUCH-SYMBOL") || !strings.Contains(r.Fault.Code, faultCode) {
		t.Errorf("%s GetQuote(NO-SUCH-SYMBOL): got fault %+v, want a %s fault naming the symbol", port, r.Fault, faultCode)
	}
}

// partition is the partition part of ServedBy ("p1/r0" -> "p1").
func partition(q quote) string {
	p, _, _ := strings.Cut(q.ServedBy, "/")
	return p
}

func samePrice(got, want string) bool {
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && g == w
}
