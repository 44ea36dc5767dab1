package main

import (
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway"
)

// fileReliable is services[].reliable: the service is reliable (WS-RM 1.2
// and February 2005, WS-Reliability 1.1; gateway.ReliableConfig). README.md, "services[].reliable".
type fileReliable struct {
	Assurance          string `yaml:"assurance"` // ExactlyOnce (default), AtLeastOnce, AtMostOnce
	InOrder            bool   `yaml:"in_order"`
	Require            bool   `yaml:"require"`
	Incomplete         string `yaml:"incomplete"`
	FileReliableLimits `yaml:",inline"`
	MaxHeld            int               `yaml:"max_held"`
	MaxQueue           int               `yaml:"max_queue"`
	MaxHeldBytes       byteSize          `yaml:"max_held_bytes"`
	MaxKeep            duration          `yaml:"max_keep"`
	Retry              fileReliableRetry `yaml:"retry"`
	Egress             fileEgress        `yaml:"egress"`
	BackendRM          bool              `yaml:"backend_rm"`
}

// FileReliableLimits are the bounds of an RM destination's sequences
// (gateway.ReliableLimits): inline in services[].reliable, and
// broker.reliable. (Exported: the YAML decoder inlines exported embedded
// fields only.)
type FileReliableLimits struct {
	SequenceExpires       duration `yaml:"sequence_expires"`
	IdleTimeout           duration `yaml:"idle_timeout"`
	MaxSequences          int      `yaml:"max_sequences"`
	MaxSequencesPerCaller int      `yaml:"max_sequences_per_caller"`
}

func (r FileReliableLimits) toGateway() gateway.ReliableLimits {
	return gateway.ReliableLimits{SequenceExpires: time.Duration(r.SequenceExpires), IdleTimeout: time.Duration(r.IdleTimeout),
		MaxSequences: r.MaxSequences, MaxSequencesPerCaller: r.MaxSequencesPerCaller}
}

type fileReliableRetry struct {
	MaxAttempts int      `yaml:"max_attempts"`
	Backoff     duration `yaml:"backoff"`
	MaxBackoff  duration `yaml:"max_backoff"`
	Timeout     duration `yaml:"timeout"`
}

// toGateway maps r; nil stays nil (the service is not reliable).
func (r *fileReliable) toGateway() *gateway.ReliableConfig {
	if r == nil {
		return nil
	}
	return &gateway.ReliableConfig{
		Assurance: r.Assurance, InOrder: r.InOrder, Require: r.Require, Incomplete: r.Incomplete,
		ReliableLimits: r.FileReliableLimits.toGateway(), MaxHeld: r.MaxHeld, MaxQueue: r.MaxQueue,
		MaxHeldBytes: int64(r.MaxHeldBytes), MaxKeep: time.Duration(r.MaxKeep),
		Retry: gateway.ReliableRetry{MaxAttempts: r.Retry.MaxAttempts, Backoff: time.Duration(r.Retry.Backoff),
			MaxBackoff: time.Duration(r.Retry.MaxBackoff), Timeout: time.Duration(r.Retry.Timeout)},
		Egress:    egress.Config{CIDRs: r.Egress.CIDRs, Hosts: r.Egress.Hosts, Schemes: r.Egress.Schemes, Ports: r.Egress.Ports},
		BackendRM: r.BackendRM,
	}
}
