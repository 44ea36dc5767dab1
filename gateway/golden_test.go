package gateway

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// checkGolden compares r (status, Content-Type, Retry-After, body) with
// testdata/<name>/want.txt, or rewrites it with -update.
func checkGolden(t *testing.T, name string, r response) {
	t.Helper()
	got := fmt.Sprintf("HTTP %d\nContent-Type: %s\n", r.status, r.header.Get("Content-Type"))
	if ra := r.header.Get("Retry-After"); ra != "" {
		got += "Retry-After: " + ra + "\n"
	}
	got += "\n" + r.body
	path := filepath.Join("testdata", name, "want.txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

// faultCase is one request the gateway must refuse with a fault. The
// request body is testdata/<case>_<version>/in.xml.
type faultCase struct {
	name        string
	contentType map[soapVersion]string // "" uses the version's own
	action      string                 // operation name for SOAPAction / action
	wantStatus  map[soapVersion]int
	wantText    string // a substring of the fault
}

var faultCases = []faultCase{
	{name: "unknown_operation", action: "", wantText: "OperationNotFound",
		wantStatus: map[soapVersion]int{v11: 500, v12: 400}},
	{name: "bad_content_type", action: "GetQuote", wantText: "UnsupportedMediaType",
		contentType: map[soapVersion]string{v11: "text/plain", v12: "application/soap+xml; charset=iso-8859-1"},
		wantStatus:  map[soapVersion]int{v11: 415, v12: 415}},
	{name: "malformed_xml", action: "GetQuote", wantText: "MalformedMessage",
		wantStatus: map[soapVersion]int{v11: 500, v12: 400}},
	{name: "must_understand", action: "GetQuote", wantText: "MustUnderstand",
		wantStatus: map[soapVersion]int{v11: 500, v12: 500}},
	{name: "missing_key", action: "GetQuote", wantText: "PartitionKeyMissing",
		wantStatus: map[soapVersion]int{v11: 500, v12: 400}},
	{name: "wsa_action_not_supported", action: "", wantText: "ActionNotSupported",
		wantStatus: map[soapVersion]int{v11: 500, v12: 400}},
}

func TestGateway_FaultMapping(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	url := g.url + "/services/StockQuote"
	for _, tc := range faultCases {
		for _, v := range []soapVersion{v11, v12} {
			name := tc.name + "_" + v.String()
			t.Run(name, func(t *testing.T) {
				in, err := os.ReadFile(filepath.Join("testdata", name, "in.xml"))
				if err != nil {
					t.Fatal(err)
				}
				r := sendCase(t, url, v, tc, string(in))
				if r.status != tc.wantStatus[v] || !strings.Contains(r.body, tc.wantText) {
					t.Errorf("got %d, want %d with %s:\n%s", r.status, tc.wantStatus[v], tc.wantText, r.body)
				}
				checkGolden(t, name, r)
			})
		}
	}
}

func sendCase(t *testing.T, url string, v soapVersion, tc faultCase, body string) response {
	ct := tc.contentType[v]
	if ct == "" {
		return post(t, url, v, tc.action, body)
	}
	h := http.Header{"Content-Type": {ct}, "Soapaction": {`"` + quoteNS + "/" + tc.action + `"`}}
	return do(t, http.MethodPost, url, h, body)
}
