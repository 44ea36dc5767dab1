// Package soapserver is the small SOAP 1.1/1.2 server the example backends
// share. It is example code, not the gateway's wire layer: it reads requests
// with encoding/xml, dispatches on the body element's name, and replies in
// the request's SOAP version (SOAP 1.1, 6.1; SOAP 1.2 Part 2, 7.5).
package soapserver

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// maxRequestBytes bounds a request body.
const maxRequestBytes = 1 << 20

// Operation handles one operation. decode reads the body element into a
// value; the result is marshalled as the response body element. An error of
// type *Fault becomes that fault; any other error a Receiver/Server fault.
type Operation func(decode func(v any) error) (any, error)

// Server answers SOAP requests for one service. Its zero value is not usable;
// fill every field.
type Server struct {
	// Namespace is the body elements' namespace (the WSDL's targetNamespace).
	Namespace string
	// Operations by body element local name.
	Operations map[string]Operation
	// WSDL is the service description served at GET ?wsdl, with every
	// occurrence of WSDLAddress replaced by the URL the request came to.
	WSDL        []byte
	WSDLAddress string
	Logger      *slog.Logger
}

// ServeHTTP answers POST (SOAP) and GET ?wsdl on any path, and GET .../health.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/health"):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	case r.Method == http.MethodGet && hasWSDLQuery(r):
		s.serveWSDL(w, r)
	case r.Method == http.MethodPost:
		s.serveSOAP(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "POST a SOAP envelope, or GET ?wsdl", http.StatusMethodNotAllowed)
	}
}

func hasWSDLQuery(r *http.Request) bool {
	for k := range r.URL.Query() {
		if strings.EqualFold(k, "wsdl") {
			return true
		}
	}
	return false
}

func (s *Server) serveWSDL(w http.ResponseWriter, r *http.Request) {
	self := "http://" + r.Host + r.URL.Path
	body := bytes.ReplaceAll(s.WSDL, []byte(s.WSDLAddress), []byte(self))
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(body)
}

func (s *Server) serveSOAP(w http.ResponseWriter, r *http.Request) {
	if !knownContentType(r.Header.Get("Content-Type")) {
		// SOAP 1.2 Part 2, 7.5.1.2: an unsupported media type is 415.
		writeFault(w, V11, &Fault{Code: CodeSender, Reason: "content type must be text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)"}, http.StatusUnsupportedMediaType)
		return
	}
	req, err := readEnvelope(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		var f *Fault
		if !errors.As(err, &f) {
			f = &Fault{Code: CodeSender, Reason: err.Error()}
		}
		writeFault(w, req.version, f, 0)
		return
	}
	op, ok := s.Operations[req.body.Name.Local]
	if !ok || req.body.Name.Space != s.Namespace {
		writeFault(w, req.version, &Fault{Code: CodeSender, Reason: "unknown operation {" + req.body.Name.Space + "}" + req.body.Name.Local}, 0)
		return
	}
	resp, err := op(req.decodeBody)
	if err != nil {
		var f *Fault
		if !errors.As(err, &f) {
			s.Logger.Error("operation failed", "op", req.body.Name.Local, "err", err)
			f = &Fault{Code: CodeReceiver, Reason: err.Error()}
		}
		writeFault(w, req.version, f, 0)
		return
	}
	writeResponse(w, req.version, resp, s.Logger)
}

func knownContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "text/xml" || mt == "application/soap+xml"
}
