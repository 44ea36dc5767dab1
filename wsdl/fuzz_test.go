package wsdl

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad parses arbitrary bytes as the main WSDL through an in-memory
// fetcher that answers every import with the same bytes (so imports reach
// cycles at once), then builds, looks up and publishes. Nothing may panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(quoteWSDL))
	for _, s := range publishDocs() {
		f.Add([]byte(s))
	}
	f.Add([]byte(`<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><import location="x.wsdl" namespace="urn:x"/></definitions>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
	for _, p := range []string{
		"node-soap/test/wsdl/rpcexample.wsdl",
		"cxf-testutils/hello_world_soap_action.wsdl",
		"python-zeep/tests/wsdl_files/soap.wsdl",
	} {
		b, err := os.ReadFile(filepath.Join(samplesDir, p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fetch := FetcherFunc(func(context.Context, string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(string(data))), nil
		})
		d, err := Load(context.Background(), "/fuzz/main.wsdl", LoadOptions{Fetcher: fetch, MaxBytes: 1 << 20})
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *LoadError: %v", err, err)
			}
			return
		}
		for _, s := range d.Services {
			tb, err := NewDispatch(d, s.Name.Local)
			if tb == nil {
				continue
			}
			var ae *AmbiguityError
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("table with a non-ambiguity error: %v", err)
			}
			for _, op := range tb.Operations() {
				tb.Lookup(Key{Version: op.Version, SOAPAction: op.SOAPAction, WSAAction: op.Action, Body: op.Body})
			}
			if p, err := d.Publish(s.Name.Local, "http://gw/services/x"); err == nil {
				p.Lookup(map[string][]string{"wsdl": {""}})
			}
		}
	})
}
