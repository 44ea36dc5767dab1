package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestProxy_WithoutNginxMeasuresWsgwAndDirectAndSaysSo(t *testing.T) {
	l := Load{Messages: 50, Size: 2048, Concurrency: 4}
	rep, err := Proxy(context.Background(), l, ProxyOptions{Nginx: filepath.Join(t.TempDir(), "no-nginx")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Nginx != nil || rep.NginxFailed || !strings.Contains(rep.NginxNote, "not installed") {
		t.Errorf("nginx side: %+v, note %q; want not measured, not installed", rep.Nginx, rep.NginxNote)
	}
	for name, res := range map[string]Result{"wsgw": rep.Wsgw, "direct": rep.Direct} {
		if res.Throughput <= 0 || res.P99 <= 0 || res.Load != l {
			t.Errorf("%s: %+v, want a measured run of %+v", name, res, l)
		}
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "nginx: not measured (nginx not installed") || strings.Contains(text.String(), "wsgw/nginx") {
		t.Errorf("text report does not say nginx was not measured:\n%s", text.String())
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["nginx"] != nil || got["ratio_wsgw_nginx"] != nil || got["direct"] == nil {
		t.Errorf("JSON report: %s", js.String())
	}
}

func TestGetQuoteEnvelope_PaddedToSize(t *testing.T) {
	for _, size := range []int{1024, 102400} {
		if got := len(getQuoteEnvelope("ACME", size)); got != size {
			t.Errorf("size %d: envelope of %d bytes", size, got)
		}
	}
}
