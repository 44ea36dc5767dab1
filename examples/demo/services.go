package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/examples/stockquote"
	"github.com/wsgw/wsgw/examples/temperature"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/wsnotify"
)

// The demo's shape.
const (
	stockPartitions = 2
	stockReplicas   = 2
	tempReplicas    = 2
	healthInterval  = time.Second
)

// startStockQuote starts stockPartitions x stockReplicas backends, ids
// "p<i>/r<j>"; the replicas of a partition share one quote book.
func (d *Demo) startStockQuote() ([][]*backend, error) {
	parts := make([][]*backend, stockPartitions)
	for p := range parts {
		quotes := stockquote.NewQuotes()
		for r := range stockReplicas {
			id := fmt.Sprintf("p%d/r%d", p, r)
			b, err := d.startBackend("stockquote "+id, stockquote.NewBackend(id, quotes, d.log))
			if err != nil {
				return nil, err
			}
			parts[p] = append(parts[p], b)
		}
	}
	return parts, nil
}

// startTemperature starts one partition of tempReplicas backends.
func (d *Demo) startTemperature() ([]*backend, error) {
	var reps []*backend
	for r := range tempReplicas {
		id := fmt.Sprintf("r%d", r)
		b, err := d.startBackend("temperature "+id, temperature.NewBackend(id, d.log))
		if err != nil {
			return nil, err
		}
		reps = append(reps, b)
	}
	return reps, nil
}

// gatewayConfig points a gateway listening on addr at the backends.
func gatewayConfig(addr string, stock [][]*backend, temp []*backend) gateway.Config {
	health := cluster.HealthConfig{Path: "/health", Interval: healthInterval}
	stockCluster := cluster.Config{Health: health}
	for p, reps := range stock {
		stockCluster.Partitions = append(stockCluster.Partitions, cluster.PartitionConfig{Name: fmt.Sprintf("p%d", p), Replicas: urls(reps)})
	}
	return gateway.Config{
		Listen:    addr,
		PublicURL: "http://" + addr,
		// The broker may deliver to consumers on loopback only.
		Broker: &wsnotify.Config{Egress: egress.Loopback()},
		Services: []gateway.ServiceConfig{
			{
				Name:    "StockQuote",
				WSDL:    stock[0][0].url + "/?wsdl",
				Cluster: stockCluster,
				Key: gateway.KeyConfig{
					XPath:      "//q:Symbol",
					Namespaces: map[string]string{"q": stockquote.Namespace},
				},
				Operations: map[string]gateway.OperationConfig{
					"GetQuote": {Idempotent: true},
					"SetQuote": {Idempotent: false},
				},
			},
			{
				Name: "Temperature",
				WSDL: temp[0].url + "/?wsdl",
				Cluster: cluster.Config{
					Partitions: []cluster.PartitionConfig{{Name: "p0", Replicas: urls(temp)}},
					Health:     health,
				},
				Operations: map[string]gateway.OperationConfig{
					"GetTemperature": {Idempotent: true},
				},
			},
		},
	}
}

func urls(bs []*backend) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.url)
	}
	return out
}

func services(base string) []Service {
	svc := func(name, shape string) Service {
		ep := base + "/services/" + name
		return Service{Name: name, Endpoint: ep, WSDL: ep + "?wsdl", Shape: shape}
	}
	return []Service{
		svc("StockQuote", fmt.Sprintf("%d partitions x %d replicas, key //q:Symbol", stockPartitions, stockReplicas)),
		svc("Temperature", fmt.Sprintf("1 partition x %d replicas", tempReplicas)),
	}
}

// GetQuote11 is a SOAP 1.1 GetQuote request envelope for symbol.
func GetQuote11(symbol string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:q="urn:wsgw:examples:stockquote">` +
		`<soapenv:Body><q:GetQuote><q:Symbol>` + symbol + `</q:Symbol></q:GetQuote></soapenv:Body></soapenv:Envelope>`
}

// GetQuote12 is a SOAP 1.2 GetQuote request envelope for symbol.
func GetQuote12(symbol string) string {
	return `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:q="urn:wsgw:examples:stockquote">` +
		`<env:Body><q:GetQuote><q:Symbol>` + symbol + `</q:Symbol></q:GetQuote></env:Body></env:Envelope>`
}

// Curl returns a one-line curl command doing a SOAP 1.1 GetQuote through the
// gateway.
func (d *Demo) Curl() string {
	return strings.Join([]string{
		"curl -sS", d.URL + "/services/StockQuote",
		`-H 'Content-Type: text/xml; charset=utf-8'`,
		`-H 'SOAPAction: "urn:wsgw:examples:stockquote/GetQuote"'`,
		"-d '" + GetQuote11("ACME") + "'",
	}, " ")
}
