package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway"
)

func TestLoadConfig_ReliableEveryKey(t *testing.T) {
	fc, err := loadConfig("../../examples/orders/wsgw.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway("/x")
	want := &gateway.ReliableConfig{Assurance: "ExactlyOnce", InOrder: true,
		Retry:  gateway.ReliableRetry{Backoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second, MaxAttempts: -1},
		Egress: egress.Config{CIDRs: []string{"loopback"}}}
	if got := cfg.Services[0].Reliable; !reflect.DeepEqual(got, want) {
		t.Errorf("examples/orders: got %+v, want %+v", got, want)
	}

	doc := `services:
  - name: S
    wsdl: s.wsdl
    cluster: {partitions: [{replicas: [http://127.0.0.1:1]}]}
    reliable:
      assurance: AtLeastOnce
      require: true
      incomplete: DiscardEntireSequence
      sequence_expires: 1h
      idle_timeout: 10m
      max_sequences: 5
      max_sequences_per_caller: 4
      max_held: 6
      max_queue: 7
      max_held_bytes: 1MiB
      max_keep: 2h
      retry: {max_attempts: 3, backoff: 1s, max_backoff: 1m, timeout: 5s}
      egress: {cidrs: [10.0.0.0/8], hosts: [cb.example.com], schemes: [https], ports: [443]}
`
	fc = &fileConfig{}
	if err := decodeYAML([]byte(doc), fc); err != nil {
		t.Fatal(err)
	}
	want = &gateway.ReliableConfig{Assurance: "AtLeastOnce", Require: true, Incomplete: "DiscardEntireSequence",
		ReliableLimits: gateway.ReliableLimits{SequenceExpires: time.Hour, IdleTimeout: 10 * time.Minute, MaxSequences: 5, MaxSequencesPerCaller: 4},
		MaxHeld:        6, MaxQueue: 7,
		MaxHeldBytes: 1 << 20, MaxKeep: 2 * time.Hour,
		Retry:  gateway.ReliableRetry{MaxAttempts: 3, Backoff: time.Second, MaxBackoff: time.Minute, Timeout: 5 * time.Second},
		Egress: egress.Config{CIDRs: []string{"10.0.0.0/8"}, Hosts: []string{"cb.example.com"}, Schemes: []string{"https"}, Ports: []int{443}}}
	if got := fc.toGateway(".").Services[0].Reliable; !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestLoadConfig_ReliableInvalid(t *testing.T) {
	fc := &fileConfig{}
	doc := "services:\n  - name: S\n    wsdl: s.wsdl\n    cluster: {partitions: [{replicas: [http://127.0.0.1:1]}]}\n    reliable: {assurance: Sometimes}\n"
	if err := decodeYAML([]byte(doc), fc); err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway(".")
	err := cfg.Validate()
	if got := fc.explainConfig(err); err == nil || !strings.HasPrefix(got, "  services[0].reliable.assurance: ") {
		t.Errorf("Validate: got %q, want an error at services[0].reliable.assurance", got)
	}
}
