package stockquote_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/examples/stockquote"
)

func post(t *testing.T, url, contentType, action, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if action != "" {
		req.Header.Set("SOAPAction", action)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

const env11 = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:q="urn:wsgw:examples:stockquote"><soapenv:Header/><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>`
const env12 = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:q="urn:wsgw:examples:stockquote"><env:Body>%s</env:Body></env:Envelope>`

func envelope(tmpl, body string) string { return strings.Replace(tmpl, "%s", body, 1) }

func TestBackend_GetQuoteSOAP11(t *testing.T) {
	srv := httptest.NewServer(stockquote.NewBackend("p1/r0", nil, nil))
	defer srv.Close()
	status, ct, body := post(t, srv.URL, "text/xml; charset=utf-8", `"urn:wsgw:examples:stockquote/GetQuote"`,
		envelope(env11, `<q:GetQuote><q:Symbol>ACME</q:Symbol></q:GetQuote>`))
	if status != 200 || !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("got %d %q, want 200 text/xml; body %s", status, ct, body)
	}
	for _, want := range []string{"http://schemas.xmlsoap.org/soap/envelope/", "GetQuoteResponse", "<Price>42.5</Price>", "<ServedBy>p1/r0</ServedBy>"} {
		if !strings.Contains(body, want) {
			t.Errorf("body %s: want it to contain %s", body, want)
		}
	}
}

func TestBackend_SetThenGetSOAP12(t *testing.T) {
	srv := httptest.NewServer(stockquote.NewBackend("p0/r1", nil, nil))
	defer srv.Close()
	ct12 := `application/soap+xml; charset=utf-8; action="urn:wsgw:examples:stockquote/SetQuote"`
	status, ct, body := post(t, srv.URL, ct12, "", envelope(env12, `<q:SetQuote><q:Symbol>NEW</q:Symbol><q:Price>12.50</q:Price></q:SetQuote>`))
	if status != 200 || !strings.HasPrefix(ct, "application/soap+xml") || !strings.Contains(body, "SetQuoteResponse") {
		t.Fatalf("SetQuote: got %d %q %s, want 200 application/soap+xml SetQuoteResponse", status, ct, body)
	}
	_, _, body = post(t, srv.URL, "application/soap+xml", "", envelope(env12, `<q:GetQuote><q:Symbol>NEW</q:Symbol></q:GetQuote>`))
	if !strings.Contains(body, "<Price>12.5</Price>") || !strings.Contains(body, NS12) {
		t.Errorf("GetQuote after SetQuote: got %s, want Price 12.5 in a SOAP 1.2 envelope", body)
	}
}

const NS12 = "http://www.w3.org/2003/05/soap-envelope"

func TestBackend_Faults(t *testing.T) {
	srv := httptest.NewServer(stockquote.NewBackend("p0/r0", nil, nil))
	defer srv.Close()
	cases := []struct {
		name, ct, body string
		status         int
		want           string
	}{
		{"unknown symbol 1.1", "text/xml", envelope(env11, `<q:GetQuote><q:Symbol>NOPE</q:Symbol></q:GetQuote>`), 500, "env:Client"},
		{"unknown symbol 1.2", "application/soap+xml", envelope(env12, `<q:GetQuote><q:Symbol>NOPE</q:Symbol></q:GetQuote>`), 400, "env:Sender"},
		{"unknown operation 1.2", "application/soap+xml", envelope(env12, `<q:Sell/>`), 400, "unknown operation"},
		{"bad price 1.1", "text/xml", envelope(env11, `<q:SetQuote><q:Symbol>X</q:Symbol><q:Price>cheap</q:Price></q:SetQuote>`), 500, "env:Client"},
		{"version mismatch", "text/xml", `<e:Envelope xmlns:e="urn:other"><e:Body/></e:Envelope>`, 500, "VersionMismatch"},
		{"wrong content type", "application/json", "{}", 415, "env:Client"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := post(t, srv.URL, c.ct, "", c.body)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Errorf("got %d %s, want %d containing %s", status, body, c.status, c.want)
			}
		})
	}
}

func TestBackend_WSDLAndHealth(t *testing.T) {
	srv := httptest.NewServer(stockquote.NewBackend("p0/r0", nil, nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/stockquote?wsdl")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `location="` + srv.URL + `/stockquote"`
	if strings.Count(string(b), want) != 2 || strings.Contains(string(b), stockquote.WSDLAddress) {
		t.Errorf("?wsdl: want both addresses rewritten to %s, got\n%s", want, b)
	}
	resp, err = http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/health: got %d, want 200", resp.StatusCode)
	}
}
