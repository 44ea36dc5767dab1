package stockquote

import "sync"

// Quotes is an in-memory quote book, safe for concurrent use.
type Quotes struct {
	mu     sync.Mutex // guards prices
	prices map[string]float64
}

// NewQuotes returns a book seeded with a few symbols.
func NewQuotes() *Quotes {
	return &Quotes{prices: map[string]float64{
		"ACME": 42.5,
		"WSGW": 17.25,
		"IBM":  187.12,
		"SOAP": 3.14,
		"XML":  10.01,
		"WSDL": 11,
		"GRAY": 98.6,
		"RAPS": 55.55,
	}}
}

// Get returns the price of symbol.
func (q *Quotes) Get(symbol string) (float64, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p, ok := q.prices[symbol]
	return p, ok
}

// Set sets the price of symbol, adding it when new.
func (q *Quotes) Set(symbol string, price float64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.prices[symbol] = price
}
