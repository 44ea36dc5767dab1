package soaprt

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hooklift/gowsdl/soap"
)

// exchange is one request the server saw and the reply it sends.
type exchange struct {
	contentType, soapAction, body string
}

// server answers every request with status, contentType and reply, and
// records what it received.
func server(t *testing.T, status int, contentType, reply string) (*httptest.Server, *exchange) {
	t.Helper()
	var got exchange
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = exchange{r.Header.Get("Content-Type"), r.Header.Get("SOAPAction"), string(b)}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(s.Close)
	return s, &got
}

type echo struct {
	XMLName xml.Name `xml:"urn:t Echo"`
	Text    string   `xml:"Text"`
}

type echoResponse struct {
	XMLName xml.Name `xml:"urn:t EchoResponse"`
	Text    string   `xml:"Text"`
}

var actions = map[string]string{"{urn:t}Echo": "urn:t:Echo"}

const reply12 = `<?xml version="1.0"?><e:Envelope xmlns:e='http://www.w3.org/2003/05/soap-envelope'><e:Body>` +
	`<r:EchoResponse xmlns:r="urn:t"><r:Text>hi</r:Text></r:EchoResponse></e:Body></e:Envelope>`

func TestSOAPTransport_SOAP12RequestAndReply(t *testing.T) {
	s, got := server(t, 200, "application/soap+xml; charset=utf-8", reply12)
	c := soap.NewClient(s.URL, soap.WithHTTPClient(wsgwHTTPClient(nil, true, actions)))
	var resp echoResponse
	// gowsdl sends the action of the first binding it saw, unquoted.
	if err := c.Call("urn:t:EchoFromTheSOAP11Binding", &echo{Text: "hi"}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Text != "hi" {
		t.Errorf("got reply text %q, want hi", resp.Text)
	}
	if want := `application/soap+xml; charset=utf-8; action="urn:t:Echo"`; got.contentType != want {
		t.Errorf("got Content-Type %q, want %q", got.contentType, want)
	}
	if got.soapAction != "" {
		t.Errorf("got SOAPAction %q, want none", got.soapAction)
	}
	if !strings.HasPrefix(got.body, `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><Echo xmlns="urn:t">`) {
		t.Errorf("got request %s, want a SOAP 1.2 envelope", got.body)
	}
}

func TestSOAPTransport_SOAP11QuotesThePortsAction(t *testing.T) {
	reply11 := strings.ReplaceAll(reply12, wsgwEnv12, wsgwEnv11)
	s, got := server(t, 200, "text/xml; charset=utf-8", reply11)
	c := soap.NewClient(s.URL, soap.WithHTTPClient(wsgwHTTPClient(nil, false, actions)))
	var resp echoResponse
	if err := c.Call("other", &echo{Text: "hi"}, &resp); err != nil {
		t.Fatal(err)
	}
	if got.soapAction != `"urn:t:Echo"` || !strings.HasPrefix(got.contentType, "text/xml") {
		t.Errorf("got SOAPAction %s, Content-Type %q; want \"urn:t:Echo\", text/xml", got.soapAction, got.contentType)
	}
	if !strings.Contains(got.body, wsgwEnv11) {
		t.Errorf("got request %s, want a SOAP 1.1 envelope", got.body)
	}
}

func TestSOAPTransport_UnknownBodyKeepsGowsdlsAction(t *testing.T) {
	for _, c := range []struct{ sent, want string }{{"urn:x", `; action="urn:x"`}, {"''", ""}} {
		s, got := server(t, 200, "application/soap+xml", reply12)
		cl := soap.NewClient(s.URL, soap.WithHTTPClient(wsgwHTTPClient(nil, true, nil)))
		if err := cl.Call(c.sent, &echo{}, &echoResponse{}); err != nil {
			t.Fatal(err)
		}
		if want := "application/soap+xml; charset=utf-8" + c.want; got.contentType != want {
			t.Errorf("gowsdl sent %s: got Content-Type %q, want %q", c.sent, got.contentType, want)
		}
	}
}

const fault12 = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:x="urn:x"><env:Body><env:Fault>` +
	`<env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>x:Bad</env:Value></env:Subcode></env:Code>` +
	`<env:Reason><env:Text xml:lang="de">Schlecht</env:Text><env:Text xml:lang="en-US">Bad &amp; wrong</env:Text></env:Reason>` +
	`<env:Role>urn:role</env:Role><env:Detail><x:Why>because</x:Why></env:Detail></env:Fault></env:Body></env:Envelope>`

func TestSOAPTransport_SOAP12FaultBecomesSOAP11Fault(t *testing.T) {
	s, _ := server(t, 200, "application/soap+xml", fault12)
	c := soap.NewClient(s.URL, soap.WithHTTPClient(wsgwHTTPClient(nil, true, actions)))
	err := c.Call("", &echo{}, &echoResponse{})
	var f *soap.SOAPFault
	if !errors.As(err, &f) {
		t.Fatalf("got %T %v, want *soap.SOAPFault", err, err)
	}
	if f.Code != "wsgw11:Client" || f.String != "Bad & wrong" || f.Actor != "urn:role" {
		t.Errorf("got fault code %q string %q actor %q, want wsgw11:Client, %q, urn:role", f.Code, f.String, f.Actor, "Bad & wrong")
	}
}

func TestSOAPTransport_FaultStatusKeptWithSOAP11Body(t *testing.T) {
	s, _ := server(t, 400, "application/soap+xml", fault12)
	c := soap.NewClient(s.URL, soap.WithHTTPClient(wsgwHTTPClient(nil, true, actions)))
	err := c.Call("", &echo{}, &echoResponse{})
	var he *soap.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 400 {
		t.Fatalf("got %T %v, want *soap.HTTPError 400", err, err)
	}
	want := `<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:x"><env:Body>` +
		`<wsgw11:Fault xmlns:wsgw11="http://schemas.xmlsoap.org/soap/envelope/"><faultcode>wsgw11:Client</faultcode>` +
		`<faultstring>Bad &amp; wrong</faultstring><faultactor>urn:role</faultactor><detail><x:Why>because</x:Why></detail>` +
		`</wsgw11:Fault></env:Body></env:Envelope>`
	if string(he.ResponseBody) != want {
		t.Errorf("got body\n%s\nwant\n%s", he.ResponseBody, want)
	}
}

