package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/examples/orders"
	"github.com/wsgw/wsgw/internal/checkfor"
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
	checkfor.Until(t, 10*time.Second, func() error {
		_, body := postOrders(t, url, orders.Namespace+"/GetOrderLog", orders.GetOrderLog11("carol"))
		if !strings.Contains(body, "<OrderId>a</OrderId><OrderId>b</OrderId>") {
			return fmt.Errorf("GetOrderLog: got %s, want OrderIds a, b", body)
		}
		return nil
	})
}
