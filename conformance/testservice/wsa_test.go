package testservice

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

const wsaBodies = "../testdata/wsa/bodies"

var wsaNS = map[string]string{
	"s11": "http://schemas.xmlsoap.org/soap/envelope/", "s12": "http://www.w3.org/2003/05/soap-envelope",
	"wsa": "http://www.w3.org/2005/08/addressing", "customer": "http://example.org/customer",
	"echo": NSEcho,
}

// wsaCase is a W3C WS-Addressing test case run against the service: the
// reply (HTTP response, or the message posted to {callback} when callback
// is set) must satisfy every XPath (expression -> string value).
type wsaCase struct {
	id       string
	status   int
	callback bool
	xpath    map[string]string
}

const (
	faultAction = "http://www.w3.org/2005/08/addressing/fault"
	keyRef      = "Key#123456789"
	faultRef    = "Fault#123456789"
)

func echoReply(id string) map[string]string {
	return map[string]string{
		"string(//wsa:Action)":    ActionEchoOut,
		"string(//wsa:RelatesTo)": "urn:uuid:wsgw-conformance-" + id,
		"string(//echo:echoOut)":  id,
	}
}

func dupFault(header string) map[string]string {
	return map[string]string{
		"string(//wsa:Action)": faultAction,
		"contains(string(//s12:Subcode/s12:Value), 'InvalidAddressingHeader') or contains(string(//faultcode), 'InvalidAddressingHeader')": "true",
		"contains(string(//wsa:ProblemHeaderQName), '" + header + "')":                                                                     "true",
	}
}

var wsaCases = []wsaCase{
	{id: "test1100", status: 202}, {id: "test1101", status: 202}, {id: "test1102", status: 202},
	{id: "test1103", status: 202}, {id: "test1104", status: 202}, {id: "test1106", status: 202},
	{id: "test1107", status: 202}, {id: "test1108", status: 202},
	{id: "test1200", status: 202}, {id: "test1206", status: 202}, {id: "test1208", status: 202},
	{id: "test1130", status: 200, xpath: echoReply("test1130")},
	{id: "test1230", status: 200, xpath: echoReply("test1230")},
	{id: "test1232", status: 200, xpath: map[string]string{
		"string(//s12:Header/customer:CustomerKey)":                           keyRef,
		"string(//s12:Header/customer:CustomerKey/@wsa:IsReferenceParameter)": "true",
		"string(//wsa:Action)":                                                ActionEchoOut,
	}},
	{id: "test1133", status: 500, xpath: map[string]string{
		"string(//wsa:Action)": faultAction, "string(//s11:Header/customer:CustomerKey)": faultRef,
		"substring-after(string(//faultcode), ':')": "EmptyEchoString",
		"string(//wsa:RelatesTo)":                   "urn:uuid:wsgw-conformance-test1133",
	}},
	{id: "test1233", status: 400, xpath: map[string]string{
		"string(//wsa:Action)": faultAction, "string(//s12:Header/customer:CustomerKey)": faultRef,
		"substring-after(string(//s12:Subcode/s12:Value), ':')": "EmptyEchoString",
	}},
	{id: "test1234", status: 400, xpath: map[string]string{"string(//s12:Header/customer:CustomerKey)": keyRef}},
	{id: "test1235", status: 400, xpath: map[string]string{"string(//s12:Header/customer:CustomerKey)": faultRef}},
	{id: "test1236", status: 202}, {id: "test1237", status: 202}, {id: "test1249", status: 202},
	{id: "test1149", status: 202}, {id: "test1252", status: 202}, {id: "test1152", status: 202},
	{id: "test1238", status: 500, xpath: map[string]string{
		"substring-after(string(//s12:Code/s12:Value), ':')":       "MustUnderstand",
		"substring-after(string(//s12:NotUnderstood/@qname), ':')": "alertcontrol",
	}},
	{id: "test1140", status: 500, xpath: dupFault("To")},
	{id: "test1240", status: 400, xpath: dupFault("To")},
	{id: "test1241", status: 400, xpath: dupFault("ReplyTo")},
	{id: "test1242", status: 400, xpath: dupFault("FaultTo")},
	{id: "test1243", status: 400, xpath: dupFault("Action")},
	{id: "test1244", status: 400, xpath: dupFault("MessageID")},
	{id: "test1247", status: 400, xpath: map[string]string{
		"substring-after(string(//s12:Subcode/s12:Subcode/s12:Value), ':')": "InvalidCardinality"}},
	{id: "test1147", status: 500, xpath: map[string]string{
		"substring-after(string(//faultcode), ':')":            "MessageAddressingHeaderRequired",
		"contains(string(//wsa:ProblemHeaderQName), 'Action')": "true"}},
	{id: "test1248", status: 400, xpath: map[string]string{
		"substring-after(string(//s12:Subcode/s12:Value), ':')": "MessageAddressingHeaderRequired"}},
	{id: "test1150", status: 202, callback: true, xpath: echoReply("test1150")},
	{id: "test1250", status: 202, callback: true, xpath: echoReply("test1250")},
	{id: "test1251", status: 202, callback: true, xpath: echoReply("test1251")},
	{id: "test1260", status: 400, xpath: map[string]string{
		"string(//wsa:Action)": faultAction, "string(//wsa:ProblemIRI)": "http://example.org/unreachable",
		"substring-after(string(//s12:Subcode/s12:Value), ':')": "DestinationUnreachable"}},
	{id: "test1170", status: 200, xpath: echoReply("test1170")},
	{id: "test1270", status: 200, xpath: echoReply("test1270")},
}

