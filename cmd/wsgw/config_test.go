package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

func TestLoadConfig_Full(t *testing.T) {
	fc, err := loadConfig("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if fc.DataDir != "/var/lib/wsgw" || fc.Log != (fileLog{Level: "debug", Format: "json"}) {
		t.Errorf("got data_dir %q, log %+v; want /var/lib/wsgw, debug/json", fc.DataDir, fc.Log)
	}
	got := fc.toGateway("/etc/wsgw")
	want := gateway.Config{
		Listen:          "0.0.0.0:9090",
		PublicURL:       "https://gw.example.com",
		TrustedProxies:  []string{"10.0.0.0/8", "192.168.1.1/32"},
		ShutdownTimeout: 20 * time.Second,
		Limits: xmldoc.Limits{
			MaxBytes: 2 << 20, MaxDepth: 32, MaxElements: 5000, MaxAttrs: 16, MaxNameLen: 128, MaxTextLen: 64 << 10,
		},
		ReadStage: queueing.StageConfig{Workers: 16, QueueLen: 64, TargetDelay: 20 * time.Millisecond},
		Services: []gateway.ServiceConfig{
			{
				Name:        "StockQuote",
				WSDL:        filepath.Join("/etc/wsgw", "stockquote.wsdl"),
				WSDLService: "StockQuote",
				Unmatched:   "forward",
				Timeout:     10 * time.Second,
				Retries:     3,
				Key: gateway.KeyConfig{
					XPath:      "//q:Symbol",
					Namespaces: map[string]string{"q": "urn:wsgw:examples:stockquote"},
					Missing:    "any",
				},
				Operations: map[string]gateway.OperationConfig{
					"GetQuote": {Idempotent: true, Timeout: 2 * time.Second},
					"SetQuote": {},
				},
				Stage: queueing.StageConfig{Workers: 8, QueueLen: 32, TargetDelay: 50 * time.Millisecond,
					Limiter: &queueing.LimiterConfig{Initial: 4, Min: 2, Slack: 500 * time.Microsecond, Tolerance: 0.3,
						QueueFactor: 0.5, ProbeInterval: time.Minute, ProbeLimit: 3, ProbeSamples: 20}},
				UnderstoodHeaders: []string{"{urn:example:auth}Token"},
				Cluster: cluster.Config{
					Partitions: []cluster.PartitionConfig{
						{Name: "east", Replicas: []string{"http://10.0.0.1:9101", "http://10.0.0.2:9101"}},
						{Replicas: []string{"http://10.0.1.1:9101"}},
					},
					Health:  cluster.HealthConfig{Path: "/health", Interval: 3 * time.Second, Timeout: time.Second, HealthyThreshold: 3, UnhealthyThreshold: 4},
					Outlier: cluster.OutlierConfig{ConsecutiveFailures: 7, BaseEjection: time.Minute, MaxEjectedPercent: 34},
					Breaker: cluster.BreakerConfig{FailureRatio: 0.25, MinRequests: 10, Window: 30 * time.Second, OpenFor: 2 * time.Second},
				},
			},
			{
				Name:    "Temperature",
				WSDL:    "http://10.0.2.1:9201/?wsdl",
				Cluster: cluster.Config{Partitions: []cluster.PartitionConfig{{Replicas: []string{"http://10.0.2.1:9201"}}}},
			},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestLoadConfig_Errors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top-level key", "listen: :80\nlisten_addr: :81\n", []string{"listen_addr: unknown key (line 2, column 1)"}},
		{"unknown nested keys, all reported", `
services:
  - name: A
    cluster:
      partitions:
        - replicas: [http://a]
          weight: 2
  - name: B
    key: {xpath: //x, prefix: q}
`, []string{
			"services[0].cluster.partitions[0].weight: unknown key (line 7, column 11)",
			"services[1].key.prefix: unknown key (line 9, column 23)",
		}},
		{"bad duration", "services:\n  - name: A\n    timeout: 5 seconds\n", []string{`services[0].timeout: want a duration such as "5s", got "5 seconds" (line 3, column 14)`}},
		{"wrong type", "services:\n  - name: A\n    retries: many\n", []string{"services[0].retries: cannot unmarshal !!str `many` into int (line 3, column 14)"}},
		{"bad size", "limits:\n  max_bytes: 10 megs\n", []string{`limits.max_bytes: want a size such as 10MiB, got "10 megs" (line 2, column 14)`}},
		{"list expected", "services:\n  name: A\n", []string{"services: want a list (line 2, column 3)"}},
		{"repeated key", "listen: a\nlisten: b\n", []string{"listen: repeated key (line 2, column 1)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "wsgw.yaml")
			if err := os.WriteFile(path, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadConfig(path)
			if err == nil {
				t.Fatalf("got no error, want %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfig_Empty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wsgw.yaml")
	if err := os.WriteFile(path, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fc, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.toGateway("."); !reflect.DeepEqual(got, gateway.Config{}) {
		t.Errorf("got %+v, want the zero Config", got)
	}
}

func TestLoadConfig_ExampleFiles(t *testing.T) {
	for _, path := range []string{"../../examples/stockquote/wsgw.yaml", "../../examples/temperature/wsgw.yaml"} {
		if _, err := loadConfig(path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func TestResolveWSDL_URLsKeptAsGiven(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"svc.wsdl", filepath.Join("/etc/wsgw", "svc.wsdl")},
		{"/srv/svc.wsdl", "/srv/svc.wsdl"},
		{"http://h/svc?wsdl", "http://h/svc?wsdl"},
		{"HTTPS://h/svc?wsdl", "HTTPS://h/svc?wsdl"},
		{"file:///srv/svc.wsdl", "file:///srv/svc.wsdl"},
	} {
		if got := resolveWSDL(tc.in, "/etc/wsgw"); got != tc.want {
			t.Errorf("resolveWSDL(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
