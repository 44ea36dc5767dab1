package wsnotify

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"path"

	"github.com/wsgw/wsgw/wsdl"
)

// The broker's WSDL is wsdl/broker.wsdl: SOAP 1.1 bindings of the OASIS
// port types and the broker's endpoints. It imports the OASIS WSDLs and
// schemas shipped next to it (wsdl/SOURCES.md), so a toolkit loads it with
// no internet: Publish serves every document from the broker's own URL
// (?wsdl, ?wsdl=N, ?xsd=N) with its import locations rewritten. The one
// import the wsdl package leaves alone, bf-2.xsd's xml.xsd (the xml:
// namespace is built into toolkits, but some fetch it anyway), resolves
// next to the broker's endpoint, at pathXMLSchema.
//
//go:embed wsdl/*.wsdl wsdl/*.xsd
var wsdlFiles embed.FS

const (
	wsdlMain = "broker.wsdl"
	// wsdlPlaceholder is the base URL in wsdl/broker.wsdl that the
	// broker's PublicURL replaces.
	wsdlPlaceholder = "http://wsgw.invalid"
	// wsdlRoot is where the loader believes the embedded files are.
	wsdlRoot      = "/wsgw/wsnotify/wsdl/"
	pathXMLSchema = "/wsn/xml.xsd"
)

// publishWSDL loads the embedded WSDL for the broker at publicURL and
// prepares its publication at publicURL + pathBroker.
func publishWSDL(ctx context.Context, publicURL string) (*wsdl.Publication, error) {
	fetch := wsdl.FetcherFunc(func(_ context.Context, loc string) (io.ReadCloser, error) {
		name := path.Base(loc)
		data, err := wsdlFiles.ReadFile("wsdl/" + name)
		if err != nil {
			return nil, err
		}
		if name == wsdlMain {
			data = bytes.ReplaceAll(data, []byte(wsdlPlaceholder), []byte(esc(publicURL)))
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	d, err := wsdl.Load(ctx, wsdlRoot+wsdlMain, wsdl.LoadOptions{Fetcher: fetch})
	if err != nil {
		return nil, fmt.Errorf("loading the broker's wsdl: %w", err)
	}
	return d.Publish("NotificationBroker", publicURL+pathBroker)
}

// publication returns the broker's WSDL publication, built on first use.
func (b *Broker) publication() (*wsdl.Publication, error) {
	b.pubOnce.Do(func() {
		b.pub, b.pubErr = publishWSDL(context.Background(), b.cfg.PublicURL)
	})
	return b.pub, b.pubErr
}

// serveWSDL answers GET /wsn/NotificationBroker?wsdl (and ?wsdl=N, ?xsd=N
// for the documents it imports).
func (b *Broker) serveWSDL(w http.ResponseWriter, r *http.Request) {
	p, err := b.publication()
	if err != nil {
		b.log.Error("wsnotify: publishing wsdl", "err", err)
		http.Error(w, "the broker's WSDL is not available", http.StatusInternalServerError)
		return
	}
	doc, ok := p.Lookup(r.URL.Query())
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(doc) //nolint:errcheck // client gone
}

// serveXMLSchema answers GET /wsn/xml.xsd.
func serveXMLSchema(w http.ResponseWriter, _ *http.Request) {
	data, _ := wsdlFiles.ReadFile("wsdl/xml.xsd") // embedded
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(data) //nolint:errcheck // client gone
}
