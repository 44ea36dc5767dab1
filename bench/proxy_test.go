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

// --external: the wsgw side is a gateway the bench did not start, in
// front of a backend it did not start either.
func TestProxy_ExternalGatewayAndBackend(t *testing.T) {
	b, err := StartBackend("127.0.0.1:0", Capacity{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	gw, err := startProxyGateway(context.Background(), b.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.stop()
	l := Load{Messages: 50, Size: 1024, Concurrency: 2}
	rep, err := Proxy(context.Background(), l, ProxyOptions{External: gw.url + "/services/StockQuote", Backend: b.URL})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.External || rep.Wsgw.Throughput <= 0 || !strings.Contains(rep.Wsgw.System, "separate process") {
		t.Errorf("got external=%v %+v, want a measured external wsgw side", rep.External, rep.Wsgw)
	}
	if _, err := Proxy(context.Background(), l, ProxyOptions{External: gw.url}); err == nil {
		t.Error("--external without a backend: got no error")
	}
}
