package wsnotify

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/wsdl"
)

var locationRE = regexp.MustCompile(`<(?:\w+:)?(?:import|include|redefine)\s[^>]*?(?:location|schemaLocation)="([^"]*)"`)

// TestBroker_WSDLServedOffline follows every import of the broker's WSDL
// from its ?wsdl: each must be served by the broker itself.
func TestBroker_WSDLServedOffline(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	main := e.base + pathBroker + "?wsdl"
	seen := map[string]bool{}
	queue := []string{main}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		if !strings.HasPrefix(u, e.base+"/wsn/") {
			t.Errorf("a document refers to %s, outside the broker (%s/wsn/)", u, e.base)
			continue
		}
		body := getOK(t, u)
		for _, m := range locationRE.FindAllStringSubmatch(body, -1) {
			base, _ := url.Parse(u)
			ref, err := base.Parse(m[1])
			if err != nil {
				t.Errorf("%s: bad location %q", u, m[1])
				continue
			}
			queue = append(queue, ref.String())
		}
	}
	if len(seen) < 10 {
		t.Errorf("followed %d documents, want the WSDL and its 9 imports at least: %v", len(seen), seen)
	}
	if !seen[e.base+pathXMLSchema] {
		t.Errorf("xml.xsd not reached; documents: %v", seen)
	}
}

func TestBroker_WSDLLoadsOverHTTP(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	d, err := wsdl.Load(context.Background(), e.base+pathBroker+"?wsdl", wsdl.LoadOptions{})
	if err != nil {
		t.Fatalf("loading the published WSDL: %v", err)
	}
	var names []string
	for _, s := range d.Services {
		names = append(names, s.Name.Local)
	}
	if got := strings.Join(names, " "); got != "NotificationBroker CreatePullPoint" {
		t.Errorf("services: got %s, want NotificationBroker CreatePullPoint", got)
	}
	body := getOK(t, e.base+pathBroker+"?wsdl")
	for _, want := range []string{
		`location="` + e.base + pathBroker + `"`, `location="` + e.base + pathCreatePullPoint + `"`,
		`name="PausableSubscriptionManagerBinding"`, `name="SubscribeCreationFailedFault"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("?wsdl lacks %s", want)
		}
	}
}

func TestBroker_WSDLUnknownDocument(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	for _, q := range []string{"?xsd=999", "?wsdl=abc", "?other"} {
		resp, err := http.Get(e.base + pathBroker + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", q, resp.StatusCode)
		}
	}
}

func getOK(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %d, want 200", u, resp.StatusCode)
	}
	return string(b)
}
