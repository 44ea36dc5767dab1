// Package temperature is the temperature example service: a
// document/literal wrapped SOAP service (temperature.wsdl) with a SOAP 1.1
// and a SOAP 1.2 port, and a backend with a fixed table of cities.
//
// GetTemperature(City) answers City and Celsius.
package temperature

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/examples/internal/soapserver"
)

// Namespace is the service's target namespace.
const Namespace = "urn:wsgw:examples:temperature"

// WSDL is the service description. Its soap addresses are WSDLAddress.
//
//go:embed temperature.wsdl
var WSDL []byte

// WSDLAddress is the placeholder endpoint address in WSDL.
const WSDLAddress = "http://localhost:8082/temperature"

// cities is what every backend knows, in degrees Celsius.
var cities = map[string]float64{
	"Amsterdam": 11.5,
	"Berlin":    9,
	"Lisbon":    19.5,
	"London":    12,
	"Oslo":      3.5,
	"Paris":     13,
	"Reykjavik": -1.5,
	"Tokyo":     17,
}

// NewBackend returns the backend's HTTP handler: SOAP 1.1 and 1.2 on POST
// (any path), the WSDL with the backend's own address at GET ?wsdl, and
// GET /health. id names the backend in its logs.
func NewBackend(id string, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return &soapserver.Server{
		Namespace:   Namespace,
		Operations:  map[string]soapserver.Operation{"GetTemperature": getTemperature},
		WSDL:        WSDL,
		WSDLAddress: WSDLAddress,
		Logger:      log.With("backend", id),
	}
}

type getTemperatureRequest struct {
	City string `xml:"City"`
}

// TemperatureResponse is the body of GetTemperatureResponse.
type TemperatureResponse struct {
	XMLName xml.Name `xml:"urn:wsgw:examples:temperature GetTemperatureResponse"`
	City    string   `xml:"City"`
	Celsius string   `xml:"Celsius"`
}

func getTemperature(decode func(any) error) (any, error) {
	var req getTemperatureRequest
	if err := decode(&req); err != nil {
		return nil, err
	}
	city := strings.TrimSpace(req.City)
	c, ok := cities[city]
	if !ok {
		return nil, &soapserver.Fault{Code: soapserver.CodeSender, Reason: fmt.Sprintf("unknown city %q", city)}
	}
	return &TemperatureResponse{City: city, Celsius: strconv.FormatFloat(c, 'f', -1, 64)}, nil
}
