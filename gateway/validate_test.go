package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/fielderr"
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
		got = append(got, p.Field())
	}
	want := []string{
		"Listen", "PublicURL", "TrustedProxies[1]", "ShutdownTimeout", "Limits.MaxDepth",
		"Services[1].Name", "Services[1].WSDL",
		"Services[1].Cluster.Partitions[0].Replicas[2]",
		"Services[1].Cluster.Partitions[1].Name", "Services[1].Cluster.Partitions[1].Replicas",
		"Services[1].Cluster.Health.Interval", "Services[1].Cluster.Breaker.FailureRatio",
		"Services[1].Key.XPath", "Services[1].Key.Namespaces[q]", "Services[1].Key.Missing",
		"Services[1].Operations[GetQuote].Timeout", "Services[1].Stage.Workers",
		"Services[1].Timeout", "Services[1].UnderstoodHeaders[0]",
		"Services[2].Name", "Services[2].Cluster.Partitions",
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
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "Services[0].Key.XPath") {
		t.Errorf("key %q without namespaces: got %v, want a Services[0].Key.XPath error", c.Services[0].Key.XPath, err)
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
		if err != nil && !strings.Contains(err.Error(), "PublicURL") {
			t.Errorf("listen %q: got %v, want a PublicURL error", tc.listen, err)
		}
	}
}

// Problems come in field order, never in map order: the same invalid
// configuration reads the same on every run.
func TestConfigValidate_SameOrderEveryRun(t *testing.T) {
	c := validConfig()
	s := &c.Services[0]
	s.Operations = map[string]OperationConfig{}
	for _, name := range []string{"E", "B", "D", "A", "C"} {
		s.Operations[name] = OperationConfig{Timeout: -1}
	}
	s.Key.Namespaces = map[string]string{"q": "urn:wsgw:test:quote", "z": "", "y": "", "x": ""}
	s.Reliable = &ReliableConfig{Assurance: "Sometimes", Incomplete: "Never", ReliableLimits: ReliableLimits{SequenceExpires: -1, IdleTimeout: -1,
		MaxSequences: -1}, MaxHeld: -1, MaxQueue: -1, MaxHeldBytes: -1, MaxKeep: -1,
		Retry:  ReliableRetry{Backoff: -1, MaxBackoff: -1, Timeout: -1},
		Egress: egress.Config{CIDRs: []string{"a", "b"}, Ports: []int{0}}}
	want := []string{
		"Services[0].Key.Namespaces[x]", "Services[0].Key.Namespaces[y]", "Services[0].Key.Namespaces[z]",
		"Services[0].Operations[A].Timeout", "Services[0].Operations[B].Timeout", "Services[0].Operations[C].Timeout",
		"Services[0].Operations[D].Timeout", "Services[0].Operations[E].Timeout",
		"Services[0].Reliable.Assurance", "Services[0].Reliable.Incomplete",
		"Services[0].Reliable.SequenceExpires", "Services[0].Reliable.IdleTimeout",
		"Services[0].Reliable.MaxSequences", "Services[0].Reliable.MaxHeld", "Services[0].Reliable.MaxQueue",
		"Services[0].Reliable.MaxHeldBytes", "Services[0].Reliable.MaxKeep",
		"Services[0].Reliable.Retry.Backoff", "Services[0].Reliable.Retry.MaxBackoff", "Services[0].Reliable.Retry.Timeout",
		"Services[0].Reliable.Egress.CIDRs[0]", "Services[0].Reliable.Egress.CIDRs[1]", "Services[0].Reliable.Egress.Ports[0]",
	}
	first := c.Validate().Error()
	for range 100 {
		err := c.Validate()
		if got := err.Error(); got != first {
			t.Fatalf("got\n%s\nafter\n%s\nwant the same text on every run", got, first)
		}
		var got []string
		for _, p := range fielderr.All(err) {
			got = append(got, p.Field())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got paths\n%q\nwant\n%q", got, want)
		}
	}
}

// The problems New finds loading the service (its WSDL, the operations
// it names) carry their field paths too.
func TestNew_ErrorsCarryFieldPaths(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*ServiceConfig)
		field string
	}{
		{"missing WSDL file", func(s *ServiceConfig) { s.WSDL = "testdata/nonexistent.wsdl" }, "Services[0].WSDL"},
		{"unknown wsdl:service", func(s *ServiceConfig) { s.WSDLService = "Nope" }, "Services[0].WSDLService"},
		{"unknown operation", func(s *ServiceConfig) { s.Operations = map[string]OperationConfig{"Nope": {}} }, "Services[0].Operations[Nope]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.edit(&c.Services[0])
			_, err := New(context.Background(), c, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			all := fielderr.All(err)
			if len(all) != 1 || all[0].Field() != tc.field {
				t.Errorf("got %v, want one problem at %s", err, tc.field)
			}
		})
	}
}

// A key expression outside the XPath grammar is refused at load, saying
// where and why it does not compile, including a trailing token that
// antchfx/xpath alone would drop.
func TestConfigValidate_KeyXPathDoesNotCompile(t *testing.T) {
	for _, tc := range []struct{ xpath, want string }{
		{"//q:Symbol[", `Services[0].Key.XPath: "//q:Symbol[" does not compile: at column 12: want an expression, got the end`},
		{"//q:Symbol)", `Services[0].Key.XPath: "//q:Symbol)" does not compile: at column 11: want an operator or the end, got ")"`},
		{"//q:Symbol q:Price", `Services[0].Key.XPath: "//q:Symbol q:Price" does not compile: at column 12: want an operator, got "q"`},
	} {
		c := validConfig()
		c.Services[0].Key.XPath = tc.xpath
		all := fielderr.All(c.Validate())
		if len(all) != 1 || all[0].Error() != tc.want {
			t.Errorf("got %v, want %s", all, tc.want)
		}
	}
}

// With backend_rm, a message the backend acknowledged after its delivery
// attempt gave up is remembered for MaxKeep, until the queue's retry of
// the delivery settles it. A MaxKeep shorter than that retry can take
// would let the retry send the message again: Validate refuses it, at the
// key the operator wrote.
func TestConfigValidate_MaxKeepShorterThanBackendRMRetry(t *testing.T) {
	c := validConfig()
	c.Services[0].Reliable = &ReliableConfig{BackendRM: true, MaxKeep: time.Minute}
	var got []string
	for _, e := range fielderr.All(c.Validate()) {
		got = append(got, e.Field())
	}
	if want := []string{"Services[0].Reliable.MaxKeep"}; !slices.Equal(got, want) {
		t.Fatalf("backend_rm with MaxKeep 1m and the default 5m backoff: got errors at %q, want %q", got, want)
	}
	c.Services[0].Reliable.Retry.MaxBackoff = 10 * time.Second
	c.Services[0].Timeout = 5 * time.Second
	if err := c.Validate(); err != nil {
		t.Fatalf("MaxKeep 1m over a 10s backoff and 5s timeout: got %v, want nil", err)
	}
	c.Services[0].Reliable = &ReliableConfig{MaxKeep: time.Minute}
	if err := c.Validate(); err != nil {
		t.Fatalf("MaxKeep 1m without backend_rm (no acknowledged messages to remember): got %v, want nil", err)
	}
}
