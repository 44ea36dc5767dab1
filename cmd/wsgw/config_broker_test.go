package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsnotify/delivery"
)

func TestLoadConfig_BrokerEveryKey(t *testing.T) {
	fc, err := loadConfig("testdata/broker.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := fc.toGateway("/etc/wsgw").Broker
	want := &wsnotify.Config{
		PublicURL: "https://wsn.example.com",
		Topics: wsnotify.TopicsConfig{Fixed: true, MaxTopics: 500,
			Topics: []string{"{urn:example:quotes}stock/ACME", "{urn:example:quotes}stock/INTC"}},
		DefaultTermination:          time.Hour,
		MaxTermination:              48 * time.Hour,
		MaxSubscriptions:            5000,
		MaxSubscriptionsPerConsumer: 10,
		MaxSubscriptionsPerCaller:   20,
		Delivery: delivery.Config{QueueLen: 200, PausedLen: 50, MaxBatch: 20, Workers: 4, MaxAttempts: 3,
			BaseBackoff: 100 * time.Millisecond, MaxBackoff: 30 * time.Second, Timeout: 5 * time.Second},
		MaxPullPoints:             100,
		MaxPullPointsPerCaller:    5,
		PullPointLifetime:         12 * time.Hour,
		PullPointIdleTimeout:      30 * time.Minute,
		MaxPullPointMessages:      1000,
		MaxRegistrations:          50,
		MaxRegistrationsPerCaller: 3,
		Egress: egress.Config{CIDRs: []string{"10.0.0.0/8", "loopback"}, Hosts: []string{"*.consumers.example.com"},
			Schemes: []string{"https"}, Ports: []int{443, 8443}},
		RequireRegistration: true,
		Limits:              xmldoc.Limits{MaxBytes: 1 << 20, MaxDepth: 40, MaxElements: 1000, MaxAttrs: 20, MaxNameLen: 100, MaxTextLen: 64 << 10},
		SweepInterval:       2 * time.Second,
		Direct: &wsnotify.DirectConfig{Address: "10.1.2.1", Interface: "eth1", Transport: "multicast", Groups: "239.192.0.0/16",
			TTL: 2, Port: 7500, MaxChannels: 32, MaxChannelsPerCaller: 4, MaxPublishers: 8, LogMessages: 5000, LogBytes: 8 << 20, MTU: 1400, MaxRate: 20 << 20,
			Window: 10 * time.Second, RTT: 5 * time.Millisecond},
		Durable: wsnotify.DurableConfig{All: true, MaxAge: 12 * time.Hour, MaxMessages: 5000, MaxBytes: 1 << 20,
			MaxAttempts: 20, MaxAttemptsLimit: 200, MaxMessageBytes: 512 << 10, Workers: 8, WorkersPerCaller: 3, Timeout: 3 * time.Second,
			Backoff: queueing.Backoff{Base: 250 * time.Millisecond, Max: 10 * time.Second, Jitter: 0.1}, MarkTTL: 6 * time.Hour,
			MaxSubscriptions: 500, MaxSubscriptionsPerCaller: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	cfg := fc.toGateway("/etc/wsgw")
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: got %v, want nil", err)
	}
	wantRel := gateway.ReliableLimits{SequenceExpires: 2 * time.Hour, IdleTimeout: 5 * time.Minute, MaxSequences: 300, MaxSequencesPerCaller: 7}
	if cfg.BrokerReliable != wantRel {
		t.Errorf("broker.reliable: got %+v, want %+v", cfg.BrokerReliable, wantRel)
	}
}

// TestLoadConfig_BrokerReliableProblemsAtKeys: problems of
// broker.reliable are named by its keys, with their lines.
func TestLoadConfig_BrokerReliableProblemsAtKeys(t *testing.T) {
	path := writeDirectConfig(t, "wsgw.yaml", "listen: 127.0.0.1:1\nbroker:\n  reliable:\n    idle_timeout: -1s\n    max_sequences_per_caller: -2\n")
	fc, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway(".")
	msg := fc.explainConfig(cfg.Validate())
	for _, want := range []string{"broker.reliable.idle_timeout: negative (line 4", "broker.reliable.max_sequences_per_caller: negative (line 5"} {
		if !strings.Contains(msg, want) {
			t.Errorf("got\n%s\nwant it to contain %q", msg, want)
		}
	}
}

func TestLoadConfig_BrokerAbsentOrEmpty(t *testing.T) {
	var fc fileConfig
	if err := decodeYAML([]byte("listen: 127.0.0.1:1\n"), &fc); err != nil {
		t.Fatal(err)
	}
	if b := fc.toGateway(".").Broker; b != nil {
		t.Errorf("no broker section: got %+v, want no broker", b)
	}
	fc = fileConfig{}
	if err := decodeYAML([]byte("broker: {}\n"), &fc); err != nil {
		t.Fatal(err)
	}
	b := fc.toGateway(".").Broker
	if b == nil {
		t.Fatal("broker: {}: got no broker, want one with defaults")
	}
	if !reflect.DeepEqual(b.Egress, egress.Config{}) {
		t.Errorf("broker: {} egress: got %+v, want none allowed", b.Egress)
	}
}

func TestLoadConfig_BrokerErrorsNamePaths(t *testing.T) {
	var fc fileConfig
	err := decodeYAML([]byte("broker:\n  egress:\n    cidr: [loopback]\n  delivery:\n    timeout: soon\n"), &fc)
	if err == nil {
		t.Fatal("got nil, want errors")
	}
	for _, want := range []string{"broker.egress.cidr: unknown key (line 3, column 5)", "broker.delivery.timeout: want a duration"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q in it", err, want)
		}
	}
	fc = fileConfig{}
	if err := decodeYAML([]byte("broker:\n  egress: {cidrs: [nonsense]}\n"), &fc); err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway(".")
	err = cfg.Validate()
	if got := fc.explainConfig(err); err == nil || !strings.HasPrefix(got, "  broker.egress.cidrs[0]: ") {
		t.Errorf("Validate: got %q, want an error at broker.egress.cidrs[0]", got)
	}
}

// TestLoadConfig_BrokerDirectProblemsAtKeys: problems of broker.direct
// are named by their keys, with their lines.
func TestLoadConfig_BrokerDirectProblemsAtKeys(t *testing.T) {
	path := writeDirectConfig(t, "wsgw.yaml", "listen: 127.0.0.1:1\nbroker:\n  direct:\n    groups: 10.0.0.0/8\n    ttl: 0\n    mtu: 100\n")
	fc, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway(".")
	msg := fc.explainConfig(cfg.Validate())
	for _, want := range []string{"broker.direct.address: \"\": want an IPv4 unicast address", "broker.direct.groups: \"10.0.0.0/8\" is not an IPv4 multicast range (CIDR) (line 4",
		"broker.direct.mtu: 100 is outside 576..65507 (line 6"} {
		if !strings.Contains(msg, want) {
			t.Errorf("got\n%s\nwant it to contain %q", msg, want)
		}
	}
}
