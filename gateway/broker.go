package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// The WS-Notification broker (package wsnotify) is mounted under /wsn/
// when Config.Broker is set. It keeps its records in Options.DB under the
// key prefix brokerPrefix (storage/badgerstore), registers its metrics in
// the gateway's registry, runs while Run (or Serve) runs and is closed by
// Close.

// brokerPrefix is the broker's badger key prefix in the node's one store.
const brokerPrefix = "wsn/"

// brokerConfig returns c.Broker with the gateway's defaults filled in: the
// gateway's public URL and request limits.
func (c *Config) brokerConfig() wsnotify.Config {
	bc := *c.Broker
	if bc.PublicURL == "" {
		bc.PublicURL = c.withDefaults().PublicURL
	}
	if bc.Limits == (xmldoc.Limits{}) {
		bc.Limits = c.Limits
	}
	return bc
}

// validateBroker reports the broker's configuration problems (wsnotify
// owns those rules) under path, with the gateway's defaults filled in.
func validateBroker(l *fielderr.List, path fielderr.Path, c *Config) {
	if c.Broker == nil {
		return
	}
	bc := c.brokerConfig()
	l.Nest(path, bc.Validate())
}

// validateBrokerSecurity reports the problems of the broker's security
// section (at path), and one without a broker.
func validateBrokerSecurity(l *fielderr.List, path fielderr.Path, c *Config, sc securityCheck) {
	switch {
	case c.BrokerSecurity == nil:
	case c.Broker == nil:
		l.Add(path, "there is no broker (Broker) to secure")
	default:
		c.BrokerSecurity.validate(l, path, sc)
	}
}

// openBroker opens the broker when the configuration has one: over the
// cluster's shared store (Options.Cluster; cluster.go), or over db. On
// one node it gets what makes its subscriptions durable (issue 10): the
// durable queue (badgerstore.SubscriptionQueue under wsnq/) and a
// reliable messaging driver (under wsn-rm/) that is both the RM source of
// WS-RM consumers and the RM destination of publishers that send Notify
// in a WS-RM sequence, its stored Notifies handed to the broker
// (Broker.Deliver); the driver's outbound requests go through the
// broker's egress policy. (choice) A cluster's broker has neither yet:
// both are on the node's badger, which the other nodes do not share, so
// a durable policy is UnsupportedPolicyRequestFault there until the
// durable subscription queue has a JetStream implementation (the
// driver's store has one, natsstore.Reliable, which reliable services
// use on a cluster: reliable.go).
func (g *Gateway) openBroker(ctx context.Context, db *badger.DB, now func() time.Time) error {
	if g.cfg.Broker == nil {
		return nil
	}
	path := fielderr.Path{}.Field("Broker")
	bc := g.cfg.brokerConfig()
	opts := wsnotify.Options{
		Logger:     g.log.With("component", "wsnotify"),
		Registerer: g.reg,
		// Consumers may be https, with the egress CA bundle and client
		// certificate.
		TLSClientConfig: g.tls.egress,
		// Callers named as services name them, with the broker's
		// access rules (broker_security.go).
		Guard: newBrokerGuard(g, g.cfg.BrokerSecurity),
		Now:   now,
	}
	var st wsnotify.Store
	switch {
	case g.node != nil:
		ns, err := g.sharedBrokerStore() // cluster.go
		if err != nil {
			return fielderr.Errorf(path, "%w", err)
		}
		st, opts.Shared = ns, &wsnotify.Shared{Handoff: ns, Leader: ns}
	case db == nil:
		return fielderr.Errorf(path, "the gateway needs Options.DB or Options.Cluster to host the broker")
	default:
		st = badgerstore.NewBroker(db, brokerPrefix)
		bp, err := g.openDurable(ctx, db, bc, now)
		if err != nil {
			return fielderr.Errorf(path, "%w", err)
		}
		opts.Queue, opts.RM, opts.RMDestination = bp.queue, bp.driver, bp.driver
	}
	b, err := wsnotify.Open(st, bc, opts)
	if err != nil {
		return fielderr.Errorf(path, "opening broker: %w", err)
	}
	if g.brokerParts != nil {
		g.brokerParts.backend.b = b
	}
	g.broker = b
	if g.wsn, err = g.newStage(g.cfg.BrokerStage); err != nil {
		return fielderr.At(fielderr.Path{}.Field("BrokerStage"), err)
	}
	return nil
}

