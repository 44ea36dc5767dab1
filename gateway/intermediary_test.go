package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/gateway/cluster"
)

// The gateway is a SOAP intermediary of forwarded services: blocks for
// the ultimate receiver and for roles it does not play reach the backend,
// mustUnderstand or not; a block for role next is removed unless relayed
// (SOAP 1.2 Part 1, 2.7.2) or let through by UnderstoodHeaders.
func TestGateway_ForwardsAsIntermediary(t *testing.T) {
	b := newBackend(t, "p0/r0")
	svc := quoteService("StockQuote", partitionOf(b))
	svc.UnderstoodHeaders = []string{"{urn:x}Known"}
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	const next12 = `soap:role="http://www.w3.org/2003/05/soap-envelope/role/next"`
	for _, tc := range []struct {
		v          soapVersion
		kept, gone []string
	}{
		{v12,
			[]string{
				`<x:ForBackend xmlns:x="urn:x" soap:mustUnderstand="true">1</x:ForBackend>`,
				`<x:Relayed xmlns:x="urn:x" ` + next12 + ` soap:relay="true">3</x:Relayed>`,
				`<x:Other xmlns:x="urn:x" soap:role="urn:some-role" soap:mustUnderstand="true">4</x:Other>`,
				`<x:Known xmlns:x="urn:x" ` + next12 + ` soap:mustUnderstand="true">5</x:Known>`,
			},
			[]string{`<x:NextOnly xmlns:x="urn:x" ` + next12 + `>2</x:NextOnly>`}},
		{v11,
			[]string{`<x:ForBackend xmlns:x="urn:x" soap:mustUnderstand="1">1</x:ForBackend>`},
			[]string{`<x:NextOnly xmlns:x="urn:x" soap:actor="http://schemas.xmlsoap.org/soap/actor/next">2</x:NextOnly>`}},
	} {
		hdr := tc.kept[0] + strings.Join(tc.gone, "") + strings.Join(tc.kept[1:], "")
		r := post(t, g.url+"/services/StockQuote", tc.v, "GetQuote", envelope(tc.v, hdr, getQuote("ACME")))
		if r.status != http.StatusOK {
			t.Fatalf("%s: got %d, want 200:\n%s", tc.v, r.status, r.body)
		}
		got := b.lastBody()
		for _, h := range tc.kept {
			if !strings.Contains(got, h) {
				t.Errorf("%s: backend got\n%s\nwant it to hold %s", tc.v, got, h)
			}
		}
		for _, h := range tc.gone {
			if strings.Contains(got, h) {
				t.Errorf("%s: backend got\n%s\nwant %s removed", tc.v, got, h)
			}
		}
	}
}

// A client's Idempotency-Key header makes net/http deem a POST replayable
// and resend it when a reused connection breaks; the gateway sends a
// non-idempotent operation once all the same.
func TestGateway_IdempotencyKeyDoesNotReplay(t *testing.T) {
	b := newBackend(t, "p0/r0")
	svc := quoteService("StockQuote", partitionOf(b))
	svc.Cluster.Health = cluster.HealthConfig{}
	svc.Retries = -1
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	url := g.url + "/services/StockQuote"
	// A first call leaves a keep-alive connection to the backend.
	if r := post(t, url, v11, "GetQuote", envelope(v11, "", getQuote("KEEP"))); r.status != http.StatusOK {
		t.Fatalf("GetQuote: got %d, want 200", r.status)
	}
	b.drop.Store(true) // the backend reads the next request, then hangs up
	h := http.Header{}
	h.Set("Content-Type", "text/xml; charset=utf-8")
	h.Set("SOAPAction", `"`+quoteNS+`/SetQuote"`)
	h.Set("Idempotency-Key", "k-1")
	r := do(t, http.MethodPost, url, h, envelope(v11, "", setQuote("ONCE")))
	if !hasSubcode(r.body, "OutcomeUnknown") {
		t.Errorf("got %d, want an OutcomeUnknown fault:\n%s", r.status, r.body)
	}
	if n := b.setCount("ONCE"); n != 1 {
		t.Errorf("got %d calls at the backend, want exactly 1", n)
	}
}

// Under Unmatched "forward" a request that names no operation of the WSDL
// (here a Body with no element, header blocks only) goes to the backend;
// under the default it is refused. Keys that name different operations
// are refused either way.
func TestGateway_UnmatchedPolicy(t *testing.T) {
	b := newBackend(t, "p0/r0")
	strict := quoteService("Strict", partitionOf(b))
	lax := quoteService("Lax", partitionOf(b))
	lax.Unmatched = UnmatchedForward
	lax.Key.Missing = MissingAny
	g := startGateway(t, Config{Services: []ServiceConfig{strict, lax}})
	empty := envelope(v12, `<x:Ping xmlns:x="urn:x"/>`, "")
	if r := post(t, g.url+"/services/Strict", v12, "", empty); !hasSubcode(r.body, "OperationNotFound") {
		t.Errorf("reject: got %d, want an OperationNotFound fault:\n%s", r.status, r.body)
	}
	before := b.calls.Load()
	post(t, g.url+"/services/Lax", v12, "", empty) // the test backend refuses it; what counts is that it got it
	if got := b.calls.Load() - before; got != 1 {
		t.Errorf("forward: got %d calls at the backend, want 1", got)
	}
	mismatch := post(t, g.url+"/services/Lax", v12, "SetQuote", envelope(v12, "", getQuote("X")))
	if !hasSubcode(mismatch.body, "OperationNotFound") {
		t.Errorf("forward, SetQuote action with a GetQuote body: got %d, want an OperationNotFound fault:\n%s", mismatch.status, mismatch.body)
	}
}

// A fault about a request whose [fault endpoint] is none is not sent
// (WS-Addressing 1.0 Core 3.4): 202 and no body.
func TestGateway_FaultToNoneNotSent(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	const wsa = `xmlns:wsa="http://www.w3.org/2005/08/addressing"`
	hdr := `<wsa:Action ` + wsa + `>urn:wsgw:test:quote/Nothing</wsa:Action>` +
		`<wsa:MessageID ` + wsa + `>urn:uuid:1</wsa:MessageID>` +
		`<wsa:FaultTo ` + wsa + `><wsa:Address>http://www.w3.org/2005/08/addressing/none</wsa:Address></wsa:FaultTo>`
	r := post(t, g.url+"/services/StockQuote", v12, "", envelope(v12, hdr, getQuote("ACME")))
	if r.status != http.StatusAccepted || r.body != "" {
		t.Errorf("FaultTo none: got %d %q, want 202 and no body", r.status, r.body)
	}
	// Without a FaultTo the fault goes to ReplyTo; none there too.
	hdr = strings.Replace(hdr, "FaultTo", "ReplyTo", 2)
	r = post(t, g.url+"/services/StockQuote", v12, "", envelope(v12, hdr, getQuote("ACME")))
	if r.status != http.StatusAccepted || r.body != "" {
		t.Errorf("no FaultTo, ReplyTo none: got %d %q, want 202 and no body", r.status, r.body)
	}
}
