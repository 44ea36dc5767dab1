package wsnotify

import (
	"net/url"
	"strings"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/fielderr"
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
