package temperature_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/examples/temperature"
)

func TestBackend_GetTemperature(t *testing.T) {
	srv := httptest.NewServer(temperature.NewBackend("r0", nil))
	defer srv.Close()
	cases := []struct {
		name, ct, env string
		city          string
		status        int
		want          string
	}{
		{"soap11", "text/xml; charset=utf-8", "http://schemas.xmlsoap.org/soap/envelope/", "Oslo", 200, "<Celsius>3.5</Celsius>"},
		{"soap12", "application/soap+xml; charset=utf-8", "http://www.w3.org/2003/05/soap-envelope", "Reykjavik", 200, "<Celsius>-1.5</Celsius>"},
		{"unknown city 1.1", "text/xml", "http://schemas.xmlsoap.org/soap/envelope/", "Atlantis", 500, "env:Client"},
		{"unknown city 1.2", "application/soap+xml", "http://www.w3.org/2003/05/soap-envelope", "Atlantis", 400, "env:Sender"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := `<e:Envelope xmlns:e="` + c.env + `"><e:Body><t:GetTemperature xmlns:t="urn:wsgw:examples:temperature"><t:City>` + c.city + `</t:City></t:GetTemperature></e:Body></e:Envelope>`
			resp, err := http.Post(srv.URL, c.ct, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.want) || !strings.Contains(string(b), c.env) {
				t.Errorf("got %d %s, want %d containing %s in a %s envelope", resp.StatusCode, b, c.status, c.want, c.env)
			}
			if got, want := resp.Header.Get("Content-Type"), strings.Split(c.ct, ";")[0]; !strings.HasPrefix(got, want) {
				t.Errorf("content type: got %q, want %q", got, want)
			}
		})
	}
}
