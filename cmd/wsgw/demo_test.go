package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/examples/demo"
	"github.com/wsgw/wsgw/internal/checkfor"
)

func startTestDemo(t *testing.T) *runningDemo {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := startDemo(ctx, demoOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Logger: log})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := d.Close(); err != nil {
			t.Errorf("closing demo: %v", err)
		}
	})
	checkfor.Until(t, 20*time.Second, func() error {
		resp, err := http.Get(d.URL + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /readyz: got %d, want 200", resp.StatusCode)
		}
		return nil
	})
	return d
}

var servedByRE = regexp.MustCompile(`<(?:\w+:)?ServedBy>([^<]*)</`)

// soapCall posts body and returns the status, content type and reply.
func soapCall(t *testing.T, url, contentType, soapAction, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if soapAction != "" {
		req.Header.Set("SOAPAction", soapAction)
	}
	return roundTrip(t, req)
}

// get GETs url and returns the status, Content-Type and body of the reply.
func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return roundTrip(t, req)
}

func roundTrip(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestDemo_GetQuoteSOAP11AndSOAP12(t *testing.T) {
	d := startTestDemo(t)
	endpoint := d.URL + "/services/StockQuote"
	cases := []struct {
		name, contentType, soapAction, body, wantType, wantEnv string
	}{
		{"soap11", "text/xml; charset=utf-8", `"urn:wsgw:examples:stockquote/GetQuote"`, demo.GetQuote11("ACME"),
			"text/xml", "http://schemas.xmlsoap.org/soap/envelope/"},
		{"soap12", `application/soap+xml; charset=utf-8; action="urn:wsgw:examples:stockquote/GetQuote"`, "", demo.GetQuote12("ACME"),
			"application/soap+xml", "http://www.w3.org/2003/05/soap-envelope"},
	}
	partitions := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 2 {
				status, ct, reply := soapCall(t, endpoint, c.contentType, c.soapAction, c.body)
				if status != http.StatusOK || !strings.HasPrefix(ct, c.wantType) {
					t.Fatalf("got %d %q, want 200 %s; reply %s", status, ct, c.wantType, reply)
				}
				if !strings.Contains(reply, c.wantEnv) || !strings.Contains(reply, "<Price>42.5</Price>") {
					t.Errorf("reply %s: want a %s envelope with Price 42.5", reply, c.wantEnv)
				}
				m := servedByRE.FindStringSubmatch(reply)
				if m == nil {
					t.Fatalf("reply %s: no ServedBy", reply)
				}
				part, _, _ := strings.Cut(m[1], "/")
				partitions[part] = true
			}
		})
	}
	if len(partitions) != 1 {
		t.Errorf("ACME served by partitions %v, want one (affinity)", partitions)
	}
}

func TestDemo_PrintedCurlWorks(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	d := startTestDemo(t)
	var out bytes.Buffer
	printDemo(&out, d)
	for _, want := range []string{d.URL + "/services/StockQuote?wsdl", d.URL + "/services/Temperature", d.URL + "/metrics", d.URL + "/readyz", "curl -sS",
		d.URL + "/wsn/NotificationBroker", d.URL + "/wsn/NotificationBroker?wsdl", d.URL + "/wsn/CreatePullPoint"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed\n%s\nwant it to contain %s", out.String(), want)
		}
	}
	var line string
	for l := range strings.Lines(out.String()) {
		if strings.HasPrefix(l, "curl ") {
			line = strings.TrimSpace(l)
		}
	}
	if line == "" {
		t.Fatalf("printed\n%s\nwant a line starting with curl", out.String())
	}
	cmd := exec.Command("sh", "-c", strings.Replace(line, "curl ", curl+" ", 1))
	reply, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(reply), "GetQuoteResponse") {
		t.Errorf("running %s: got %v %s, want a GetQuoteResponse", line, err, reply)
	}
}

