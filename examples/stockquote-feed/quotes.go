package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Namespaces of the example: topics and the quote payload.
const (
	nsFeed  = "urn:wsgw:examples:stockquote-feed"
	nsQuote = "urn:wsgw:examples:stockquote-feed:quote"
)

// WS-Topics 1.3 dialects (7.1 Simple, 7.2 Concrete, 7.3 Full) and the XPath
// 1.0 dialect of MessageContent (WS-BaseNotification 1.3, 4.2).
const (
	dialectConcrete = "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"
	dialectFull     = "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Full"
	dialectXPath    = "http://www.w3.org/TR/1999/REC-xpath-19991116"
)

// Quote is one price the exchange publishes on topic feed:Quotes/{Market}.
type Quote struct {
	Seq    int
	Market string
	Symbol string
	Price  float64
}

func (q Quote) String() string {
	return fmt.Sprintf("#%02d %-4s %-8s %8.2f", q.Seq, q.Market, q.Symbol, q.Price)
}

// payload is the quote as the wsnt:Message content.
func (q Quote) payload() string {
	return fmt.Sprintf(`<q:Quote xmlns:q="%s"><q:Seq>%d</q:Seq><q:Symbol>%s</q:Symbol><q:Price>%s</q:Price></q:Quote>`,
		nsQuote, q.Seq, q.Symbol, strconv.FormatFloat(q.Price, 'f', 2, 64))
}

// Script is the exchange's scripted trading session.
func Script() []Quote {
	qs := []Quote{
		{Market: "NYSE", Symbol: "ACME", Price: 98.50},
		{Market: "NYSE", Symbol: "GLOBEX", Price: 41.10},
		{Market: "LSE", Symbol: "UMBRELLA", Price: 12.75},
		{Market: "NYSE", Symbol: "ACME", Price: 100.25},
		{Market: "NYSE", Symbol: "INITECH", Price: 7.05},
		{Market: "LSE", Symbol: "ACME", Price: 99.80},
		{Market: "NYSE", Symbol: "GLOBEX", Price: 43.90},
		{Market: "LSE", Symbol: "UMBRELLA", Price: 13.40},
		{Market: "NYSE", Symbol: "ACME", Price: 102.00},
		{Market: "LSE", Symbol: "ACME", Price: 101.15},
		{Market: "NYSE", Symbol: "INITECH", Price: 6.95},
		{Market: "NYSE", Symbol: "GLOBEX", Price: 39.00},
	}
	for i := range qs {
		qs[i].Seq = i + 1
	}
	return qs
}

// TraderSpec is a branch-office trader and the subscription filter it
// gives the bank's broker.
type TraderSpec struct {
	Name    string
	Market  string   // "": every market (Full dialect feed:Quotes/*), else Concrete feed:Quotes/{Market}
	Symbols []string // none: every symbol
	Above   float64  // only prices above this; 0: any price
}

// Traders are the branch offices of the bank.
func Traders() []TraderSpec {
	return []TraderSpec{
		{Name: "zurich", Symbols: []string{"ACME"}, Above: 100},
		{Name: "london", Market: "LSE", Above: 13},
		{Name: "newyork", Market: "NYSE", Symbols: []string{"GLOBEX", "INITECH"}, Above: 7},
		{Name: "backoffice"},
	}
}

// topicFilter is the TopicExpression dialect and text of the trader's
// subscription (prefix feed bound to nsFeed).
func (t TraderSpec) topicFilter() (dialect, expr string) {
	if t.Market == "" {
		return dialectFull, "feed:Quotes/*"
	}
	return dialectConcrete, "feed:Quotes/" + t.Market
}

// contentFilter is the MessageContent XPath (prefix q bound to nsQuote),
// "" for none.
func (t TraderSpec) contentFilter() string {
	var parts []string
	if len(t.Symbols) > 0 {
		var or []string
		for _, s := range t.Symbols {
			or = append(or, "q:Symbol='"+s+"'")
		}
		parts = append(parts, "("+strings.Join(or, " or ")+")")
	}
	if t.Above > 0 {
		parts = append(parts, "q:Price > "+strconv.FormatFloat(t.Above, 'f', -1, 64))
	}
	return strings.Join(parts, " and ")
}

// Selects reports whether the trader's filter selects q: the meaning of
// its topic expression and XPath, in Go.
func (t TraderSpec) Selects(q Quote) bool {
	return (t.Market == "" || t.Market == q.Market) &&
		(len(t.Symbols) == 0 || slices.Contains(t.Symbols, q.Symbol)) &&
		q.Price > t.Above
}

// Selected returns the quotes of script that t selects, in order.
func (t TraderSpec) Selected(script []Quote) []Quote {
	var out []Quote
	for _, q := range script {
		if t.Selects(q) {
			out = append(out, q)
		}
	}
	return out
}
