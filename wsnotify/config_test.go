package wsnotify

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

func TestConfig_ValidateReportsFieldPaths(t *testing.T) {
	err := Config{
		PublicURL:          "ftp://x",
		DefaultTermination: 2 * time.Hour, MaxTermination: time.Hour,
		Topics: TopicsConfig{Fixed: true, Topics: []string{"{urn:x}a/b", "{urn:x", "{urn:x}1bad"}},
		Egress: egress.Config{CIDRs: []string{"nope"}},
	}.Validate()
	var got []string
	for _, e := range fielderr.All(err) {
		got = append(got, e.Field())
	}
	if want := []string{"PublicURL", "Topics.Topics[1]", "Topics.Topics[2]", "DefaultTermination", "Egress.CIDRs[0]"}; !slices.Equal(got, want) {
		t.Errorf("Validate() fields: got %q, want %q\n(%v)", got, want, err)
	}
	if err := (Config{PublicURL: "https://gw.example.com/"}).Validate(); err != nil {
		t.Errorf("minimal config: Validate() = %v, want nil", err)
	}
}

func TestParseTermination(t *testing.T) {
	now := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-02-01T00:00:00Z", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
		{" 2026-02-01T00:00:00.5+01:00 ", time.Date(2026, 1, 31, 23, 0, 0, 5e8, time.UTC)},
		{"2026-02-01T00:00:00", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"PT1H", now.Add(time.Hour)},
		{"PT1.5S", now.Add(1500 * time.Millisecond)},
		{"P1DT2H3M4S", now.Add(26*time.Hour + 3*time.Minute + 4*time.Second)},
		{"P1Y2M", time.Date(2027, 3, 31, 12, 0, 0, 0, time.UTC)},
		{"-PT10M", now.Add(-10 * time.Minute)},
	}
	for _, tt := range tests {
		got, err := parseTermination(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTermination(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "P1H", "PT1D", "P-1D", "P1.5D", "PM1", "tomorrow", "P1S"} {
		if _, err := parseTermination(bad, now); err == nil {
			t.Errorf("parseTermination(%q) = nil error, want one", bad)
		}
	}
}

func TestBroker_WSDLHasOwnAddress(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	resp, err := http.Get(e.base + pathBroker + "?wsdl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	body := b.String()
	if resp.StatusCode != 200 || !strings.Contains(body, `<soap:address location="`+e.base+pathBroker+`"/>`) {
		t.Fatalf("?wsdl: HTTP %d, want the broker's address\n%s", resp.StatusCode, body)
	}
	if _, err := xmldoc.ParseBytes([]byte(body), xmldoc.Limits{}); err != nil {
		t.Fatalf("WSDL not well-formed: %v", err)
	}
	for _, f := range []string{"SubscribeCreationFailedFault", "MultipleTopicsSpecifiedFault", "PublisherRegistrationFailedFault"} {
		if !strings.Contains(body, `name="`+f+`"`) {
			t.Errorf("WSDL binding lacks fault %s", f)
		}
	}
}

func TestConfig_MaxAttemptsWithinItsLimit(t *testing.T) {
	for _, tc := range []struct {
		d    DurableConfig
		want []string
	}{
		{DurableConfig{MaxAttempts: 1001}, []string{"Durable.MaxAttempts"}},
		{DurableConfig{MaxAttempts: 20, MaxAttemptsLimit: 10}, []string{"Durable.MaxAttempts"}},
		{DurableConfig{MaxAttemptsLimit: -1}, []string{"Durable.MaxAttemptsLimit"}},
		{DurableConfig{MaxAttempts: 1000}, nil},
	} {
		var got []string
		for _, e := range fielderr.All(Config{PublicURL: "https://gw.example.com/", Durable: tc.d}.Validate()) {
			got = append(got, e.Field())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got fields %q, want %q", tc.d, got, tc.want)
		}
	}
}
