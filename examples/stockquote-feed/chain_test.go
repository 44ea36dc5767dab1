package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// counter returns the value of the broker's counter name.
func (n *node) counter(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := n.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("broker %s: no metric %s", n.name, name)
	return 0
}

// TestChain_TradersGetExactlyTheirQuotesInOrder runs the chain in process:
// three brokers, the traders, the scripted quotes; each trader must get
// exactly the quotes its filter selects, in publication order.
func TestChain_TradersGetExactlyTheirQuotesInOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := StartChain(ctx, t.TempDir(), Traders(), discard())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	script := Script()
	if err := c.Publish(ctx, script); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(ctx, script); err != nil {
		t.Fatal(err)
	}
	// A late extra delivery could still be in flight once every trader has
	// its count. Each broker delivers each message it gets once, and only a
	// failed attempt is ever repeated: once every broker has delivered
	// exactly what the script makes it deliver, with no failed attempt,
	// nothing more can come.
	want := map[*node]float64{c.Exchange: float64(len(script)), c.News: float64(len(script))}
	for _, tr := range c.Traders {
		want[c.Bank] += float64(len(tr.spec.Selected(script)))
	}
	checkfor.Until(t, 10*time.Second, func() error {
		for n, w := range want {
			if got := n.counter(t, "wsgw_wsn_deliveries_total"); got != w {
				return fmt.Errorf("broker %s: got %v deliveries, want %v", n.name, got, w)
			}
			if got := n.counter(t, "wsgw_wsn_delivery_attempts_failed_total"); got != 0 {
				return fmt.Errorf("broker %s: got %v failed attempts, want 0", n.name, got)
			}
		}
		return nil
	})
	for _, tr := range c.Traders {
		want := tr.spec.Selected(script)
		if len(want) == 0 {
			t.Errorf("trader %s: the script selects nothing for it; the test would prove little", tr.spec.Name)
		}
		if got := tr.received(); !slices.Equal(got, want) {
			t.Errorf("trader %s got %d quotes:\n%s\nwant %d:\n%s", tr.spec.Name, len(got), list(got), len(want), list(want))
		}
	}
}

// TestRun_PrintsWhatEachTraderReceived checks the command's report.
func TestRun_PrintsWhatEachTraderReceived(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, discard()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"trader zurich: feed:Quotes/* (Full), MessageContent (q:Symbol='ACME') and q:Price > 100\n  received 3:",
		"#10 LSE  ACME       101.15",
		"trader backoffice: feed:Quotes/* (Full)\n  received 12:",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTraderSpec_ContentFilter(t *testing.T) {
	tests := []struct {
		spec TraderSpec
		want string
	}{
		{TraderSpec{}, ""},
		{TraderSpec{Above: 13}, "q:Price > 13"},
		{TraderSpec{Symbols: []string{"A", "B"}, Above: 7.5}, "(q:Symbol='A' or q:Symbol='B') and q:Price > 7.5"},
	}
	for _, tt := range tests {
		if got := tt.spec.contentFilter(); got != tt.want {
			t.Errorf("%+v.contentFilter() = %q, want %q", tt.spec, got, tt.want)
		}
	}
}

func list(qs []Quote) string {
	var b strings.Builder
	for _, q := range qs {
		b.WriteString("  " + q.String() + "\n")
	}
	return b.String()
}
