// Command stockquote-feed runs the stock-quote re-distribution chain: an
// exchange publishes quotes to its WS-Notification broker, a news
// service's broker re-distributes them, a bank's broker takes them from
// the news service, and branch-office traders subscribe to the bank's
// broker with topic and content filters. It prints what each trader
// received. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"
)

func main() {
	verbose := flag.Bool("v", false, "log the brokers' debug output to stderr")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if err := run(os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "stockquote-feed:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, log *slog.Logger) error {
	dir, err := os.MkdirTemp("", "stockquote-feed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := StartChain(ctx, dir, Traders(), log)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(w, "exchange broker  %s\nnews broker      %s\nbank broker      %s\n\n", c.Exchange.endpoint(), c.News.endpoint(), c.Bank.endpoint())
	script := Script()
	fmt.Fprintf(w, "exchange publishes %d quotes:\n", len(script))
	for _, q := range script {
		fmt.Fprintln(w, "  "+q.String())
	}
	if err := c.Publish(ctx, script); err != nil {
		return err
	}
	if err := c.Wait(ctx, script); err != nil {
		return err
	}
	for _, t := range c.Traders {
		printTrader(w, t)
	}
	return nil
}

func printTrader(w io.Writer, t *trader) {
	dialect, expr := t.spec.topicFilter()
	filter := expr + " (" + dialect[strings.LastIndexByte(dialect, '/')+1:] + ")"
	if c := t.spec.contentFilter(); c != "" {
		filter += ", MessageContent " + c
	}
	got := t.received()
	fmt.Fprintf(w, "\ntrader %s: %s\n  received %d:\n", t.spec.Name, filter, len(got))
	for _, q := range got {
		fmt.Fprintln(w, "  "+q.String())
	}
}
