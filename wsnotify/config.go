package wsnotify

import (
	"net/url"
	"strings"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/delivery"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// Config is the broker's configuration. Every field is optional except
// PublicURL; a zero field takes the default in its comment.
type Config struct {
	// PublicURL is the base URL clients reach the gateway at, e.g.
	// "https://gw.example.com" (required). References the broker issues are
	// PublicURL + "/wsn/...".
	PublicURL string
	// Topics is the broker's topic set (WS-Topics 1.3, 4).
	Topics TopicsConfig
	// DefaultTermination is the lifetime of a subscription or registration
	// created without an InitialTerminationTime (or with xsi:nil); default 24h.
	DefaultTermination time.Duration
	// MaxTermination is the longest lifetime Subscribe, Renew and
	// RegisterPublisher accept; default 720h (30 days).
	MaxTermination time.Duration
	// MaxSubscriptions bounds all subscriptions; default 1,000,000.
	MaxSubscriptions int
	// MaxSubscriptionsPerConsumer bounds the subscriptions with the same
	// consumer endpoint (scheme, host and port, whatever the path or query:
	// the requests one Notify makes to one server), or the same pull point;
	// default 1000.
	MaxSubscriptionsPerConsumer int
	// MaxSubscriptionsPerCaller bounds the subscriptions one caller
	// created (the caller Options.Guard names; without a guard, the
	// client's address: package caller); default 1000.
	MaxSubscriptionsPerCaller int
	// Delivery bounds per-consumer queues, workers and retries (see
	// delivery.Config for its defaults).
	Delivery delivery.Config
	// MaxPullPoints bounds the pull points; default 10,000.
	MaxPullPoints int
	// MaxPullPointsPerCaller bounds the pull points one caller created;
	// default 100.
	MaxPullPointsPerCaller int
	// PullPointLifetime ends a pull point this long after its creation
	// (a pull point has no termination time a client could set or renew);
	// default MaxTermination.
	PullPointLifetime time.Duration
	// PullPointIdleTimeout ends a pull point whose messages nobody took
	// (GetMessages) for this long; default 1h.
	PullPointIdleTimeout time.Duration
	// MaxPullPointMessages bounds the messages one pull point keeps; further
	// messages are dropped and counted. Default 10,000.
	MaxPullPointMessages int
	// MaxRegistrations bounds publisher registrations; default 10,000.
	MaxRegistrations int
	// MaxRegistrationsPerCaller bounds the registrations one caller
	// created; default 100.
	MaxRegistrationsPerCaller int
	// Egress decides which consumer and publisher addresses the broker may
	// send to. The zero value allows none (only pull points work).
	Egress egress.Config
	// RequireRegistration refuses Notify from publishers without a
	// registration (WS-BrokeredNotification 1.3, 6: RequiresRegistration).
	// Default false: any Notify is accepted.
	RequireRegistration bool
	// Limits bound every request envelope (xmldoc defaults).
	Limits xmldoc.Limits
	// SweepInterval is the period of the expiry sweep; default 5s.
	SweepInterval time.Duration
	// Direct, when set, lets subscribers and registered publishers
	// negotiate direct paths (direct_config.go); nil: a Subscribe that
	// requires one gets UnsupportedPolicyRequestFault, one that does not
	// is delivered over HTTP.
	Direct *DirectConfig
	// Durable configures durable subscriptions (reliable pub-sub: a
	// durable queue per subscription, Options.Queue).
	Durable DurableConfig
}

// DurableConfig configures durable subscriptions: those whose
// SubscriptionPolicy asks for reliable delivery (wsrmp:RMAssertion, or
// wsgw's Delivery extension), or every push subscription with All. The
// retention bounds are the most a subscription is granted, and what it is
// granted when it names none.
type DurableConfig struct {
	// All makes every push subscription durable: at least once over plain
	// HTTP, unless its policy asks for WS-RM. Default false.
	All bool
	// MaxSubscriptions bounds the durable subscriptions; a Subscribe
	// beyond it is a SubscribeCreationFailedFault. Default 1000. With
	// MaxMessages and MaxBytes it bounds what the durable queue holds
	// (QueueLength messages; MaxSubscriptions*MaxBytes bytes, 64 GiB by
	// default), so consumers that are down, each at its retention, never
	// fill the queue for the others.
	MaxSubscriptions int
	// MaxAge is how long a message is kept for a consumer that does not
	// take it; default 24h.
	MaxAge time.Duration
	// MaxMessages bounds the messages kept per subscription; default 100,000.
	MaxMessages int
	// MaxBytes bounds the bytes kept per subscription; default 64 MiB.
	MaxBytes int64
	// MaxAttempts gives a message up (to the dead letters) after that many
	// deliveries when the subscription names no number; 0 (default): never,
	// a message leaves by its retention only.
	MaxAttempts int
	// MaxAttemptsLimit is the most maxAttempts a subscription is granted
	// (a larger one asked is granted this); default 1000. It bounds what
	// subscriptions ask, not MaxAttempts (whose 0, never, stays the
	// operator's choice); MaxAttempts above it is a configuration error.
	MaxAttemptsLimit int
	// MaxMessageBytes bounds a notification kept for a durable
	// subscription (what it receives: the NotificationMessage's content,
	// or the raw payload); a larger one goes to the subscription's dead
	// letters at once (reason TooLarge) and the Notify is published to the
	// others. Default 256 KiB. The durable queue must take messages of
	// this size (the gateway sizes it so).
	MaxMessageBytes int
	// Workers bounds the durable deliveries in flight (each to another
	// subscription); default 16.
	Workers int
	// WorkersPerCaller bounds the plain (not WS-RM) deliveries in flight
	// to the subscriptions of one caller; default Workers: no share. A
	// plain attempt holds its worker until the consumer answers (Timeout
	// at most), so one caller's consumers that never answer can hold every
	// worker; below Workers, they take at most this many and the others'
	// are delivered meanwhile. (choice) Off by default: the share is not
	// work-conserving, a caller's deliveries over it wait (Defer) even
	// when no one else's are waiting, which cut the delivery rate of one
	// caller's 100 subscriptions to a quarter (BenchmarkDurableNotifyDelivery).
	// (WS-RM attempts hold no worker.)
	WorkersPerCaller int
	// Timeout bounds one delivery attempt; default 10s.
	Timeout time.Duration
	// Backoff is the delay before a failed delivery is tried again;
	// default 500ms doubling to 30s, 20% jitter. It is the longest a
	// consumer that comes back waits for its backlog.
	Backoff queueing.Backoff
	// MarkTTL is how long a Notify handed over by the broker's WS-RM
	// destination is remembered, so that it is published once; default 24h.
	MarkTTL time.Duration
	// MaxSubscriptionsPerCaller bounds the durable subscriptions of one
	// caller (default 10): each keeps up to MaxMessages and MaxBytes on
	// disk, so what one caller can make the broker keep is bounded by
	// MaxSubscriptionsPerCaller times MaxBytes (640 MiB by default).
	// Beyond: SubscribeCreationFailedFault.
	MaxSubscriptionsPerCaller int
}

// WithDefaults returns c with zero fields defaulted.
func (c DurableConfig) WithDefaults() DurableConfig {
	if c.MaxSubscriptions <= 0 {
		c.MaxSubscriptions = 1000
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 24 * time.Hour
	}
	if c.MaxMessages <= 0 {
		c.MaxMessages = 100_000
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = 64 << 20
	}
	if c.MaxAttemptsLimit <= 0 {
		c.MaxAttemptsLimit = 1000
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 256 << 10
	}
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.WorkersPerCaller <= 0 {
		c.WorkersPerCaller = c.Workers
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Backoff.Base == 0 {
		c.Backoff.Base = 500 * time.Millisecond
	}
	if c.Backoff.Max == 0 {
		c.Backoff.Max = 30 * time.Second
	}
	c.Backoff = c.Backoff.WithDefaults()
	if c.MarkTTL <= 0 {
		c.MarkTTL = 24 * time.Hour
	}
	if c.MaxSubscriptionsPerCaller <= 0 {
		c.MaxSubscriptionsPerCaller = 10
	}
	return c
}

// QueueLength is the length the durable queue needs (its MaxLength), c
// defaulted: every durable subscription at its retention
// (MaxSubscriptions*MaxMessages), and room for one write of the queue
// (batch: its MaxBatch), whose messages join their subscriptions' queues
// before the oldest over the retention leave for the dead letters. With
// it, a Notify is never refused for want of room however long consumers
// are down (queueing.ErrQueueFull, a Receiver fault to the publisher,
// which all durable subscriptions would share).
func (c DurableConfig) QueueLength(batch int) int {
	c = c.WithDefaults()
	return c.MaxSubscriptions*c.MaxMessages + batch
}

// validate reports c's problems under path.
func (c DurableConfig) validate(l *fielderr.List, path fielderr.Path) {
	for _, f := range []struct {
		name string
		bad  bool
	}{
		{"MaxSubscriptions", c.MaxSubscriptions < 0}, {"MaxSubscriptionsPerCaller", c.MaxSubscriptionsPerCaller < 0}, {"MaxAge", c.MaxAge < 0}, {"MaxMessages", c.MaxMessages < 0}, {"MaxBytes", c.MaxBytes < 0},
		{"MaxAttempts", c.MaxAttempts < 0}, {"MaxAttemptsLimit", c.MaxAttemptsLimit < 0}, {"MaxMessageBytes", c.MaxMessageBytes < 0},
		{"Workers", c.Workers < 0}, {"WorkersPerCaller", c.WorkersPerCaller < 0}, {"Timeout", c.Timeout < 0},
		{"MarkTTL", c.MarkTTL < 0},
	} {
		if f.bad {
			l.Add(path.Field(f.name), "must not be negative")
		}
	}
	if d := c.WithDefaults(); c.MaxAttempts > 0 && c.MaxAttempts > d.MaxAttemptsLimit {
		l.Add(path.Field("MaxAttempts"), "must not be over MaxAttemptsLimit (%d)", d.MaxAttemptsLimit)
	}
	if d := c.WithDefaults(); c.WorkersPerCaller > d.Workers {
		l.Add(path.Field("WorkersPerCaller"), "must not be over Workers (%d)", d.Workers)
	}
	l.Nest(path.Field("Backoff"), c.Backoff.Validate())
}

// TopicsConfig is the topic set of the broker.
type TopicsConfig struct {
	// Fixed makes the set fixed: only Topics may be published on and
	// subscribed to (WS-BaseNotification 1.3 FixedTopicSet). Default false:
	// an open set, where topics appear on first publish.
	Fixed bool
	// Topics in Clark notation, "{namespace}root/child/grandchild".
	Topics []string
	// MaxTopics bounds an open set (topic.DefaultMaxTopics when zero).
	MaxTopics int
}

func (c Config) withDefaults() Config {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	if c.DefaultTermination <= 0 {
		c.DefaultTermination = 24 * time.Hour
	}
	if c.MaxTermination <= 0 {
		c.MaxTermination = 720 * time.Hour
	}
	def(&c.MaxSubscriptions, 1_000_000)
	def(&c.MaxSubscriptionsPerConsumer, 1000)
	def(&c.MaxSubscriptionsPerCaller, 1000)
	def(&c.MaxPullPoints, 10_000)
	def(&c.MaxPullPointsPerCaller, 100)
	if c.PullPointLifetime <= 0 {
		c.PullPointLifetime = c.MaxTermination
	}
	if c.PullPointIdleTimeout <= 0 {
		c.PullPointIdleTimeout = time.Hour
	}
	def(&c.MaxPullPointMessages, 10_000)
	def(&c.MaxRegistrations, 10_000)
	def(&c.MaxRegistrationsPerCaller, 100)
	if c.SweepInterval <= 0 {
		c.SweepInterval = 5 * time.Second
	}
	c.Delivery = c.Delivery.WithDefaults()
	if c.Direct != nil {
		d := c.Direct.withDefaults()
		c.Direct = &d
	}
	c.Durable = c.Durable.WithDefaults()
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c
}

// Validate reports every invalid field as *fielderr.Error values (paths
// such as "Topics.Topics[1]", "Egress.CIDRs[0]"), in field order.
func (c Config) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	if u, err := url.Parse(c.PublicURL); c.PublicURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		l.Add(root.Field("PublicURL"), "%q is not an absolute http(s) URL", c.PublicURL)
	}
	topics := root.Field("Topics").Field("Topics")
	if c.Topics.Fixed && len(c.Topics.Topics) == 0 {
		l.Add(topics, "a fixed topic set needs at least one topic")
	}
	for i, s := range c.Topics.Topics {
		if _, err := topic.ParseClark(s); err != nil {
			l.Add(topics.Index(i), "%w", err)
		}
	}
	if c.DefaultTermination > 0 && c.MaxTermination > 0 && c.DefaultTermination > c.MaxTermination {
		l.Add(root.Field("DefaultTermination"), "%v exceeds MaxTermination %v", c.DefaultTermination, c.MaxTermination)
	}
	l.Nest(root.Field("Egress"), c.Egress.Validate())
	if c.Direct != nil {
		c.Direct.validate(&l, root.Field("Direct"))
	}
	c.Durable.validate(&l, root.Field("Durable"))
	return l.Err()
}

func (c Config) topicSet() (*topic.TopicSet, error) {
	var paths []topic.Path
	for _, s := range c.Topics.Topics {
		p, err := topic.ParseClark(s)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	if c.Topics.Fixed {
		return topic.NewFixedSet(paths...)
	}
	s := topic.NewOpenSet(c.Topics.MaxTopics)
	for _, p := range paths {
		if err := s.Add(p); err != nil {
			return nil, err
		}
	}
	return s, nil
}
