package wsdl

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func publishDocs() map[string]string {
	main := strings.Replace(quoteWSDL, `<types>`, `<import namespace="urn:m" location="more/m.wsdl"/><types>`, 1)
	main = strings.Replace(main, `elementFormDefault="qualified">`,
		`elementFormDefault="qualified"><xs:import namespace="urn:t" schemaLocation="t.xsd"/>`+
			`<xs:import namespace="http://schemas.xmlsoap.org/soap/encoding/" schemaLocation="http://schemas.xmlsoap.org/soap/encoding/"/>`, 1)
	return map[string]string{
		"q.wsdl":      main,
		"more/m.wsdl": `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:m"><import namespace="http://example.com/q" location="../q.wsdl"/><message name="Unused"/></definitions>`,
		"t.xsd":       `<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t"><!-- kept --><include schemaLocation="inc/t2.xsd"/></schema>`,
		"inc/t2.xsd":  `<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t"><import namespace="urn:t0" schemaLocation="../t.xsd"/></schema>`,
	}
}

func TestPublish_RewritesAndServesImports(t *testing.T) {
	d := mustLoadMem(t, "q.wsdl", publishDocs())
	var pub atomic.Pointer[Publication]
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := pub.Load().Lookup(r.URL.Query())
		if !ok || r.URL.Path != "/services/Q" {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer gw.Close()
	public := gw.URL + "/services/Q"
	p, err := d.Publish("QuoteService", public)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	pub.Store(p)

	// Documents: 0 q.wsdl, 1 more/m.wsdl, 2 t.xsd, 3 inc/t2.xsd.
	get := func(q string) string {
		v, _ := url.ParseQuery(q)
		b, ok := p.Lookup(v)
		if !ok {
			t.Fatalf("Lookup(%q): not found", q)
		}
		return string(b)
	}
	main := get("wsdl")
	for _, want := range []string{
		`<soap:address location="` + public + `"/>`,
		`<soap12:address location="` + public + `"/>`,
		`<soap:address location="http://backend/other"/>`, // another service: untouched
		`location="` + public + `?wsdl=1"`,
		`schemaLocation="` + public + `?xsd=2"`,
		`schemaLocation="http://schemas.xmlsoap.org/soap/encoding/"`, // built-in: untouched
	} {
		if !strings.Contains(main, want) {
			t.Errorf("?wsdl: want it to contain %s\n%s", want, main)
		}
	}
	if strings.Contains(main, "http://backend/q1") {
		t.Errorf("?wsdl: backend address of the published service left in place")
	}
	for q, want := range map[string]string{
		"wsdl=1": `location="` + public + `?wsdl"`,
		"xsd=2":  `<!-- kept --><include schemaLocation="` + public + `?xsd=3"/>`,
		"xsd=3":  `schemaLocation="` + public + `?xsd=2"`,
	} {
		if got := get(q); !strings.Contains(got, want) {
			t.Errorf("?%s: want it to contain %s\n%s", q, want, got)
		}
	}
	if get("WSDL") != main || get("wsdl=0") != main {
		t.Errorf("?WSDL and ?wsdl=0: want the main document")
	}
	for _, q := range []string{"xsd=0", "wsdl=2", "xsd=9", "xsd=-1", "xsd", "wsdl=x", "foo", ""} {
		v, _ := url.ParseQuery(q)
		if _, ok := p.Lookup(v); ok {
			t.Errorf("Lookup(%q): got ok, want not found", q)
		}
	}

	checkReload(t, d, public, gw.Client())
}

// checkReload loads public?wsdl as a client would: the same dispatch table,
// and the gateway's address on the published service only.
func checkReload(t *testing.T, d *Definitions, public string, client *http.Client) {
	t.Helper()
	d2, err := Load(context.Background(), public+"?wsdl", LoadOptions{HTTPClient: client})
	if err != nil {
		t.Fatalf("re-Load: %v", err)
	}
	if len(d2.Documents) != len(d.Documents) {
		t.Errorf("re-Load documents: got %d, want %d", len(d2.Documents), len(d.Documents))
	}
	t1, err1 := NewDispatch(d, "QuoteService")
	t2, err2 := NewDispatch(d2, "QuoteService")
	if err1 != nil || err2 != nil {
		t.Fatalf("NewDispatch: %v, %v", err1, err2)
	}
	o1, o2 := t1.Operations(), t2.Operations()
	if len(o1) != len(o2) {
		t.Fatalf("operations: got %d, want %d", len(o2), len(o1))
	}
	for i := range o1 {
		if *o1[i] != *o2[i] {
			t.Errorf("operation %d: got %+v, want %+v", i, *o2[i], *o1[i])
		}
	}
	for _, s := range d2.Services {
		for _, port := range s.Ports {
			want := public
			if s.Name.Local == "Other" {
				want = "http://backend/other"
			}
			if port.Address != want {
				t.Errorf("%s/%s address: got %s, want %s", s.Name.Local, port.Name, port.Address, want)
			}
		}
	}
}

func TestPublish_Errors(t *testing.T) {
	d := mustLoadMem(t, "q.wsdl", map[string]string{"q.wsdl": quoteWSDL})
	if _, err := d.Publish("QuoteService", "ftp://x/"); err == nil {
		t.Errorf("ftp public URL: got no error, want one")
	}
	if _, err := d.Publish("Nope", "http://gw/services/Q"); err == nil {
		t.Errorf("unknown service: got no error, want one")
	}
	p, err := d.Publish("Other", "http://gw/services/O?tenant=a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Lookup(url.Values{"wsdl": {""}})
	if !strings.Contains(string(b), `<soap:address location="http://gw/services/O?tenant=a"/>`) ||
		!strings.Contains(string(b), `<soap:address location="http://backend/q11"/>`) {
		t.Errorf("got %s, want Other rewritten and QuoteService untouched", b)
	}
}

// Definitions, Dispatch and Publication are read-only once built: used from
// many goroutines at once (run with -race).
func TestPublish_Concurrent(t *testing.T) {
	d := mustLoadMem(t, "q.wsdl", publishDocs())
	tb, err := NewDispatch(d, "QuoteService")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			p, err := d.Publish("QuoteService", "http://gw/services/Q")
			if err == nil {
				if _, ok := p.Lookup(url.Values{"xsd": {"2"}}); !ok {
					err = errors.New("?xsd=2 not found")
				}
			}
			if err == nil {
				_, err = tb.Lookup(Key{Version: 1, SOAPAction: "http://example.com/q/GetQuote"})
			}
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
