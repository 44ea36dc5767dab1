package demo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/examples/orders"
)

func postOrders(t *testing.T, url, action, env string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(env))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+action+`"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDemo_OrdersReliable(t *testing.T) {
	d, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	url := d.URL + "/services/Orders"
	_, body := postOrders(t, url, "", orders.CreateSequence11())
	m := regexp.MustCompile(`<wsrm:Identifier>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("CreateSequence: got %s", body)
	}
	for _, n := range []int{2, 1} {
		if st, body := postOrders(t, url, orders.Namespace+"/SubmitOrder", orders.SubmitOrder11(m[1], n, "carol", []string{"", "a", "b"}[n])); st != http.StatusOK {
			t.Fatalf("message %d: got %d %s", n, st, body)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := postOrders(t, url, orders.Namespace+"/GetOrderLog", orders.GetOrderLog11("carol"))
		if strings.Contains(body, "<OrderId>a</OrderId><OrderId>b</OrderId>") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GetOrderLog: got %s, want OrderIds a, b", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
