package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteText writes one table per side, a row per step.
func (r OverloadReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	o := r.Options
	fmt.Fprintf(ew, "wsgw bench overload: backend capacity %.0f requests/s measured (%d slots of %s), "+
		"open-loop steps of %s, %d-byte GetQuote, client timeout %s\n",
		r.Capacity, o.Capacity.Slots, o.Capacity.Service, o.Step, o.Size, o.Timeout)
	sides := []*OverloadSide{&r.Wsgw}
	if r.Nginx != nil {
		sides = append(sides, r.Nginx)
	}
	for _, s := range sides {
		fmt.Fprintf(ew, "\n%s\nunloaded (1 client): p50 %s ms, p99 %s ms\n", s.System, ms(s.Unloaded.P50), ms(s.Unloaded.P99))
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "load\toffered/s\tgoodput/s\tgoodput/capacity\trefused/s\tfailed/s\tunsent\tp50 ms\tp99 ms\tp99/unloaded p99\t")
		for _, st := range s.Steps {
			secs := o.Step.Seconds()
			fmt.Fprintf(tw, "%.1fx\t%.0f\t%.0f\t%.2f\t%.0f\t%.0f\t%d\t%s\t%s\t%.1f\t\n", st.Factor, st.Offered, st.Goodput,
				st.Goodput/r.Capacity, float64(st.Refused)/secs, float64(st.Failed)/secs, st.Unsent, ms(st.P50), ms(st.P99),
				ratioOf(st.P99, s.Unloaded.P99))
		}
		tw.Flush()
	}
	if r.Nginx == nil {
		fmt.Fprintf(ew, "\nnginx: not measured (%s)\n", r.NginxNote)
	}
	fmt.Fprintln(ew, "\ngoodput: requests answered with a GetQuoteResponse per second of the step; refused: 503 "+
		"(wsgw: a Busy fault with Retry-After); failed: timeouts, errors, other statuses; latency of the answered requests only")
	return ew.err
}

func ratioOf(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

type jsonOverloadStep struct {
	Factor          float64 `json:"factor"`
	Offered         float64 `json:"offered_per_s"`
	Goodput         float64 `json:"goodput_per_s"`
	GoodputCapacity float64 `json:"goodput_over_capacity"`
	Sent            int     `json:"sent"`
	OK              int     `json:"ok"`
	Refused         int     `json:"refused"`
	Failed          int     `json:"failed"`
	Unsent          int     `json:"unsent"`
	P50ms           float64 `json:"p50_ms"`
	P99ms           float64 `json:"p99_ms"`
	P99OverUnloaded float64 `json:"p99_over_unloaded_p99"`
}

type jsonOverloadSide struct {
	System      string             `json:"system"`
	UnloadedP50 float64            `json:"unloaded_p50_ms"`
	UnloadedP99 float64            `json:"unloaded_p99_ms"`
	Steps       []jsonOverloadStep `json:"steps"`
}

// WriteJSON writes the report as one JSON object.
func (r OverloadReport) WriteJSON(w io.Writer) error {
	side := func(s OverloadSide) *jsonOverloadSide {
		js := &jsonOverloadSide{System: s.System, UnloadedP50: msf(s.Unloaded.P50), UnloadedP99: msf(s.Unloaded.P99)}
		for _, st := range s.Steps {
			js.Steps = append(js.Steps, jsonOverloadStep{Factor: st.Factor, Offered: st.Offered, Goodput: st.Goodput,
				GoodputCapacity: st.Goodput / r.Capacity, Sent: st.Sent, OK: st.OK, Refused: st.Refused, Failed: st.Failed,
				Unsent: st.Unsent, P50ms: msf(st.P50), P99ms: msf(st.P99), P99OverUnloaded: ratioOf(st.P99, s.Unloaded.P99)})
		}
		return js
	}
	out := struct {
		Benchmark string            `json:"benchmark"`
		Capacity  float64           `json:"capacity_per_s"`
		Wsgw      *jsonOverloadSide `json:"wsgw"`
		Nginx     *jsonOverloadSide `json:"nginx"`
		NginxNote string            `json:"nginx_note,omitempty"`
	}{Benchmark: "overload", Capacity: r.Capacity, Wsgw: side(r.Wsgw), NginxNote: r.NginxNote}
	if r.Nginx != nil {
		out.Nginx = side(*r.Nginx)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
