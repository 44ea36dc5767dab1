package wsnotify

import (
	"context"
	"encoding/xml"
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
	const want = "NotificationBroker CreatePullPoint SubscriptionManager PullPoint PublisherRegistrationManager"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("services: got %s, want %s", got, want)
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

// TestBroker_WSDLHasAPortPerBinding checks that every binding of the
// broker's WSDL that the broker serves has a port (toolkits such as
// node-soap build clients from ports only: without one, Renew or
// GetMessages cannot be called from the WSDL), at the address where the
// broker serves it: the fixed endpoints, or the base of the addresses it
// returns in EPRs (base + id) for subscriptions, pull points and
// registrations. NotificationConsumer is bound at a consumer's address,
// not the broker's.
func TestBroker_WSDLHasAPortPerBinding(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	var doc struct {
		Bindings []struct {
			Name string `xml:"name,attr"`
		} `xml:"binding"`
		Services []struct {
			Ports []struct {
				Binding string `xml:"binding,attr"`
				Address struct {
					Location string `xml:"location,attr"`
				} `xml:"address"`
			} `xml:"port"`
		} `xml:"service"`
	}
	if err := xml.Unmarshal([]byte(getOK(t, e.base+pathBroker+"?wsdl")), &doc); err != nil {
		t.Fatal(err)
	}
	ports := map[string][]string{} // binding local name -> port addresses
	for _, s := range doc.Services {
		for _, p := range s.Ports {
			_, local, _ := strings.Cut(p.Binding, ":")
			ports[local] = append(ports[local], p.Address.Location)
		}
	}
	want := map[string]string{
		"NotificationBrokerBinding":           pathBroker,
		"CreatePullPointBinding":              pathCreatePullPoint,
		"PausableSubscriptionManagerBinding":  pathSubscriptions,
		"PullPointBinding":                    pathPullPoints,
		"PublisherRegistrationManagerBinding": pathRegistrations,
		"NotificationConsumerBinding":         "",
	}
	for _, b := range doc.Bindings {
		path, ok := want[b.Name]
		if !ok {
			t.Errorf("binding %s: not known to this test; add where the broker serves it", b.Name)
			continue
		}
		delete(want, b.Name)
		got := strings.Join(ports[b.Name], " ")
		if path == "" {
			if got != "" {
				t.Errorf("binding %s: got ports at %s, want none (a consumer's own address)", b.Name, got)
			}
			continue
		}
		if got != e.base+path {
			t.Errorf("binding %s: got ports at %q, want one at %s", b.Name, got, e.base+path)
		}
	}
	for name := range want {
		t.Errorf("binding %s: missing from the WSDL", name)
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
