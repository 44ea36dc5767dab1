package gateway

import (
	"errors"
	"reflect"
	"strings"
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

// A key expression whose prefix no namespace binds would match only
// documents that happen to use that prefix, refusing every other client
// with PartitionKeyMissing: Validate refuses it.
func TestConfigValidate_KeyXPathUnboundPrefix(t *testing.T) {
	c := validConfig()
	c.Services[0].Key.Namespaces = nil
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "services[0].key.xpath") {
		t.Errorf("key %q without namespaces: got %v, want a services[0].key.xpath error", c.Services[0].Key.XPath, err)
	}
}

// Without a public URL the published WSDLs say http://listen, which must
// then be an address clients can reach.
func TestConfigValidate_PublicURLNeededForWildcardListen(t *testing.T) {
	for _, tc := range []struct {
		listen, public string
		ok             bool
	}{
		{":8080", "", false},
		{"0.0.0.0:8080", "", false},
		{"[::]:8080", "", false},
		{":8080", "https://gw.example.com", true},
		{"127.0.0.1:8080", "", true},
		{"gw.internal:8080", "", true},
	} {
		c := validConfig()
		c.Listen, c.PublicURL = tc.listen, tc.public
		err := c.Validate()
		if got := err == nil; got != tc.ok {
			t.Errorf("listen %q public %q: got %v, want ok=%v", tc.listen, tc.public, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "publicURL") {
			t.Errorf("listen %q: got %v, want a publicURL error", tc.listen, err)
		}
	}
}
