package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Chain is the re-distribution chain:
//
//	exchange (publisher) -> exchange broker -> news broker -> bank broker -> traders
//
// The news broker subscribes to the exchange broker, and the bank's broker
// to the news broker, each with its own NotificationBroker endpoint as
// ConsumerReference: the Notify an upstream broker delivers is a publish
// on the downstream one (WS-BrokeredNotification 1.3, 4).
type Chain struct {
	Exchange, News, Bank *node
	Traders              []*trader
	client               *http.Client
}

// StartChain starts the three brokers (stores under dir), the traders, and
// every subscription of the chain.
func StartChain(ctx context.Context, dir string, specs []TraderSpec, log *slog.Logger) (_ *Chain, err error) {
	c := &Chain{client: &http.Client{Timeout: 10 * time.Second}}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	for _, p := range []struct {
		n    **node
		name string
	}{{&c.Exchange, "exchange"}, {&c.News, "news"}, {&c.Bank, "bank"}} {
		if *p.n, err = startNode(p.name, dir, log); err != nil {
			return nil, err
		}
	}
	// The news service takes every market from the exchange (SOAP 1.1); the
	// bank takes everything from the news service (SOAP 1.2).
	if _, err = subscribe(ctx, c.client, c.Exchange.endpoint(), "1.1", c.News.endpoint(), dialectFull, "feed:Quotes/*", ""); err != nil {
		return nil, err
	}
	if _, err = subscribe(ctx, c.client, c.News.endpoint(), "1.2", c.Bank.endpoint(), dialectFull, "feed:Quotes/*", ""); err != nil {
		return nil, err
	}
	for _, s := range specs {
		t, err := startTrader(s, log)
		if err != nil {
			return nil, fmt.Errorf("starting trader %s: %w", s.Name, err)
		}
		c.Traders = append(c.Traders, t)
		dialect, expr := s.topicFilter()
		if _, err := subscribe(ctx, c.client, c.Bank.endpoint(), "1.1", t.url, dialect, expr, s.contentFilter()); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Publish sends each quote, in order, as a Notify to the exchange's broker
// (SOAP 1.2).
func (c *Chain) Publish(ctx context.Context, quotes []Quote) error {
	for _, q := range quotes {
		if _, err := post(ctx, c.client, c.Exchange.endpoint(), "1.2", nsWSNT+"/NotificationConsumer/Notify", notifyRequest(q)); err != nil {
			return fmt.Errorf("publishing quote %d: %w", q.Seq, err)
		}
	}
	return nil
}

// Wait polls until every trader has received as many quotes as its filter
// selects from script, or ctx is done.
func (c *Chain) Wait(ctx context.Context, script []Quote) error {
	for {
		done := true
		for _, t := range c.Traders {
			if len(t.received()) < len(t.spec.Selected(script)) {
				done = false
			}
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for deliveries: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Close stops the traders and the brokers.
func (c *Chain) Close() error {
	var errs []error
	for _, t := range c.Traders {
		errs = append(errs, t.close())
	}
	for _, n := range []*node{c.Bank, c.News, c.Exchange} {
		if n != nil {
			errs = append(errs, n.close())
		}
	}
	return errors.Join(errs...)
}
