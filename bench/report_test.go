package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func sampleReport(withPeer bool) Report {
	l := Load{Messages: 1000, Size: 1024, Concurrency: 16}
	r := Report{Benchmark: "durable", Load: l, Wsgw: Result{
		System: "wsgw badgerq", Load: l, Elapsed: 500 * time.Millisecond, Throughput: 2000,
		P50: time.Millisecond, P99: 3 * time.Millisecond, Max: 5 * time.Millisecond, Syncs: 100,
	}}
	if withPeer {
		r.Peer = &Result{
			System: "RabbitMQ 3.10.8", Load: l, Elapsed: time.Second, Throughput: 1000,
			P50: 2 * time.Millisecond, P99: 6 * time.Millisecond, Max: 9 * time.Millisecond,
		}
	} else {
		r.PeerNote = "no --amqp URL given"
	}
	return r
}

func TestReport_Ratios(t *testing.T) {
	got, ok := sampleReport(true).Ratios()
	if !ok || math.Abs(got.Throughput-2) > 1e-9 || math.Abs(got.P99-0.5) > 1e-9 {
		t.Errorf("got %+v, %v; want throughput 2, p99 0.5, true", got, ok)
	}
	if _, ok := sampleReport(false).Ratios(); ok {
		t.Error("got ratios without a peer, want none")
	}
	r := sampleReport(true)
	r.Peer.P99 = 0
	if _, ok := r.Ratios(); ok {
		t.Error("got ratios against a zero p99, want none")
	}
}

func TestReport_WriteTextWithPeer(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport(true).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"1000 messages of 1024 bytes, 16 concurrent producers",
		"wsgw/peer",
		"peer: RabbitMQ 3.10.8",
		"100 syncs to disk, 10.0 messages per sync",
		"ratio wsgw/peer: throughput 2.00", "p99 latency 0.50",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant it to contain %q", out, want)
		}
	}
	if !hasRow(out, "throughput (msgs/s)", "2000", "1000", "2.00") || !hasRow(out, "ack latency p99 (ms)", "3.00", "6.00", "0.50") {
		t.Errorf("got\n%s\nwant throughput and p99 rows with both sides and the ratio", out)
	}
}

func TestReport_WriteTextWithoutPeer(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport(false).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "peer: not measured (no --amqp URL given)") || strings.Contains(out, "ratio") {
		t.Errorf("got\n%s\nwant the peer not measured and no ratio", out)
	}
	if !hasRow(out, "throughput (msgs/s)", "2000") {
		t.Errorf("got\n%s\nwant the wsgw throughput", out)
	}
}

// hasRow reports whether out has a line starting with label whose other
// fields are cells.
func hasRow(out, label string, cells ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, label); ok {
			return strings.Join(strings.Fields(rest), " ") == strings.Join(cells, " ")
		}
	}
	return false
}

func TestReport_WriteJSON(t *testing.T) {
	for _, withPeer := range []bool{true, false} {
		var b bytes.Buffer
		if err := sampleReport(withPeer).WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		var got jsonReport
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatalf("got %s: %v", b.String(), err)
		}
		if got.Messages != 1000 || got.Wsgw.Throughput != 2000 || got.Wsgw.P99 != 3 || got.Wsgw.Elapsed != 0.5 {
			t.Errorf("got %+v, want 1000 messages and wsgw 2000 msgs/s, p99 3ms, 0.5s", got)
		}
		switch {
		case withPeer && (got.Peer == nil || got.Ratio == nil || got.Ratio.Throughput != 2 || got.Ratio.P99 != 0.5):
			t.Errorf("got %s, want the peer and ratios 2 and 0.5", b.String())
		case !withPeer && (got.Peer != nil || got.Ratio != nil || !strings.Contains(got.PeerNote, "not measured")):
			t.Errorf("got %s, want peer and ratio null and a note", b.String())
		}
	}
}
