package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Report is a side-by-side run: the wsgw side, and the peer's when it was
// measured.
type Report struct {
	Benchmark string // e.g. "durable"
	Load      Load
	Wsgw      Result
	// Peer is nil when the peer was not measured; PeerNote says why.
	Peer     *Result
	PeerNote string
	// Notes are further lines for the reader, e.g. when a store-and-forward
	// run's deliveries completed.
	Notes []string
}

// Ratios are wsgw's figures over the peer's.
type Ratios struct {
	Throughput float64 // above 1: wsgw acknowledges more messages per second
	P99        float64 // below 1: wsgw's p99 acknowledgement latency is lower
}

// Ratios returns wsgw/peer, and false when the peer was not measured (or
// a figure of it is zero, which no real run gives).
func (r Report) Ratios() (Ratios, bool) {
	if r.Peer == nil || r.Peer.Throughput <= 0 || r.Peer.P99 <= 0 {
		return Ratios{}, false
	}
	return Ratios{
		Throughput: r.Wsgw.Throughput / r.Peer.Throughput,
		P99:        float64(r.Wsgw.P99) / float64(r.Peer.P99),
	}, true
}

// WriteText writes the report as a table with a column per side, and the
// ratios.
func (r Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "wsgw bench %s: %d messages of %d bytes, %d concurrent producers, acknowledged = on disk\n\n",
		r.Benchmark, r.Load.Messages, r.Load.Size, r.Load.Concurrency)
	ratios, ok := r.Ratios()
	tw := tabwriter.NewWriter(ew, 0, 0, 3, ' ', 0)
	row := func(name string, f func(Result) string, ratio string) {
		fmt.Fprintf(tw, "%s\t%s", name, f(r.Wsgw))
		if r.Peer != nil {
			fmt.Fprintf(tw, "\t%s\t%s", f(*r.Peer), ratio)
		}
		fmt.Fprintln(tw)
	}
	if r.Peer != nil {
		fmt.Fprintln(tw, "\twsgw\tpeer\twsgw/peer")
	} else {
		fmt.Fprintln(tw, "\twsgw")
	}
	row("throughput (msgs/s)", func(res Result) string { return fmt.Sprintf("%.0f", res.Throughput) }, ratioText(ratios.Throughput, ok))
	row("ack latency p50 (ms)", func(res Result) string { return ms(res.P50) }, "")
	row("ack latency p99 (ms)", func(res Result) string { return ms(res.P99) }, ratioText(ratios.P99, ok))
	row("ack latency max (ms)", func(res Result) string { return ms(res.Max) }, "")
	row("elapsed (s)", func(res Result) string { return fmt.Sprintf("%.2f", res.Elapsed.Seconds()) }, "")
	tw.Flush()
	fmt.Fprintf(ew, "\nwsgw: %s", r.Wsgw.System)
	if r.Wsgw.Syncs > 0 {
		fmt.Fprintf(ew, ", %d syncs to disk, %.1f messages per sync (group commit)",
			r.Wsgw.Syncs, float64(r.Load.Messages)/float64(r.Wsgw.Syncs))
	}
	fmt.Fprintln(ew)
	if r.Peer != nil {
		fmt.Fprintf(ew, "peer: %s\n", r.Peer.System)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(ew, n)
	}
	if r.Peer == nil {
		fmt.Fprintf(ew, "peer: not measured (%s)\n", r.PeerNote)
	} else {
		fmt.Fprintf(ew, "\nratio wsgw/peer: throughput %.2f (above 1: wsgw faster), p99 latency %.2f (below 1: wsgw sooner)\n",
			ratios.Throughput, ratios.P99)
	}
	return ew.err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func ratioText(v float64, ok bool) string {
	if !ok {
		return ""
	}
	return fmt.Sprintf("%.2f", v)
}

// errWriter keeps the first error of a series of writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
