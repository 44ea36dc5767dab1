package testservice

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

const axis2Dir = "../testdata/soap12/axis2"

func TestService_MustUnderstandNamesNotUnderstood(t *testing.T) {
	srv := httptest.NewServer(New(Config{}))
	defer srv.Close()
	for _, id := range []string{"T12", "T13", "T35", "T36"} {
		req := readFile(t, filepath.Join(collectionDir, id+".request.xml"))
		resp, m := post(t, srv.URL+"/soap12", soap.MediaType12, req)
		f, ok := m.Fault()
		if !ok || f.Code != soap.CodeMustUnderstand {
			t.Fatalf("%s: got %v, want a MustUnderstand fault", id, f)
		}
		want := []xml.Name{{Space: nsTest, Local: "Unknown"}}
		if len(f.NotUnderstood) != 1 || f.NotUnderstood[0] != want[0] {
			t.Errorf("%s: NotUnderstood: got %v, want %v", id, f.NotUnderstood, want)
		}
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("%s: status: got %d, want 500", id, resp.StatusCode)
		}
	}
}

func TestService_SOAP11EnvelopeGetsVersionMismatchWithUpgrade(t *testing.T) {
	srv := httptest.NewServer(New(Config{}))
	defer srv.Close()
	req := readFile(t, filepath.Join(collectionDir, "T30.request.xml"))
	_, m := post(t, srv.URL+"/soap12", "text/xml; charset=utf-8", req)
	if m.Version != soap.V11 {
		t.Errorf("reply version: got %s, want 1.1", m.Version)
	}
	f, ok := m.Fault()
	if !ok || f.Code != soap.CodeVersionMismatch {
		t.Fatalf("got %v, want VersionMismatch", f)
	}
	up := m.Header.Child(soap.NS12, "Upgrade")
	if !strings.Contains(string(m.Doc.Raw()), soap.NS12) || !up.Valid() {
		t.Errorf("no env:Upgrade header naming SOAP 1.2:\n%s", m.Doc.Raw())
	}
}

// TestService_Axis2UltimateReceiverMessages sends node C the messages the
// intermediary B forwards in the collection's relay tests (the _B files)
// and compares the replies with Axis2's node C replies, where it has them.
func TestService_Axis2UltimateReceiverMessages(t *testing.T) {
	srv := httptest.NewServer(New(Config{}))
	defer srv.Close()
	for _, tc := range []struct{ req, want string }{
		{"SOAP12ReqT6_B.xml", "<{" + nsTest + "}responseOk>foo</>"},
		{"SOAP12ReqT7_B.xml", ""},
		{"SOAP12ReqT8_B.xml", "<{" + nsTest + "}responseOk>foo</>"},
		{"SOAP12ReqT9_B.xml", "<{" + nsTest + "}responseOk>foo</>"},
		{"SOAP12ReqT18_B.xml", ""},
		{"SOAP12ReqT62_B.xml", "<{" + nsTest + "}responseOk>StringAStringB</>"},
	} {
		_, m := post(t, srv.URL+"/soap12", soap.MediaType12, readFile(t, filepath.Join(axis2Dir, tc.req)))
		if f, ok := m.Fault(); ok {
			t.Errorf("%s: got fault %v", tc.req, f)
			continue
		}
		if got := strings.Join(children(m.Header), ""); got != tc.want {
			t.Errorf("%s: header: got %s, want %s", tc.req, got, tc.want)
		}
	}
}

func TestService_EchoFaults(t *testing.T) {
	srv := httptest.NewServer(New(Config{}))
	defer srv.Close()
	for op, code := range map[string]soap.Code{"echoSenderFault": soap.CodeSender, "echoReceiverFault": soap.CodeReceiver} {
		req := `<env:Envelope xmlns:env="` + soap.NS12 + `"><env:Body><t:` + op + ` xmlns:t="` + nsTest +
			`"><inputString>boom</inputString></t:` + op + `></env:Body></env:Envelope>`
		_, m := post(t, srv.URL+"/soap12", soap.MediaType12, []byte(req))
		f, ok := m.Fault()
		if !ok || f.Code != code || f.Reason != "boom" || !strings.Contains(string(f.Detail), "boom") {
			t.Errorf("%s: got %+v, want a %s fault with reason and detail boom", op, f, code)
		}
	}
}

func TestService_ServesWSDLWithItsAddress(t *testing.T) {
	srv := httptest.NewServer(New(Config{}))
	defer srv.Close()
	for path, want := range map[string]string{"/soap12?wsdl": srv.URL + "/soap12", "/wsa?wsdl": srv.URL + "/wsa"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `location="`+want+`"`) ||
			strings.Contains(string(b), `location="http://localhost/`) {
			t.Errorf("GET %s: got %d, want 200 with every address %s", path, resp.StatusCode, want)
		}
	}
}

func TestIsLoopbackURL_OnlyLoopbackHTTP(t *testing.T) {
	for addr, want := range map[string]bool{
		"http://127.0.0.1:9/x": true, "http://[::1]/": true, "https://localhost/": true,
		"http://example.org/unreachable": false, "http://10.0.0.1/": false, "ftp://127.0.0.1/": false,
	} {
		u, _ := url.Parse(addr)
		if got := IsLoopbackURL(u); got != want {
			t.Errorf("IsLoopbackURL(%s): got %v, want %v", addr, got, want)
		}
	}
}
