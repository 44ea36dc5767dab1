package bench

import (
	"encoding/json"
	"io"
	"time"
)

// jsonReport is the --json form of a Report. Latencies are in
// milliseconds, elapsed time in seconds.
type jsonReport struct {
	Benchmark   string      `json:"benchmark"`
	Messages    int         `json:"messages"`
	Size        int         `json:"size"`
	Concurrency int         `json:"concurrency"`
	Wsgw        jsonResult  `json:"wsgw"`
	Peer        *jsonResult `json:"peer"` // null: not measured
	PeerNote    string      `json:"peer_note,omitempty"`
	Ratio       *jsonRatio  `json:"ratio"` // wsgw/peer; null without a peer
	Notes       []string    `json:"notes,omitempty"`
}

type jsonResult struct {
	System     string  `json:"system"`
	Throughput float64 `json:"msgs_per_s"`
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	Elapsed    float64 `json:"elapsed_s"`
	Syncs      uint64  `json:"syncs,omitempty"`
}

type jsonRatio struct {
	Throughput float64 `json:"throughput"`
	P99        float64 `json:"p99_latency"`
}

func toJSONResult(r Result) jsonResult {
	msf := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return jsonResult{
		System: r.System, Throughput: r.Throughput,
		P50: msf(r.P50), P99: msf(r.P99), Max: msf(r.Max),
		Elapsed: r.Elapsed.Seconds(), Syncs: r.Syncs,
	}
}

// WriteJSON writes the report as one JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	out := jsonReport{
		Benchmark: r.Benchmark, Messages: r.Load.Messages, Size: r.Load.Size,
		Concurrency: r.Load.Concurrency, Wsgw: toJSONResult(r.Wsgw), Notes: r.Notes,
	}
	if r.Peer != nil {
		p := toJSONResult(*r.Peer)
		out.Peer = &p
	} else {
		out.PeerNote = "not measured: " + r.PeerNote
	}
	if ratios, ok := r.Ratios(); ok {
		out.Ratio = &jsonRatio{Throughput: ratios.Throughput, P99: ratios.P99}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
