package testservice

import (
	_ "embed"
	"net/http"
	"strings"
)

// soap12WSDL is the test collection's WSDL as PHP's copy of the collection
// ships it (wsdl/soap12-test.wsdl, PHP License 3.01; see
// ../testdata/soap12/SOURCES), with its two soap12:address locations
// (http://localhost/soap12/test-doc and test-rpc) replaced by this
// service's /soap12 when served. One change to the file: the document
// binding's echoOk operation no longer binds its input part to a header
// as well as to the body, so that the operation's body is test:echoOk and
// emptyBody is the only operation with an empty body (a gateway that
// dispatches by body element can tell them apart; WS-I BP 1.1 R2710).
//
//go:embed wsdl/soap12-test.wsdl
var soap12WSDL string

// wsaWSDL describes the WS-Addressing test suite's echo and notify
// services (written for this package), with the placeholder address
// http://localhost/wsa replaced when served.
//
//go:embed wsdl/wsa-testsuite.wsdl
var wsaWSDL string

// wsdlAddresses are the placeholder addresses the embedded WSDLs use.
var wsdlAddresses = []string{"http://localhost/soap12/test-doc", "http://localhost/soap12/test-rpc", "http://localhost/wsa"}

// serveWSDL serves doc at GET path?wsdl with its addresses rewritten to
// the request's host + path.
func (s *Service) serveWSDL(doc, path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.URL.Query()["wsdl"]; !ok {
			http.Error(w, "GET "+r.URL.Path+"?wsdl for the WSDL; POST SOAP messages", http.StatusMethodNotAllowed)
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base := scheme + "://" + r.Host + path
		out := doc
		for _, a := range wsdlAddresses {
			out = strings.ReplaceAll(out, `location="`+a+`"`, `location="`+base+`"`)
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write([]byte(out))
	}
}
