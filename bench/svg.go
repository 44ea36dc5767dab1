package bench

import (
	"fmt"
	"html"
	"io"
	"math"
)

// A small SVG line-chart writer for the benchmarks' plots: charts side by
// side, a log2 x axis (offered load as a multiple of capacity), a linear
// or log10 y axis, a line per system and dashed reference lines (goals).
// No dependency: the plot is text, written by the bench itself.

type plotSeries struct {
	name, color string
	xs, ys      []float64
}

type plotRef struct {
	label string
	y     float64
}

type plotChart struct {
	title, ylabel string
	logY          bool
	series        []plotSeries
	refs          []plotRef
}

const (
	chartW, chartH         = 460.0, 320.0
	padL, padR, padT, padB = 62.0, 16.0, 36.0, 48.0
)

// writeSVG writes charts side by side, with title above them.
func writeSVG(w io.Writer, title string, charts []plotChart) error {
	ew := &errWriter{w: w}
	width := chartW * float64(len(charts))
	fmt.Fprintf(ew, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n",
		width, chartH+30)
	fmt.Fprintf(ew, `<rect width="100%%" height="100%%" fill="white"/><text x="%.0f" y="18" text-anchor="middle" font-size="14">%s</text>`+"\n",
		width/2, html.EscapeString(title))
	for i, c := range charts {
		writeChart(ew, c, float64(i)*chartW, 30)
	}
	fmt.Fprintln(ew, "</svg>")
	return ew.err
}

func writeChart(w io.Writer, c plotChart, ox, oy float64) {
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, s := range c.series {
		for i := range s.xs {
			if c.logY && s.ys[i] <= 0 {
				continue
			}
			xmin, xmax = math.Min(xmin, s.xs[i]), math.Max(xmax, s.xs[i])
			ymin, ymax = math.Min(ymin, s.ys[i]), math.Max(ymax, s.ys[i])
		}
	}
	for _, r := range c.refs {
		ymin, ymax = math.Min(ymin, r.y), math.Max(ymax, r.y)
	}
	if math.IsInf(xmin, 0) {
		return
	}
	lx := func(x float64) float64 { return math.Log2(x) }
	ly := func(y float64) float64 {
		if c.logY {
			return math.Log10(y)
		}
		return y
	}
	if !c.logY {
		ymin = 0
		ymax *= 1.1
	} else {
		ymin, ymax = math.Pow(10, math.Floor(math.Log10(ymin))), math.Pow(10, math.Ceil(math.Log10(ymax)))
	}
	x0, x1 := lx(xmin), lx(xmax)
	if x1 == x0 {
		x1 = x0 + 1
	}
	y0, y1 := ly(ymin), ly(ymax)
	if y1 == y0 {
		y1 = y0 + 1
	}
	px := func(x float64) float64 { return ox + padL + (lx(x)-x0)/(x1-x0)*(chartW-padL-padR) }
	py := func(y float64) float64 { return oy + chartH - padB - (ly(y)-y0)/(y1-y0)*(chartH-padT-padB) }
	fmt.Fprintf(w, `<text x="%.0f" y="%.0f" text-anchor="middle" font-size="13">%s</text>`+"\n",
		ox+chartW/2, oy+20, html.EscapeString(c.title))
	fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>`+"\n",
		ox+padL, oy+padT, chartW-padL-padR, chartH-padT-padB)
	// x ticks at the series' points.
	for _, x := range c.series[0].xs {
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%gx</text>`+"\n", px(x), oy+chartH-padB+16, x)
	}
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">offered load (x capacity)</text>`+"\n",
		ox+padL+(chartW-padL-padR)/2, oy+chartH-12)
	// y ticks: 5 linear, or each decade.
	var yt []float64
	if c.logY {
		for v := ymin; v <= ymax*1.0001; v *= 10 {
			yt = append(yt, v)
		}
	} else {
		for i := 0; i <= 5; i++ {
			yt = append(yt, ymin+(ymax-ymin)*float64(i)/5)
		}
	}
	for _, v := range yt {
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n",
			ox+padL, ox+chartW-padR, py(v), py(v), ox+padL-4, py(v)+4, tick(v))
	}
	fmt.Fprintf(w, `<text transform="translate(%.1f,%.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n",
		ox+14, oy+padT+(chartH-padT-padB)/2, html.EscapeString(c.ylabel))
	for _, r := range c.refs {
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#2a2" stroke-dasharray="5,4"/>`+
			`<text x="%.1f" y="%.1f" fill="#2a2" text-anchor="end">%s</text>`+"\n",
			ox+padL, ox+chartW-padR, py(r.y), py(r.y), ox+chartW-padR-2, py(r.y)-4, html.EscapeString(r.label))
	}
	for k, s := range c.series {
		pts := ""
		for i := range s.xs {
			if c.logY && s.ys[i] <= 0 {
				continue
			}
			pts += fmt.Sprintf("%.1f,%.1f ", px(s.xs[i]), py(s.ys[i]))
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px(s.xs[i]), py(s.ys[i]), s.color)
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", pts, s.color)
		fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="12" height="3" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`+"\n",
			ox+padL+8, oy+padT+10+float64(k)*16, s.color, ox+padL+24, oy+padT+14+float64(k)*16, html.EscapeString(s.name))
	}
}

func tick(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.3g", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// WriteSVG plots goodput over capacity and the p99 of answered requests
// against the offered load, wsgw and nginx side by side, with the goals
// (goodput 0.9 of capacity; p99 within 3x wsgw's unloaded p99) dashed.
func (r OverloadReport) WriteSVG(w io.Writer) error {
	goodput := plotChart{title: "goodput / backend capacity", ylabel: "goodput / capacity",
		refs: []plotRef{{label: "goal 0.9", y: 0.9}}}
	p99 := plotChart{title: "p99 latency of answered requests", ylabel: "p99 (ms, log scale)", logY: true}
	if r.Wsgw.Unloaded.P99 > 0 {
		p99.refs = append(p99.refs, plotRef{label: "3x wsgw unloaded p99", y: 3 * msf(r.Wsgw.Unloaded.P99)})
	}
	add := func(name, color string, s OverloadSide) {
		g := plotSeries{name: name, color: color}
		l := plotSeries{name: name, color: color}
		for _, st := range s.Steps {
			g.xs, g.ys = append(g.xs, st.Factor), append(g.ys, st.Goodput/r.Capacity)
			l.xs, l.ys = append(l.xs, st.Factor), append(l.ys, msf(st.P99))
		}
		goodput.series = append(goodput.series, g)
		p99.series = append(p99.series, l)
	}
	add("wsgw", "#1f60c4", r.Wsgw)
	if r.Nginx != nil {
		add("nginx", "#e07b00", *r.Nginx)
	}
	title := fmt.Sprintf("wsgw bench overload: backend of %d slots x %s (%.0f req/s), open loop",
		r.Options.Capacity.Slots, r.Options.Capacity.Service, r.Capacity)
	return writeSVG(w, title, []plotChart{goodput, p99})
}