func TestSOAPTransport_ReceiverIsServer(t *testing.T) {
	body := strings.Replace(fault12, "env:Sender", "env:Receiver", 1)
	s, _ := server(t, 200, "application/soap+xml", body)
	c := soap.NewClient(s.URL, soap.WithHTTPClient(wsgwHTTPClient(nil, true, actions)))
	var f *soap.SOAPFault
	if err := c.Call("", &echo{}, &echoResponse{}); !errors.As(err, &f) || f.Code != "wsgw11:Server" {
		t.Errorf("got %v, want a wsgw11:Server fault", err)
	}
}

func TestSOAPTransport_RefusesMultipart(t *testing.T) {
	s, _ := server(t, 200, "application/soap+xml", reply12)
	c := soap.NewClient(s.URL, soap.WithMTOM(), soap.WithHTTPClient(wsgwHTTPClient(nil, true, actions)))
	if err := c.Call("", &echo{}, &echoResponse{}); err == nil || !strings.Contains(err.Error(), "multipart") {
		t.Errorf("got %v, want a multipart error", err)
	}
}

func TestSOAPFaultOf_FromHTTPErrorAndSOAPFault(t *testing.T) {
	for _, status := range []int{200, 400} {
		s, _ := server(t, status, "application/soap+xml", fault12)
		c := soap.NewClient(s.URL, soap.WithHTTPClient(wsgwHTTPClient(nil, true, actions)))
		err := c.Call("", &echo{}, &echoResponse{})
		f, ok := SOAPFaultOf(err)
		if !ok || f.Code != "wsgw11:Client" || f.String != "Bad & wrong" || f.Actor != "urn:role" {
			t.Errorf("status %d: got %+v %v from %v, want the Client fault", status, f, ok, err)
		}
	}
	if f, ok := SOAPFaultOf(errors.New("x")); ok {
		t.Errorf("got %+v, want no fault", f)
	}
}
