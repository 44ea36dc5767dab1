package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// ProxyReport is a proxy benchmark run: wsgw, nginx when it was measured,
// and the backend directly.
type ProxyReport struct {
	Load   Load
	Wsgw   Result
	Direct Result
	// Nginx is nil when nginx was not measured; NginxNote says why, and
	// NginxFailed is set when it was installed but failed.
	Nginx       *Result
	NginxNote   string
	NginxFailed bool
	// External is set when the wsgw side was a separately started
	// process (ProxyOptions.External).
	External bool
}

// ProxyWhatWsgwDoes is what the wsgw side does per request that nginx's
// does not: the comparison is of costs, not of equal work.
const ProxyWhatWsgwDoes = "wsgw reads every envelope under its size and depth limits " +
	"(content type, SOAP version, mustUnderstand, WS-Addressing), dispatches it to a WSDL operation, " +
	"evaluates the partition key XPath //q:Symbol and picks the partition's replica; " +
	"nginx forwards the bytes without looking at them"

// Ratios returns wsgw/nginx, and false when nginx was not measured.
func (r ProxyReport) Ratios() (Ratios, bool) {
	if r.Nginx == nil {
		return Ratios{}, false
	}
	return Report{Wsgw: r.Wsgw, Peer: r.Nginx}.Ratios()
}

// WriteText writes the report as a table with a column per side, and the
// ratios.
func (r ProxyReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "wsgw bench proxy: %d SOAP 1.1 GetQuote requests of %d bytes, %d concurrent keep-alive clients, loopback\n\n",
		r.Load.Messages, r.Load.Size, r.Load.Concurrency)
	ratios, ok := r.Ratios()
	sides := []Result{r.Wsgw}
	head := "\twsgw"
	if r.Nginx != nil {
		sides = append(sides, *r.Nginx)
		head += "\tnginx\twsgw/nginx"
	}
	sides = append(sides, r.Direct)
	head += "\tdirect"
	tw := tabwriter.NewWriter(ew, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, head)
	row := func(name string, f func(Result) string, ratio float64) {
		fmt.Fprintf(tw, "%s\t%s", name, f(sides[0]))
		if r.Nginx != nil {
			fmt.Fprintf(tw, "\t%s\t%s", f(sides[1]), ratioText(ratio, ok && ratio > 0))
		}
		fmt.Fprintf(tw, "\t%s\n", f(sides[len(sides)-1]))
	}
	p50 := 0.0
	if ok && r.Nginx.P50 > 0 {
		p50 = float64(r.Wsgw.P50) / float64(r.Nginx.P50)
	}
	row("requests/s", func(res Result) string { return fmt.Sprintf("%.0f", res.Throughput) }, ratios.Throughput)
	row("latency p50 (ms)", func(res Result) string { return ms(res.P50) }, p50)
	row("latency p99 (ms)", func(res Result) string { return ms(res.P99) }, ratios.P99)
	row("latency max (ms)", func(res Result) string { return ms(res.Max) }, 0)
	row("elapsed (s)", func(res Result) string { return fmt.Sprintf("%.2f", res.Elapsed.Seconds()) }, 0)
	tw.Flush()
	fmt.Fprintf(ew, "\nwsgw: %s\n", r.Wsgw.System)
	if r.Nginx != nil {
		fmt.Fprintf(ew, "nginx: %s\n", r.Nginx.System)
	} else {
		fmt.Fprintf(ew, "nginx: not measured (%s)\n", r.NginxNote)
	}
	fmt.Fprintf(ew, "direct: %s\n", r.Direct.System)
	shared := "clients, backend and wsgw share this process"
	if r.External {
		shared = "wsgw ran in its own process; clients here"
	}
	fmt.Fprintf(ew, "every side: %d unmeasured warm-up requests first; %s\n", max(proxyWarmup, r.Load.Concurrency), shared)
	fmt.Fprintf(ew, "not equal work: %s\n", ProxyWhatWsgwDoes)
	if ok {
		fmt.Fprintf(ew, "\nratio wsgw/nginx: throughput %.2f (above 1: wsgw faster), p50 latency %.2f, p99 latency %.2f (below 1: wsgw sooner)\n",
			ratios.Throughput, p50, ratios.P99)
	}
	return ew.err
}

type jsonProxyReport struct {
	Benchmark   string      `json:"benchmark"`
	Requests    int         `json:"requests"`
	Size        int         `json:"size"`
	Concurrency int         `json:"concurrency"`
	Wsgw        jsonResult  `json:"wsgw"`
	Nginx       *jsonResult `json:"nginx"` // null: not measured
	NginxNote   string      `json:"nginx_note,omitempty"`
	Direct      jsonResult  `json:"direct"`
	Ratio       *jsonRatio  `json:"ratio_wsgw_nginx"` // null without nginx
	NotEqual    string      `json:"not_equal_work"`
}

// WriteJSON writes the report as one JSON object (msgs_per_s are
// requests per second).
func (r ProxyReport) WriteJSON(w io.Writer) error {
	out := jsonProxyReport{
		Benchmark: "proxy", Requests: r.Load.Messages, Size: r.Load.Size, Concurrency: r.Load.Concurrency,
		Wsgw: toJSONResult(r.Wsgw), Direct: toJSONResult(r.Direct), NotEqual: ProxyWhatWsgwDoes,
	}
	if r.Nginx != nil {
		n := toJSONResult(*r.Nginx)
		out.Nginx = &n
	} else {
		out.NginxNote = "not measured: " + r.NginxNote
	}
	if ratios, ok := r.Ratios(); ok {
		out.Ratio = &jsonRatio{Throughput: ratios.Throughput, P99: ratios.P99}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
