package gateway

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// adminView is one snapshot of what the admin page shows: its tables and
// the inputs of its charts, which the page renders at first (admin.go)
// and /admin/api/state sends as JSON for the page's script to update in
// place; Sections is the page's layout, the same for the gateway's life.
//
// Every figure comes from the families /metrics serves (admin_metrics.go),
// gathered once per snapshot, so that the page and a scraper never
// disagree; what /metrics cannot carry, because its label values would
// come from clients and be unbounded (subscriptions by topic filter,
// reliable sequences), comes from the parts' typed accessors.
type adminView struct {
	Time     int64                 `json:"time"` // Unix milliseconds of the snapshot
	Tables   map[string]*viewTable `json:"tables"`
	Charts   map[string]*viewChart `json:"charts"`
	Sections []viewSection         `json:"-"`
}

// viewSection is a section of the page: a heading and cards.
type viewSection struct {
	ID, Title string
	Note      string // shown when the section has no card
	Cards     []*viewCard
}

// viewCard is one service, stage set, broker or reliable queue: charts
// and tables.
type viewCard struct {
	Title, Sub string
	Charts     []*viewChart
	Tables     []*viewTable
}

// viewTable is a table whose rows the script keeps in step by key.
type viewTable struct {
	ID    string    `json:"-"`
	Title string    `json:"-"`
	Cols  []viewCol `json:"-"`
	Empty string    `json:"-"` // said when there is no row
	Wide  bool      `json:"-"` // laid out below the charts, across the card
	Rows  []viewRow `json:"rows"`
	More  int       `json:"more,omitempty"` // rows left off (maxTableRows)
}

type viewCol struct {
	Title string
	Num   bool // right-aligned figures
}

type viewRow struct {
	Key   string     `json:"k"`
	Cells []viewCell `json:"c"`
}

// viewCell is a cell's text and its classes: "num" for figures, and
// "ok", "warn" or "bad" for states.
type viewCell struct {
	Text  string `json:"t"`
	Class string `json:"s,omitempty"`
}

// Chart kinds: rate charts plot the per-second increase of counters
// between two snapshots; latency charts the 50th and 95th percentiles of
// what a histogram observed between two snapshots; gauge charts values as
// they are.
const (
	chartRate    = "rate"
	chartLatency = "latency"
	chartGauge   = "gauge"
)

// viewChart is a small chart's input: counters, gauge values or a
// histogram, one line per name. The script keeps the history.
type viewChart struct {
	ID     string    `json:"-"`
	Title  string    `json:"-"`
	Kind   string    `json:"kind"`
	Unit   string    `json:"unit,omitempty"` // "s": values are seconds; "": counts
	Names  []string  `json:"names"`
	Values []float64 `json:"v,omitempty"`
	Hist   *histData `json:"h,omitempty"`
}

// maxTableRows bounds the rows of a table whose rows come from clients
// (topic filters, sequences); the rest are counted in More.
const maxTableRows = 100

// viewBuilder builds an adminView from gathered families.
type viewBuilder struct {
	v *adminView
	f families
}

func newViewBuilder(f families, now time.Time) *viewBuilder {
	return &viewBuilder{f: f, v: &adminView{Time: now.UnixMilli(),
		Tables: map[string]*viewTable{}, Charts: map[string]*viewChart{}}}
}

// table adds a table. A column title starting with '#' is a figure's.
func (b *viewBuilder) table(id, title, empty string, cols ...string) *viewTable {
	t := &viewTable{ID: id, Title: title, Empty: empty, Rows: []viewRow{}}
	for _, c := range cols {
		name, num := strings.CutPrefix(c, "#")
		t.Cols = append(t.Cols, viewCol{Title: name, Num: num})
	}
	b.v.Tables[id] = t
	return t
}

// chart adds a chart.
func (b *viewBuilder) chart(id, title, kind, unit string, names ...string) *viewChart {
	c := &viewChart{ID: id, Title: title, Kind: kind, Unit: unit, Names: names}
	b.v.Charts[id] = c
	return c
}

// add appends a row, or counts it in More past maxTableRows.
func (t *viewTable) add(key string, cells ...viewCell) {
	if len(t.Rows) >= maxTableRows {
		t.More++
		return
	}
	t.Rows = append(t.Rows, viewRow{Key: key, Cells: cells})
}

// kv appends a row of a name and a figure, keyed by the name.
func (t *viewTable) kv(name string, v viewCell) { t.add(name, cellText(name), v) }

func cellText(s string) viewCell { return viewCell{Text: s} }

// cellState is a cell for a state: ok, warn or bad.
func cellState(s, class string) viewCell { return viewCell{Text: s, Class: class} }

// cellNum is a cell for a count or a measure.
func cellNum(v float64) viewCell { return viewCell{Text: formatNum(v), Class: "num"} }

// cellSeconds is a cell for a duration in seconds: milliseconds below a
// second, tenths below a minute, whole seconds beyond.
func cellSeconds(v float64) viewCell {
	d := time.Duration(v * float64(time.Second))
	switch {
	case d < time.Second && d > -time.Second:
		d = d.Round(time.Millisecond)
	case d < time.Minute && d > -time.Minute:
		d = d.Round(100 * time.Millisecond)
	default:
		d = d.Round(time.Second)
	}
	return viewCell{Text: d.String(), Class: "num"}
}

func formatNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// classIf returns class when cond holds, else "ok".
func classIf(cond bool, class string) string {
	if cond {
		return class
	}
	return "ok"
}
