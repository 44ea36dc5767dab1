// Package stockquote is the stock-quote example service: a document/literal
// wrapped SOAP service (stockquote.wsdl) with a SOAP 1.1 and a SOAP 1.2
// port, and a backend that keeps quotes in memory.
//
// GetQuote(Symbol) answers Symbol, Price and ServedBy, the backend's id
// ("p1/r0": partition/replica), so a client can see which partition served
// it. SetQuote(Symbol, Price) sets a price; it is not idempotent.
package stockquote

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/examples/internal/soapserver"
)

// Namespace is the service's target namespace.
const Namespace = "urn:wsgw:examples:stockquote"

// WSDL is the service description. Its soap addresses are WSDLAddress.
//
//go:embed stockquote.wsdl
var WSDL []byte

// WSDLAddress is the placeholder endpoint address in WSDL.
const WSDLAddress = "http://localhost:8081/stockquote"

// NewBackend returns the backend's HTTP handler: SOAP 1.1 and 1.2 on POST
// (any path), the WSDL with the backend's own address at GET ?wsdl, and
// GET /health. id is reported as ServedBy. Replicas of one partition may
// share quotes; nil gives the backend a seeded book of its own.
func NewBackend(id string, quotes *Quotes, log *slog.Logger) http.Handler {
	if quotes == nil {
		quotes = NewQuotes()
	}
	if log == nil {
		log = slog.Default()
	}
	b := &backend{id: id, quotes: quotes}
	return &soapserver.Server{
		Namespace: Namespace,
		Operations: map[string]soapserver.Operation{
			"GetQuote": b.getQuote,
			"SetQuote": b.setQuote,
		},
		WSDL:        WSDL,
		WSDLAddress: WSDLAddress,
		Logger:      log.With("backend", id),
	}
}

type backend struct {
	id     string
	quotes *Quotes
}

type getQuoteRequest struct {
	Symbol string `xml:"Symbol"`
}

// QuoteResponse is the body of GetQuoteResponse and SetQuoteResponse.
type QuoteResponse struct {
	XMLName  xml.Name
	Symbol   string `xml:"Symbol"`
	Price    string `xml:"Price"`
	ServedBy string `xml:"ServedBy"`
}

type setQuoteRequest struct {
	Symbol string `xml:"Symbol"`
	Price  string `xml:"Price"`
}

func (b *backend) getQuote(decode func(any) error) (any, error) {
	var req getQuoteRequest
	if err := decode(&req); err != nil {
		return nil, err
	}
	sym := strings.TrimSpace(req.Symbol)
	price, ok := b.quotes.Get(sym)
	if !ok {
		return nil, &soapserver.Fault{Code: soapserver.CodeSender, Reason: fmt.Sprintf("unknown symbol %q", sym)}
	}
	return b.response("GetQuoteResponse", sym, price), nil
}

func (b *backend) setQuote(decode func(any) error) (any, error) {
	var req setQuoteRequest
	if err := decode(&req); err != nil {
		return nil, err
	}
	sym := strings.TrimSpace(req.Symbol)
	price, err := strconv.ParseFloat(strings.TrimSpace(req.Price), 64)
	if err != nil || sym == "" || price < 0 || math.IsInf(price, 0) || math.IsNaN(price) {
		return nil, &soapserver.Fault{Code: soapserver.CodeSender, Reason: fmt.Sprintf("need a symbol and a price >= 0, got %q and %q", sym, req.Price)}
	}
	b.quotes.Set(sym, price)
	return b.response("SetQuoteResponse", sym, price), nil
}

func (b *backend) response(element, sym string, price float64) *QuoteResponse {
	return &QuoteResponse{
		XMLName:  xml.Name{Space: Namespace, Local: element},
		Symbol:   sym,
		Price:    strconv.FormatFloat(price, 'f', -1, 64),
		ServedBy: b.id,
	}
}