func TestDemo_GetTemperature(t *testing.T) {
	d := startTestDemo(t)
	body := `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>` +
		`<t:GetTemperature xmlns:t="urn:wsgw:examples:temperature"><t:City>Oslo</t:City></t:GetTemperature></env:Body></env:Envelope>`
	status, ct, reply := soapCall(t, d.URL+"/services/Temperature", "application/soap+xml; charset=utf-8", "", body)
	if status != http.StatusOK || !strings.HasPrefix(ct, "application/soap+xml") || !strings.Contains(reply, "<Celsius>3.5</Celsius>") {
		t.Errorf("got %d %q %s, want 200 application/soap+xml with Celsius 3.5", status, ct, reply)
	}
}

func TestDemo_HostsBroker(t *testing.T) {
	d := startTestDemo(t)
	body := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
		`<wsnt:CreatePullPoint xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"/></s:Body></s:Envelope>`
	status, _, reply := soapCall(t, d.Broker.CreatePullPoint, "text/xml; charset=utf-8", `""`, body)
	if status != http.StatusOK || !strings.Contains(reply, d.URL+"/wsn/pullpoints/") {
		t.Errorf("CreatePullPoint: got %d %s, want 200 with a pull point under %s/wsn/pullpoints/", status, reply, d.URL)
	}
	if status, _, _ := get(t, d.Broker.WSDL); status != http.StatusOK {
		t.Errorf("GET %s: got %d, want 200", d.Broker.WSDL, status)
	}
}

// TestDemo_PullPointDeliveryCounted subscribes a pull point, publishes
// one message to its topic and reads the broker's metrics: the message
// stored in the pull point counts as delivered (wsgw_wsn_deliveries_total
// stayed 0 for pull points).
func TestDemo_PullPointDeliveryCounted(t *testing.T) {
	d := startTestDemo(t)
	const env = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" ` +
		`xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:tns="urn:wsgw:test:topics"><s:Body>%s</s:Body></s:Envelope>`
	call := func(url, body string) string {
		t.Helper()
		status, _, reply := soapCall(t, url, "text/xml; charset=utf-8", `""`, fmt.Sprintf(env, body))
		if status != http.StatusOK && status != http.StatusAccepted {
			t.Fatalf("POST %s: got %d %s", url, status, reply)
		}
		return reply
	}
	addrRE := regexp.MustCompile(`<wsa:Address>([^<]+)</wsa:Address>`)
	m := addrRE.FindStringSubmatch(call(d.Broker.CreatePullPoint, `<wsnt:CreatePullPoint/>`))
	if m == nil {
		t.Fatal("CreatePullPoint: no pull point address")
	}
	pp := m[1]
	call(d.Broker.Endpoint, `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>`+pp+`</wsa:Address></wsnt:ConsumerReference>`+
		`<wsnt:Filter><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:counted</wsnt:TopicExpression></wsnt:Filter></wsnt:Subscribe>`)
	before := deliveries(t, d.URL)
	call(d.Broker.Endpoint, `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:counted</wsnt:Topic>`+
		`<wsnt:Message><m xmlns="urn:wsgw:test:msg">1</m></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`)
	if got := deliveries(t, d.URL); got != before+1 {
		t.Errorf("wsgw_wsn_deliveries_total: got %v after one message into a pull point, want %v", got, before+1)
	}
	if reply := call(pp, `<wsnt:GetMessages/>`); !strings.Contains(reply, `xmlns="urn:wsgw:test:msg">1</m>`) {
		t.Errorf("GetMessages: got %s, want the message", reply)
	}
}

// deliveries reads wsgw_wsn_deliveries_total from the gateway's /metrics.
func deliveries(t *testing.T, base string) float64 {
	t.Helper()
	_, _, b := get(t, base+"/metrics")
	m := regexp.MustCompile(`(?m)^wsgw_wsn_deliveries_total (\S+)$`).FindStringSubmatch(b)
	if m == nil {
		t.Fatalf("/metrics has no wsgw_wsn_deliveries_total:\n%s", b)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
