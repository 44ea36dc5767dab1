package interop

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/conformance"
)

// spynePayload is a request the spyne service (testdata/spyne_server.py)
// answers without a fault, with SOAPAction "Echo".
const spynePayload = `<e:Echo xmlns:e="urn:wsgw:conformance:spyne"><e:text>kit</e:text></e:Echo>`

func requireSpyne(t *testing.T) { requirePython(t, "spyne", "python3-spyne") }

// startSpyne runs testdata/spyne_server.py until the test ends and returns
// its endpoint URL.
func startSpyne(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, python, "testdata/spyne_server.py")
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()   // kills the server
		cmd.Wait() //nolint:errcheck // killed
		stderr.Close()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
		io.Copy(io.Discard, stdout) //nolint:errcheck // drained until the server ends
	}()
	select {
	case s := <-line:
		url, ok := strings.CutPrefix(strings.TrimSpace(s), "listening on ")
		if !ok {
			b, _ := os.ReadFile(stderr.Name())
			t.Fatalf("spyne server: got %q, want \"listening on URL\"; stderr:\n%s", s, b)
		}
		return url
	case <-time.After(30 * time.Second):
		t.Fatal("spyne server: no \"listening on\" line within 30s")
	}
	return ""
}

func runKit(t *testing.T, target string, set map[string]string, names ...string) (*conformance.Results, map[string]*conformance.CaseResult) {
	t.Helper()
	suites, err := conformance.LoadSuites(conformance.Cases(), names...)
	if err != nil {
		t.Fatal(err)
	}
	res := (&conformance.Runner{Target: target, Set: set}).Run(context.Background(), suites)
	byID := map[string]*conformance.CaseResult{}
	for _, s := range res.Suites {
		tl := s.Tally()
		t.Logf("suite %s against spyne: %d passed, %d failed, %d skipped, %d differ", s.Suite.Name, tl.Pass, tl.Fail, tl.Skip, tl.Differs)
		for _, c := range s.Cases {
			byID[c.Case.ID] = c
		}
	}
	return res, byID
}

// spyneAnswered is how the kit describes spyne's answer to a request it
// processed: the reply to the payload, no fault.
const spyneAnswered = "got 200 with a SOAP 1.1 envelope without a fault, its Body holding {urn:wsgw:conformance:spyne}EchoResponse"

// TestSpyne_KitVerdicts runs the kit's soap11 and wsdl suites against a
// SOAP 1.1 service written with spyne, an implementation the project did
// not write, and checks the verdicts that used to be wrong. spyne (2.14,
// lxml) ignores the envelope defects these cases send: an element after
// the Body, an unqualified attribute on the Envelope, two Bodies, a Header
// after the Body, two Headers. When the bad envelopes carried the demo's
// request or an empty Body, spyne's "no such operation" fault passed them;
// with spyne's own request in them, spyne answers it and the cases fail,
// as they must. Extension cases spyne does otherwise differ, and fail
// nothing.
func TestSpyne_KitVerdicts(t *testing.T) {
	requireSpyne(t)
	url := startSpyne(t)
	res, got := runKit(t, strings.TrimSuffix(url, "/Echo"),
		map[string]string{"service": url, "action": "Echo", "payload": spynePayload}, "soap11", "wsdl")

	want := map[string]conformance.Outcome{
		// The payload is a request spyne answers: without this the
		// failures below would prove nothing.
		"soap11-bp1100-success-200": conformance.Pass,
		// A fault provoked by a body element no endpoint has.
		"soap11-bp1305-fault-in-500": conformance.Pass,
		// spyne writes faultcodes in the dot notation (Client.SchemaValidationError).
		"soap11-bp1031-faultcode-no-dot": conformance.Fail,
		// Formerly false passes.
		"soap11-bp-r1011-nothing-after-body":              conformance.Fail,
		"soap11-zsi-bad01-unqualified-envelope-attribute": conformance.Fail,
		"soap11-zsi-bad05-two-bodies":                     conformance.Fail,
		"soap11-zsi-bad07-header-after-body":              conformance.Fail,
		"soap11-zsi-bad09-two-headers":                    conformance.Fail,
		"soap11-zsi-bad10-header-after-body-2":            conformance.Fail,
		"soap11-zsi-bad11-element-after-body":             conformance.Fail,
		// Extensions spyne does otherwise: wsgw refuses a request without
		// SOAPAction or with a non-SOAP media type, spyne answers it.
		"soap11-ext-missing-soapaction":     conformance.Differs,
		"soap11-ext-unsupported-media-type": conformance.Differs,
		// spyne's WSDL names the URL it was fetched from.
		"wsdl-ext-address-rewritten": conformance.Pass,
		"wsdl-bp2701-definitions":    conformance.Pass,
	}
	for id, w := range want {
		c, ok := got[id]
		if !ok {
			t.Errorf("%s: not run, want %s", id, w)
			continue
		}
		if c.Outcome != w {
			t.Errorf("%s: got %s (%s), want %s", id, c.Outcome, c.Message, w)
		}
		if w == conformance.Fail && strings.HasPrefix(id, "soap11-zsi-bad") && !strings.Contains(c.Message, spyneAnswered) {
			t.Errorf("%s: got %q, want the failure to say spyne answered the request (%s)", id, c.Message, spyneAnswered)
		}
	}
	for id, c := range got {
		switch {
		case c.Case.Kind == conformance.KindExtension && c.Outcome == conformance.Fail:
			t.Errorf("%s: extension case got fail, want pass or differs", id)
		case c.Case.Kind == conformance.KindWsgw:
			t.Errorf("%s: a wsgw-specific case ran in suite %s, want it in the gateway suite only", id, c.Case.Suite)
		}
	}
	if !res.Failed() {
		t.Error("Failed: got false, want true (spyne fails standard cases)")
	}
}

// TestSpyne_KitSkipsSuitesWithoutEndpoint runs the soap11, wsdl and
// gateway suites against spyne with their default parameters: the target
// has nothing at /services/StockQuote, so every case is skipped, saying
// which --set would run it, and none passes or fails; the gateway suite's
// cases on fixed paths (/healthz, /metrics) too, since the suite requires
// its service endpoint.
func TestSpyne_KitSkipsSuitesWithoutEndpoint(t *testing.T) {
	requireSpyne(t)
	base := strings.TrimSuffix(startSpyne(t), "/Echo")
	res, got := runKit(t, base, nil, "soap11", "wsdl", "gateway")
	if tl := res.Tally(); tl.Ran() != 0 {
		t.Errorf("got %+v, want every case skipped", tl)
	}
	c := got["soap11-bp-r1011-nothing-after-body"]
	for _, want := range []string{"no endpoint at " + base + "/services/StockQuote (GET: 404", "needs --set service="} {
		if c == nil || !strings.Contains(c.Message, want) {
			t.Errorf("soap11-bp-r1011-nothing-after-body: got %+v, want a skip saying %q", c, want)
		}
	}
}