func TestService_WSAddressingTestSuite(t *testing.T) {
	srv := httptest.NewServer(New(Config{}))
	defer srv.Close()
	callbacks := make(chan []byte, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		callbacks <- b
		w.WriteHeader(http.StatusAccepted)
	}))
	defer cb.Close()
	for _, tc := range wsaCases {
		t.Run(tc.id, func(t *testing.T) {
			body, v12, action := wsaRequest(t, tc.id, srv.URL, cb.URL)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/wsa", strings.NewReader(body))
			if v12 {
				req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8`)
			} else {
				req.Header.Set("Content-Type", "text/xml; charset=utf-8")
				req.Header.Set("SOAPAction", `"`+action+`"`)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status: got %d, want %d\n%s", resp.StatusCode, tc.status, got)
			}
			if tc.callback {
				select {
				case got = <-callbacks:
				case <-time.After(5 * time.Second):
					t.Fatal("no message at the ReplyTo address")
				}
			} else if tc.status == http.StatusAccepted && len(got) != 0 {
				t.Fatalf("got a %d-byte reply, want none", len(got))
			}
			checkXPath(t, got, tc.xpath)
		})
	}
}

// wsaRequest reads the case's request with {echo}, {notify} and
// {callback} filled in; it returns its version and wsa:Action.
func wsaRequest(t *testing.T, id, base, callback string) (body string, v12 bool, action string) {
	raw, err := os.ReadFile(filepath.Join(wsaBodies, id+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	body = strings.NewReplacer("{echo}", base+"/wsa", "{notify}", base+"/wsa", "{callback}", callback).Replace(string(raw))
	if i := strings.Index(body, "http://example.org/action/"); i >= 0 {
		action = body[i : i+strings.IndexByte(body[i:], '<')]
	}
	return body, strings.HasPrefix(id, "test12"), action
}

func checkXPath(t *testing.T, doc []byte, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		return
	}
	d, err := xmldoc.ParseBytes(doc, xmldoc.Limits{})
	if err != nil {
		t.Fatalf("reply: %v\n%s", err, doc)
	}
	for expr, w := range want {
		x, err := xmldoc.CompileXPath(expr, wsaNS)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if got, _ := x.EvalString(d.Root()); got != w {
			t.Errorf("%s: got %q, want %q\n%s", expr, got, w, doc)
		}
	}
}
