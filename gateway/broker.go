package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify"
)

// The WS-Notification broker (package wsnotify) is mounted under /wsn/
// when Config.Broker is set. It keeps its records in Options.DB under the
// key prefix brokerPrefix (storage/badgerstore), registers its metrics in
// the gateway's registry, runs while Serve runs and is closed by Close.

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

// validateBroker reports the broker's configuration problems under
// "broker.", with its field names in the gateway's lower camel case
// ("broker.topics.topics[0]", "broker.egress.cidrs[1]").
func validateBroker(p *problems, c *Config) {
	if c.Broker == nil {
		return
	}
	bc := c.brokerConfig()
	err := bc.Validate()
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		path, msg, ok := strings.Cut(e.Error(), ": ")
		if !ok || strings.ContainsAny(path, " \t") {
			p.add("broker", "%s", e.Error())
			continue
		}
		// Egress problems read "Egress: cidrs[0]: why".
		if sub, rest, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(sub, " \t\"") {
			path, msg = path+"."+sub, rest
		}
		p.add("broker."+lowerCamelPath(path), "%s", msg)
	}
}

// lowerCamelPath lower-cases the first letter of each dotted segment
// ("Topics.Topics[0]" -> "topics.topics[0]"), keeping leading acronyms
// whole ("PublicURL" -> "publicURL").
func lowerCamelPath(path string) string {
	segs := strings.Split(path, ".")
	for i, s := range segs {
		r, n := utf8.DecodeRuneInString(s)
		if unicode.IsUpper(r) {
			segs[i] = string(unicode.ToLower(r)) + s[n:]
		}
	}
	return strings.Join(segs, ".")
}

// openBroker opens the broker over db when the configuration has one.
func (g *Gateway) openBroker(db *badger.DB) error {
	if g.cfg.Broker == nil {
		return nil
	}
	if db == nil {
		return errors.New("broker: the gateway needs Options.DB to host the broker")
	}
	st := badgerstore.NewBroker(db, brokerPrefix)
	b, err := wsnotify.Open(st, g.cfg.brokerConfig(), wsnotify.Options{
		Logger:     g.log.With("component", "wsnotify"),
		Registerer: g.reg,
		// Consumers may be https, with the egress CA bundle and client
		// certificate.
		TLSClientConfig: g.tls.egress,
	})
	if err != nil {
		return fmt.Errorf("opening broker: %w", err)
	}
	g.broker = b
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
