package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A short overload run: every step offered and counted, each request
// answered, refused or failed, and a plot that is well-formed SVG with a
// line per measured side.
func TestOverload_TinyRunWritesReportAndPlot(t *testing.T) {
	rep, err := Overload(context.Background(), OverloadOptions{
		Capacity: Capacity{Slots: 2, Service: 2 * time.Millisecond},
		Steps:    []float64{0.5, 2}, Step: 300 * time.Millisecond,
		Nginx: filepath.Join(t.TempDir(), "no-nginx"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Capacity <= 0 || rep.Nginx != nil || !strings.Contains(rep.NginxNote, "not installed") {
		t.Fatalf("got capacity %.0f, nginx %+v (%s); want a measured capacity and nginx not measured", rep.Capacity, rep.Nginx, rep.NginxNote)
	}
	if len(rep.Wsgw.Steps) != 2 || rep.Wsgw.Unloaded.P99 <= 0 {
		t.Fatalf("got %d steps, unloaded p99 %v; want 2 steps and a measured unloaded run", len(rep.Wsgw.Steps), rep.Wsgw.Unloaded.P99)
	}
	for _, st := range rep.Wsgw.Steps {
		if st.Sent+st.Unsent == 0 || st.OK+st.Refused+st.Failed != st.Sent || st.OK == 0 {
			t.Errorf("step %.1fx: %+v; want requests sent, each counted once, some answered", st.Factor, st)
		}
	}
	var svg bytes.Buffer
	if err := rep.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&svg)
	lines := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
		}
	}
	if lines != 2 { // goodput and p99, wsgw only
		t.Errorf("got %d lines in the plot, want 2 (goodput and p99 of wsgw)", lines)
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Wsgw struct {
			Steps []map[string]any `json:"steps"`
		} `json:"wsgw"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil || len(got.Wsgw.Steps) != 2 {
		t.Errorf("JSON report (%v): %s", err, js.String())
	}
}

// A short slow-body run: the other clients are measured alone and under
// an attack whose connections the gateway accepted.
func TestSlowBody_TinyRun(t *testing.T) {
	rep, err := SlowBody(context.Background(), SlowBodyOptions{
		Load: Load{Messages: 100, Size: 1024, Concurrency: 4}, Attacks: []int{16}, Gap: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Baseline.P99 <= 0 || len(rep.Steps) != 1 || rep.Steps[0].Result.P99 <= 0 || rep.Steps[0].Opened < 16 {
		t.Fatalf("got %+v, want a baseline and one step under 16 slow connections", rep)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil || !strings.Contains(text.String(), "p99/p99 alone") {
		t.Errorf("text report (%v):\n%s", err, text.String())
	}
}
