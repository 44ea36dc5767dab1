package gateway

import (
	"context"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify"
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

// openBroker opens the broker over db when the configuration has one.
func (g *Gateway) openBroker(db *badger.DB) error {
	if g.cfg.Broker == nil {
		return nil
	}
	path := fielderr.Path{}.Field("Broker")
	opts := wsnotify.Options{
		Logger:     g.log.With("component", "wsnotify"),
		Registerer: g.reg,
		// Consumers may be https, with the egress CA bundle and client
		// certificate.
		TLSClientConfig: g.tls.egress,
		// Callers named as services name them, with the broker's
		// access rules (broker_security.go).
		Guard: newBrokerGuard(g, g.cfg.BrokerSecurity),
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
	}
	b, err := wsnotify.Open(st, g.cfg.brokerConfig(), opts)
	if err != nil {
		return fielderr.Errorf(path, "opening broker: %w", err)
	}
	g.broker = b
	if g.wsn, err = g.newStage(g.cfg.BrokerStage); err != nil {
		return fielderr.At(fielderr.Path{}.Field("BrokerStage"), err)
	}
	return nil
}

// runBroker runs the broker until ctx ends; a gateway without one returns
// at once.
func (g *Gateway) runBroker(ctx context.Context) {
	if g.broker == nil {
		return
	}
	if err := g.broker.Run(ctx); err != nil {
		g.log.Error("broker stopped", "err", err)
	}
}

// closeBroker releases the broker; Run must have returned.
func (g *Gateway) closeBroker() error {
	if g.broker == nil {
		return nil
	}
	return g.broker.Close()
}
