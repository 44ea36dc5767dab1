package gateway

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/queueing"
)

func validConfig() Config {
	return Config{
		Services: []ServiceConfig{{
			Name: "StockQuote",
			WSDL: "testdata/stockquote.wsdl",
			Cluster: cluster.Config{Partitions: []cluster.PartitionConfig{
				{Replicas: []string{"http://127.0.0.1:9001/quote"}},
			}},
			Key: KeyConfig{XPath: "//q:Symbol", Namespaces: map[string]string{"q": "urn:wsgw:test:quote"}},
		}},
	}
}

func TestConfigValidate_Valid(t *testing.T) {
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

func TestConfigValidate_ReportsEveryErrorWithPath(t *testing.T) {
	c := validConfig()
	c.Listen = "nonsense"
	c.PublicURL = "ftp://gw"
	c.TrustedProxies = []string{"10.0.0.0/8", "not-a-cidr"}
	c.ShutdownTimeout = -time.Second
	c.Limits.MaxDepth = -1
	bad := ServiceConfig{
		Name: "Stock Quote",
		Cluster: cluster.Config{
			Partitions: []cluster.PartitionConfig{
				{Name: "a", Replicas: []string{"http://ok/", "http://ok2/", "relative/path"}},
				{Name: "a"},
			},
			Health:  cluster.HealthConfig{Interval: -1},
			Breaker: cluster.BreakerConfig{FailureRatio: 2},
		},
		Key:               KeyConfig{XPath: "//q:Symbol[", Missing: "maybe", Namespaces: map[string]string{"q": ""}},
		Operations:        map[string]OperationConfig{"GetQuote": {Timeout: -1}},
		Stage:             queueing.StageConfig{Workers: -1},
		Timeout:           -1,
		UnderstoodHeaders: []string{"Security"},
	}
	c.Services = append(c.Services, bad, ServiceConfig{Name: "StockQuote", WSDL: "x.wsdl"})
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T (%v), want *ValidationError", err, err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Path)
	}
	want := []string{
		"listen", "publicURL", "trustedProxies[1]", "shutdownTimeout", "limits.maxDepth",
		"services[1].name", "services[1].wsdl",
		"services[1].cluster.partitions[0].replicas[2]",
		"services[1].cluster.partitions[1].name", "services[1].cluster.partitions[1].replicas",
		"services[1].cluster.health.interval", "services[1].cluster.breaker.failureRatio",
		"services[1].key.missing", "services[1].key.namespaces[q]", "services[1].key.xpath",
		"services[1].operations[GetQuote].timeout", "services[1].stage.workers",
		"services[1].timeout", "services[1].understoodHeaders[0]",
		"services[2].name", "services[2].cluster.partitions",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got paths\n%q\nwant\n%q\nerror:\n%v", got, want, err)
	}
}

func TestConfigWithDefaults(t *testing.T) {
	c := validConfig()
	c.Services[0].Retries = -1
	d := c.withDefaults()
	if d.Listen != DefaultListen || d.PublicURL != "http://"+DefaultListen || d.ShutdownTimeout != DefaultShutdownTimeout {
		t.Errorf("got %q %q %v, want defaults", d.Listen, d.PublicURL, d.ShutdownTimeout)
	}
	s := d.Services[0]
	if s.Retries != 0 || s.Timeout != DefaultTimeout || s.Key.Missing != MissingReject ||
		s.Stage.Name != "dispatch/StockQuote" || s.Cluster.Name != "StockQuote" {
		t.Errorf("got %+v, want defaulted service", s)
	}
	if c.Services[0].Retries != -1 {
		t.Errorf("withDefaults changed its receiver")
	}
}
