package main

import (
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsnotify/delivery"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// fileBroker is the `broker:` section: present (even as `broker: {}`), the
// gateway hosts the WS-Notification broker under /wsn/. It maps every
// field of wsnotify.Config; README.md documents each key.
type fileBroker struct {
	PublicURL                   string       `yaml:"public_url"`
	Topics                      fileTopics   `yaml:"topics"`
	DefaultTermination          duration     `yaml:"default_termination"`
	MaxTermination              duration     `yaml:"max_termination"`
	MaxSubscriptions            int          `yaml:"max_subscriptions"`
	MaxSubscriptionsPerConsumer int          `yaml:"max_subscriptions_per_consumer"`
	MaxSubscriptionsPerCaller   int          `yaml:"max_subscriptions_per_caller"`
	Delivery                    fileDelivery `yaml:"delivery"`
	MaxPullPoints               int          `yaml:"max_pull_points"`
	MaxPullPointsPerCaller      int          `yaml:"max_pull_points_per_caller"`
	PullPointLifetime           duration     `yaml:"pull_point_lifetime"`
	PullPointIdleTimeout        duration     `yaml:"pull_point_idle_timeout"`
	MaxPullPointMessages        int          `yaml:"max_pull_point_messages"`
	MaxRegistrations            int          `yaml:"max_registrations"`
	MaxRegistrationsPerCaller   int          `yaml:"max_registrations_per_caller"`
	Egress                      fileEgress   `yaml:"egress"`
	RequireRegistration         bool         `yaml:"require_registration"`
	Limits                      fileLimits   `yaml:"limits"`
	SweepInterval               duration     `yaml:"sweep_interval"`
	// Security is gateway.Config.BrokerSecurity, kept here where it
	// belongs in the file (config_problems.go maps its paths).
	Security *fileBrokerSecurity `yaml:"security"`
	// Reliable is gateway.Config.BrokerReliable: the bounds of publishers'
	// WS-RM sequences to the broker (config_problems.go maps its paths).
	Reliable FileReliableLimits `yaml:"reliable"`
	Durable  fileDurable        `yaml:"durable"`
	Direct   *fileBrokerDirect  `yaml:"direct"`
}

// fileBrokerSecurity is broker.security (gateway.BrokerSecurity).
type fileBrokerSecurity struct {
	RequireUsernameToken     bool                `yaml:"require_username_token"`
	RequireTimestamp         bool                `yaml:"require_timestamp"`
	RequireClientCertificate bool                `yaml:"require_client_certificate"`
	PasswordTypes            []string            `yaml:"password_types"`
	Allow                    fileRule            `yaml:"allow"`
	Operations               map[string]fileRule `yaml:"operations"`
	Topics                   []fileTopicRule     `yaml:"topics"`
}

type fileTopicRule struct {
	Topic   string   `yaml:"topic"`
	Notify  fileRule `yaml:"notify"`
	Receive fileRule `yaml:"receive"`
}

// toGateway maps the section; nil stays nil (no broker security).
func (s *fileBrokerSecurity) toGateway() *gateway.BrokerSecurity {
	if s == nil {
		return nil
	}
	bs := &gateway.BrokerSecurity{RequireUsernameToken: s.RequireUsernameToken, RequireTimestamp: s.RequireTimestamp,
		RequireClientCertificate: s.RequireClientCertificate, PasswordTypes: s.PasswordTypes,
		Allow: s.Allow.toRule(), Operations: toRules(s.Operations)}
	for _, r := range s.Topics {
		bs.Topics = append(bs.Topics, gateway.TopicRule{Topic: r.Topic, Notify: r.Notify.toRule(), Receive: r.Receive.toRule()})
	}
	return bs
}

// fileDurable is `broker.durable:`, durable subscriptions (wsnotify.DurableConfig).
type fileDurable struct {
	All              bool        `yaml:"all"`
	MaxAge           duration    `yaml:"max_age"`
	MaxMessages      int         `yaml:"max_messages"`
	MaxBytes         int64       `yaml:"max_bytes"`
	MaxAttempts      int         `yaml:"max_attempts"`
	MaxAttemptsLimit int         `yaml:"max_attempts_limit"`
	MaxMessageBytes  byteSize    `yaml:"max_message_bytes"`
	Workers          int         `yaml:"workers"`
	WorkersPerCaller int         `yaml:"workers_per_caller"`
	Timeout          duration    `yaml:"timeout"`
	Backoff          fileBackoff `yaml:"backoff"`
	MarkTTL          duration    `yaml:"mark_ttl"`
	// MaxSubscriptions, MaxSubscriptionsPerCaller bound durable
	// subscriptions in all and per caller.
	MaxSubscriptions          int `yaml:"max_subscriptions"`
	MaxSubscriptionsPerCaller int `yaml:"max_subscriptions_per_caller"`
}

// fileBackoff is a redelivery backoff (queueing.Backoff).
type fileBackoff struct {
	Base   duration `yaml:"base"`
	Max    duration `yaml:"max"`
	Jitter float64  `yaml:"jitter"`
}

func (d fileDurable) toWSNotify() wsnotify.DurableConfig {
	return wsnotify.DurableConfig{
		All: d.All, MaxAge: time.Duration(d.MaxAge), MaxMessages: d.MaxMessages, MaxBytes: d.MaxBytes,
		MaxAttempts: d.MaxAttempts, MaxAttemptsLimit: d.MaxAttemptsLimit, MaxMessageBytes: int(d.MaxMessageBytes), Workers: d.Workers, WorkersPerCaller: d.WorkersPerCaller, Timeout: time.Duration(d.Timeout),
		Backoff:          queueing.Backoff{Base: time.Duration(d.Backoff.Base), Max: time.Duration(d.Backoff.Max), Jitter: d.Backoff.Jitter},
		MarkTTL:          time.Duration(d.MarkTTL),
		MaxSubscriptions: d.MaxSubscriptions, MaxSubscriptionsPerCaller: d.MaxSubscriptionsPerCaller,
	}
}

// fileBrokerDirect is `broker.direct`: present, subscribers and registered
// publishers may negotiate direct paths (wsnotify.DirectConfig).
type fileBrokerDirect struct {
	Address              string   `yaml:"address"`
	Interface            string   `yaml:"interface"`
	Transport            string   `yaml:"transport"`
	Groups               string   `yaml:"groups"`
	TTL                  int      `yaml:"ttl"`
	Port                 int      `yaml:"port"`
	MaxChannels          int      `yaml:"max_channels"`
	MaxChannelsPerCaller int      `yaml:"max_channels_per_caller"`
	MaxPublishers        int      `yaml:"max_publishers"`
	LogMessages          int      `yaml:"log_messages"`
	LogBytes             byteSize `yaml:"log_bytes"`
	MTU                  int      `yaml:"mtu"`
	MaxRate              byteSize `yaml:"max_rate"`
	Window               duration `yaml:"window"`
	RTT                  duration `yaml:"rtt"`
}

func (d *fileBrokerDirect) toWSNotify() *wsnotify.DirectConfig {
	if d == nil {
		return nil
	}
	return &wsnotify.DirectConfig{
		Address: d.Address, Interface: d.Interface, Transport: direct.Transport(d.Transport), Groups: d.Groups, TTL: d.TTL,
		Port: d.Port, MaxChannels: d.MaxChannels, MaxChannelsPerCaller: d.MaxChannelsPerCaller, MaxPublishers: d.MaxPublishers, LogMessages: d.LogMessages,
		LogBytes: int64(d.LogBytes), MTU: d.MTU, MaxRate: int64(d.MaxRate), Window: time.Duration(d.Window), RTT: time.Duration(d.RTT),
	}
}

type fileTopics struct {
	Fixed     bool     `yaml:"fixed"`
	Topics    []string `yaml:"topics"`
	MaxTopics int      `yaml:"max_topics"`
}

type fileDelivery struct {
	QueueLen    int      `yaml:"queue_len"`
	PausedLen   int      `yaml:"paused_len"`
	MaxBatch    int      `yaml:"max_batch"`
	Workers     int      `yaml:"workers"`
	MaxAttempts int      `yaml:"max_attempts"`
	BaseBackoff duration `yaml:"base_backoff"`
	MaxBackoff  duration `yaml:"max_backoff"`
	Timeout     duration `yaml:"timeout"`
}

// fileEgress is the allow-list of addresses the broker may send to; empty,
// it allows none (serve grants nothing the file does not name).
type fileEgress struct {
	CIDRs   []string `yaml:"cidrs"`
	Hosts   []string `yaml:"hosts"`
	Schemes []string `yaml:"schemes"`
	Ports   []int    `yaml:"ports"`
}

// toWSNotify maps the section onto the broker's configuration; a nil
// section is no broker.
func (b *fileBroker) toWSNotify() *wsnotify.Config {
	if b == nil {
		return nil
	}
	return &wsnotify.Config{
		PublicURL: b.PublicURL,
		Topics: wsnotify.TopicsConfig{
			Fixed: b.Topics.Fixed, Topics: b.Topics.Topics, MaxTopics: b.Topics.MaxTopics,
		},
		DefaultTermination:          time.Duration(b.DefaultTermination),
		MaxTermination:              time.Duration(b.MaxTermination),
		MaxSubscriptions:            b.MaxSubscriptions,
		MaxSubscriptionsPerConsumer: b.MaxSubscriptionsPerConsumer,
		MaxSubscriptionsPerCaller:   b.MaxSubscriptionsPerCaller,
		Delivery: delivery.Config{
			QueueLen:    b.Delivery.QueueLen,
			PausedLen:   b.Delivery.PausedLen,
			MaxBatch:    b.Delivery.MaxBatch,
			Workers:     b.Delivery.Workers,
			MaxAttempts: b.Delivery.MaxAttempts,
			BaseBackoff: time.Duration(b.Delivery.BaseBackoff),
			MaxBackoff:  time.Duration(b.Delivery.MaxBackoff),
			Timeout:     time.Duration(b.Delivery.Timeout),
		},
		MaxPullPoints:             b.MaxPullPoints,
		MaxPullPointsPerCaller:    b.MaxPullPointsPerCaller,
		PullPointLifetime:         time.Duration(b.PullPointLifetime),
		PullPointIdleTimeout:      time.Duration(b.PullPointIdleTimeout),
		MaxPullPointMessages:      b.MaxPullPointMessages,
		MaxRegistrations:          b.MaxRegistrations,
		MaxRegistrationsPerCaller: b.MaxRegistrationsPerCaller,
		Egress: egress.Config{
			CIDRs: b.Egress.CIDRs, Hosts: b.Egress.Hosts, Schemes: b.Egress.Schemes, Ports: b.Egress.Ports,
		},
		RequireRegistration: b.RequireRegistration,
		Limits:              b.Limits.toXMLDoc(),
		SweepInterval:       time.Duration(b.SweepInterval),
		Direct:              b.Direct.toWSNotify(),
		Durable:             b.Durable.toWSNotify(),
	}
}

func (l fileLimits) toXMLDoc() xmldoc.Limits {
	return xmldoc.Limits{
		MaxBytes:    int64(l.MaxBytes),
		MaxDepth:    l.MaxDepth,
		MaxElements: l.MaxElements,
		MaxAttrs:    l.MaxAttrs,
		MaxNameLen:  l.MaxNameLen,
		MaxTextLen:  int(l.MaxTextLen),
	}
}

// reliable is broker.reliable; zero without a broker section.
func (b *fileBroker) reliable() gateway.ReliableLimits {
	if b == nil {
		return gateway.ReliableLimits{}
	}
	return b.Reliable.toGateway()
}

// security is broker.security; none without a broker section.
func (b *fileBroker) security() *gateway.BrokerSecurity {
	if b == nil {
		return nil
	}
	return b.Security.toGateway()
}
