// Package orders is the reliable order-entry example service: a
// document/literal wrapped SOAP service (orders.wsdl, SOAP 1.1 and 1.2
// ports) that the gateway serves reliably at /services/Orders.
//
// SubmitOrder(Customer, OrderId, Item, Quantity) is one-way; the gateway
// accepts it over WS-ReliableMessaging 1.2 or February 2005 (exactly once,
// in order),
// stores it and delivers it to the backend, retrying while the backend is
// down. GetOrderLog(Customer) returns the OrderIds the backend received for
// the customer, in the order received: a lost, repeated or reordered
// message shows there.
//
// The backend drops a repeated delivery by its Wsgw-Delivery-Id header (the
// one repeat the gateway cannot rule out: a crash after the backend took a
// message and before the gateway recorded it); requests without that
// header are all taken.
package orders

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/wsgw/wsgw/examples/internal/soapserver"
)

// Namespace is the service's target namespace.
const Namespace = "urn:wsgw:examples:orders"

// WSDL is the service description. Its soap addresses are WSDLAddress.
//
//go:embed orders.wsdl
var WSDL []byte

// WSDLAddress is the placeholder endpoint address in WSDL.
const WSDLAddress = "http://localhost:8083/orders"

// DeliveryIDHeader is the header the gateway's reliable delivery sets
// (wsreliable/driver.DeliveryIDHeader).
const DeliveryIDHeader = "Wsgw-Delivery-Id"

// Backend is the orders backend: an http.Handler with the order log.
type Backend struct {
	soap http.Handler
	log  *slog.Logger

	mu      sync.Mutex          // guards orders, seen and repeats
	orders  map[string][]string // customer -> OrderIds, in the order received
	seen    map[string]bool     // delivery IDs taken
	repeats int                 // deliveries dropped as repeats
}

// NewBackend returns a backend: SOAP 1.1 and 1.2 on POST (any path), the
// WSDL at GET ?wsdl, GET /health. id names it in its logs.
func NewBackend(id string, log *slog.Logger) *Backend {
	if log == nil {
		log = slog.Default()
	}
	b := &Backend{log: log.With("backend", id), orders: map[string][]string{}, seen: map[string]bool{}}
	b.soap = &soapserver.Server{
		Namespace:   Namespace,
		Operations:  map[string]soapserver.Operation{"GetOrderLog": b.getOrderLog},
		WSDL:        WSDL,
		WSDLAddress: WSDLAddress,
		Logger:      b.log,
	}
	return b
}

// ServeHTTP implements http.Handler. SubmitOrder is handled here, with its
// delivery ID at hand; everything else by the shared example server.
func (b *Backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		b.soap.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "reading request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var env envelope
	if xml.Unmarshal(body, &env) == nil && env.Body.Order.OrderID != "" {
		b.submitOrder(w, r, env.Body.Order)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	b.soap.ServeHTTP(w, r)
}

// Order is the body of SubmitOrder.
type Order struct {
	XMLName  xml.Name `xml:"urn:wsgw:examples:orders SubmitOrder"`
	Customer string   `xml:"Customer"`
	OrderID  string   `xml:"OrderId"`
	Item     string   `xml:"Item"`
	Quantity int      `xml:"Quantity"`
}

type envelope struct {
	Body struct {
		Order Order `xml:"urn:wsgw:examples:orders SubmitOrder"`
	} `xml:"Body"`
}

// submitOrder logs the order (one-way: 202, no body; WS-I BP 1.1 R2714).
func (b *Backend) submitOrder(w http.ResponseWriter, r *http.Request, o Order) {
	id := r.Header.Get(DeliveryIDHeader)
	b.mu.Lock()
	repeat := id != "" && b.seen[id]
	if !repeat {
		if id != "" {
			b.seen[id] = true
		}
		b.orders[o.Customer] = append(b.orders[o.Customer], o.OrderID)
	} else {
		b.repeats++
	}
	b.mu.Unlock()
	b.log.Info("order", "customer", o.Customer, "orderId", o.OrderID, "item", o.Item,
		"quantity", o.Quantity, "repeat", repeat)
	w.WriteHeader(http.StatusAccepted)
}

// OrderLog returns the OrderIds received for customer, in order.
func (b *Backend) OrderLog(customer string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.orders[customer])
}

// Repeats returns how many deliveries were dropped as repeats.
func (b *Backend) Repeats() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.repeats
}

type getOrderLogRequest struct {
	Customer string `xml:"Customer"`
}

// OrderLogResponse is the body of GetOrderLogResponse.
type OrderLogResponse struct {
	XMLName  xml.Name `xml:"urn:wsgw:examples:orders GetOrderLogResponse"`
	Customer string   `xml:"Customer"`
	OrderIDs []string `xml:"OrderId"`
}

func (b *Backend) getOrderLog(decode func(any) error) (any, error) {
	var req getOrderLogRequest
	if err := decode(&req); err != nil {
		return nil, err
	}
	c := strings.TrimSpace(req.Customer)
	return &OrderLogResponse{Customer: c, OrderIDs: b.OrderLog(c)}, nil
}