// openDurable opens the broker's durable queue and reliable driver in db.
func (g *Gateway) openDurable(ctx context.Context, db *badger.DB, bc wsnotify.Config, now func() time.Time) (*brokerParts, error) {
	bp := &brokerParts{}
	g.brokerParts = bp
	q, err := badgerstore.OpenSubscriptionQueue(ctx, db, badgerstore.SubscriptionQueueOptions{
		Prefix: brokerQueuePrefix, MarkTTL: bc.Durable.MarkTTL, Queue: durableQueueOptions(bc.Durable, now)})
	if err != nil {
		return nil, fmt.Errorf("opening the durable subscription queue: %w", err)
	}
	bp.queue = q
	pol, err := egress.New(bc.Egress)
	if err != nil {
		return nil, fmt.Errorf("egress: %w", err)
	}
	pol.TLSClientConfig = g.tls.egress
	dcfg := brokerDriverConfig(bc, g.cfg.BrokerReliable, g.cfg.withDefaults().PublicURL)
	boundByStore(db, &dcfg, now, g.log)
	store, err := badgerstore.OpenReliable(ctx, db, dcfg.Name, badgerstore.ReliableOptions{
		Queue: dcfg.QueueOptions(now), Prefix: brokerRMPrefix})
	if err != nil {
		return nil, fmt.Errorf("opening the broker's reliable store: %w", err)
	}
	bp.store = store
	d, err := driver.New(dcfg, driver.Options{Store: store, Backend: &bp.backend,
		Client: pol.Client(nil, dcfg.DeliveryTimeout), Egress: pol,
		Logger: g.log.With("component", "wsnotify-rm"), Now: now})
	if err != nil {
		return nil, fmt.Errorf("building the broker's reliable driver: %w", err)
	}
	bp.driver = d
	return bp, nil
}

// durableQueueOptions are the options of the durable subscription queue:
// it takes every message the broker keeps for a durable subscription
// (Durable.MaxMessageBytes; the broker gives up larger ones itself), and
// every durable subscription at its retention (Durable.QueueLength).
func durableQueueOptions(d wsnotify.DurableConfig, now func() time.Time) queueing.Options {
	d = d.WithDefaults()
	def := queueing.Options{}.WithDefaults()
	return queueing.Options{Now: now, MaxMessageBytes: d.MaxMessageBytes,
		MaxBatchBytes: max(def.MaxBatchBytes, d.MaxMessageBytes), MaxLength: d.QueueLength(def.MaxBatch)}
}

// Key prefixes of the broker's durable subscriptions and of its reliable
// messaging driver in the node's store (badgerstore's doc lists them).
const (
	brokerQueuePrefix = "wsnq/"
	brokerRMPrefix    = "wsn-rm/"
)

// brokerParts are what a broker runs beside it.
type brokerParts struct {
	queue   *badgerstore.SubscriptionQueue
	store   *badgerstore.Reliable
	driver  *driver.Driver
	backend brokerBackend
}

// brokerBackend hands the Notifies the broker's RM destination stored to
// the broker; one that can never be published is rejected (dead-lettered
// at once), not retried.
type brokerBackend struct{ b *wsnotify.Broker }

var _ driver.Backend = (*brokerBackend)(nil)

func (bb *brokerBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	reply, status, err := bb.b.Deliver(ctx, msg, hdr)
	if errors.Is(err, wsnotify.ErrRejected) {
		err = fmt.Errorf("%w: %v", driver.ErrRejected, err)
	}
	return reply, status, err
}

// brokerDriverConfig is the configuration of the broker's reliable
// messaging driver: publishers' sequences delivered exactly once and in
// order (WS-RM 1.2, 2.4) within lim, and the outbound sequences of WS-RM
// consumers.
func brokerDriverConfig(bc wsnotify.Config, lim ReliableLimits, public string) driver.Config {
	eng := wsreliable.Config{Assurance: wsreliable.ExactlyOnce, InOrder: true}
	lim.engine(&eng)
	return driver.Config{
		Name: "wsn", Self: public + "/wsn/NotificationBroker",
		Engine:    eng,
		BackendRM: true, DeliveryTimeout: bc.Durable.Timeout,
	}
}

// runBroker runs the broker and its reliable driver until ctx ends; a
// gateway without one returns at once.
func (g *Gateway) runBroker(ctx context.Context) {
	if g.broker == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if g.brokerParts == nil {
			return
		}
		if err := g.brokerParts.driver.Run(ctx); err != nil {
			g.log.Error("broker's reliable driver stopped", "err", err)
		}
	}()
	if err := g.broker.Run(ctx); err != nil {
		g.log.Error("broker stopped", "err", err)
	}
	<-done
}

// closeBroker releases the broker and its stores; Run must have returned.
func (g *Gateway) closeBroker() error {
	var errs []error
	if g.broker != nil {
		errs = append(errs, g.broker.Close())
	}
	if bp := g.brokerParts; bp != nil {
		if bp.store != nil {
			errs = append(errs, bp.store.Close())
		}
		if bp.queue != nil {
			errs = append(errs, bp.queue.Close())
		}
	}
	return errors.Join(errs...)
}
