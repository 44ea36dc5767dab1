package testservice

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

const collectionDir = "../testdata/soap12/collection"

// w3cFaults are the collection tests where the W3C text's expectation,
// which the service follows, differs from what PHP answered (the recorded
// expected responses): see doc.go.
var w3cFaults = map[string]struct {
	code soap.Code
	sub  []xml.Name
}{
	"T25": {soap.CodeSender, []xml.Name{soap.FaultMalformedMessage}},
	"T26": {soap.CodeSender, []xml.Name{soap.FaultMalformedMessage}},
	"T64": {soap.CodeSender, []xml.Name{soap.FaultMalformedMessage}},
	"T65": {soap.CodeSender, []xml.Name{soap.FaultMalformedMessage}},
	"T27": {soap.CodeSender, []xml.Name{rpcBadArguments}},
	"T58": {soap.CodeSender, []xml.Name{rpcBadArguments}},
	"T33": {soap.CodeSender, []xml.Name{rpcProcNotPresent}},
	"T56": {soap.CodeSender, []xml.Name{encMissingID}},
	"T59": {soap.CodeSender, nil},
	"T61": {soap.CodeSender, nil},
	"T30": {soap.CodeVersionMismatch, nil},
}

// post sends body to url as SOAP 1.2 and reads the reply envelope.
func post(t *testing.T, url, contentType string, body []byte) (*http.Response, *soap.Message) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return resp, nil
	}
	m, err := soap.ReadMessage(resp.Body, defaultLimits)
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	return resp, m
}

func TestService_SOAP12CollectionAsPHPExpected(t *testing.T) {
	srv := httptest.NewServer(New(Config{}))
	defer srv.Close()
	var index []struct {
		Test  string `json:"test"`
		Fault bool   `json:"fault"`
	}
	raw, err := os.ReadFile(filepath.Join(collectionDir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatal(err)
	}
	for _, tc := range index {
		t.Run(tc.Test, func(t *testing.T) {
			req := readFile(t, filepath.Join(collectionDir, tc.Test+".request.xml"))
			want := readFile(t, filepath.Join(collectionDir, tc.Test+".expected-response.xml"))
			ct := soap.MediaType12
			if tc.Test == "T30" {
				ct = "text/xml; charset=utf-8"
			}
			resp, got := post(t, srv.URL+"/soap12", ct, req)
			if w, ok := w3cFaults[tc.Test]; ok {
				checkFault(t, got, w.code, w.sub)
				return
			}
			wm, err := soap.ReadMessageBytes(want, defaultLimits)
			if err != nil {
				t.Fatalf("reading the expected reply: %v", err)
			}
			compareReply(t, resp, got, wm)
		})
	}
}

// compareReply compares got with PHP's want: fault Code/Subcodes and the
// non-SOAP header blocks of a fault, or header and body content.
func compareReply(t *testing.T, resp *http.Response, got, want *soap.Message) {
	t.Helper()
	if wf, ok := want.Fault(); ok {
		checkFault(t, got, wf.Code, wf.Subcodes)
		if g, w := children(got.Header, soap.NS12), children(want.Header, soap.NS12); !reflect.DeepEqual(g, w) {
			t.Errorf("fault header blocks: got %v, want %v", g, w)
		}
		return
	}
	if f, ok := got.Fault(); ok {
		t.Fatalf("got fault %v, want a reply", f)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status: got %d, want 200", resp.StatusCode)
	}
	if g, w := children(got.Header), children(want.Header); !reflect.DeepEqual(g, w) {
		t.Errorf("header: got %v, want %v", g, w)
	}
	if g, w := children(got.Body), children(want.Body); !reflect.DeepEqual(g, w) {
		t.Errorf("body:\n got %v\nwant %v", g, w)
	}
}

func checkFault(t *testing.T, got *soap.Message, code soap.Code, sub []xml.Name) {
	t.Helper()
	if got == nil {
		t.Fatalf("got no reply, want a %s fault", code)
	}
	f, ok := got.Fault()
	if !ok {
		t.Fatalf("got no fault, want %s %v", code, sub)
	}
	// The service may add subcodes of its own (wsgw:MalformedMessage):
	// SOAP 1.2 Part 1, 5.4.6.1 lets a node refine a code with subcodes.
	if f.Code != code || !hasPrefix(f.Subcodes, sub) {
		t.Errorf("fault: got %s %v, want %s %v", f.Code, f.Subcodes, code, sub)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hasPrefix(got, want []xml.Name) bool {
	if len(got) < len(want) {
		return false
	}
	for i := range want {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
