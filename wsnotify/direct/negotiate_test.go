package direct

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

func parseElem(t testing.TB, b []byte) (xmldoc.Element, bool) {
	doc, err := xmldoc.ParseBytes(b, xmldoc.Limits{})
	if err != nil {
		return xmldoc.Element{}, false
	}
	return doc.Root(), true
}

func sampleChannel() Channel {
	return Channel{Topic: "{urn:t}a/b", Transport: TransportMulticast, Group: netip.MustParseAddrPort("239.0.0.7:7406"), TTL: 1,
		Key: testKey, MTU: 1200, Window: 30 * time.Second, MaxRate: 10 << 20, RTT: 10 * time.Millisecond, Session: 0xab, Control: netip.MustParseAddrPort("10.9.9.9:7401"),
		Senders: []Peer{{Session: 1, Control: netip.MustParseAddrPort("10.0.0.1:7406")}, {Session: 2, Control: netip.MustParseAddrPort("10.0.0.2:7401")}}}
}

// TestNegotiation_RoundTrips: what one side writes the other reads back
// the same, for every element of the negotiation.
func TestNegotiation_RoundTrips(t *testing.T) {
	req := Request{Transports: []Transport{TransportUnicast, TransportMulticast}, Required: true, Control: netip.MustParseAddrPort("10.1.2.3:7401")}
	e, _ := parseElem(t, req.AppendXML(nil))
	if got, err := ParseRequest(e); err != nil || !reflect.DeepEqual(got, req) {
		t.Errorf("Request: got %+v, %v, want %+v", got, err, req)
	}
	for _, c := range []Channel{sampleChannel(), {Topic: "{urn:t}u", Transport: TransportUnicast, Key: testKey, MTU: 576, Window: time.Hour, MaxRate: 1, RTT: 2 * time.Millisecond}} {
		e, _ = parseElem(t, c.AppendXML(nil))
		if got, err := ParseChannel(e); err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("Channel: got %+v, %v, want %+v", got, err, c)
		}
	}
	rs := []RecoverRange{{Session: 7, Epoch: 3, From: 5, To: 9}, {Session: 8, Epoch: 1, From: 1, To: 1}}
	e, _ = parseElem(t, AppendRecover(nil, rs))
	if got, err := ParseRecover(e); err != nil || !reflect.DeepEqual(got, rs) {
		t.Errorf("Recover: got %+v, %v, want %+v", got, err, rs)
	}
	res := []RecoverResult{{RecoverRange: rs[0], Recovered: 2, Logged: 9, Complete: true}, {RecoverRange: rs[1], Pending: true}}
	e, _ = parseElem(t, AppendRecoverResponse(nil, res))
	if got, err := ParseRecoverResponse(e); err != nil || !reflect.DeepEqual(got, res) {
		t.Errorf("RecoverResponse: got %+v, %v, want %+v", got, err, res)
	}
	pos := Position{Header: Header{Session: 0x77, Epoch: 4}, Seq: 12, Frags: 3}
	e, _ = parseElem(t, AppendSeqHeader(nil, pos))
	if got, err := ParseSeqHeader(e); err != nil || got != pos {
		t.Errorf("Seq: got %+v, %v, want %+v", got, err, pos)
	}
}

// TestNegotiation_RefusesBadValues: values the engines could not take,
// or that do not mean what they say, are refused by name.
func TestNegotiation_RefusesBadValues(t *testing.T) {
	good := string(sampleChannel().AppendXML(nil))
	for _, tc := range []struct{ xml, want string }{
		{`<d:Direct xmlns:d="urn:wsgw:direct:1" transport="carrier-pigeon"/>`, "transport"},
		{`<d:Direct xmlns:d="urn:wsgw:direct:1" required="maybe"/>`, "required"},
		{`<d:Direct xmlns:d="urn:wsgw:direct:1" control="239.0.0.1"/>`, "control"},
		{strings.Replace(good, `group="239.0.0.7:7406"`, `group="10.0.0.7:7406"`, 1), "group"},
		{strings.Replace(good, `key="`, `key="AAAA`, 1), "key"},
		{strings.Replace(good, `window="PT30S"`, `window="P1Y"`, 1), "window"},
		{strings.Replace(good, `transport="multicast"`, `transport="tcp"`, 1), "transport"},
		{strings.Replace(good, `control="10.0.0.1:7406"`, `control="nowhere"`, 1), "control"},
		{`<d:Recover xmlns:d="urn:wsgw:direct:1"><d:Range session="0000000000000001" epoch="1" from="5" to="4"/></d:Recover>`, "from"},
		{`<d:Recover xmlns:d="urn:wsgw:direct:1"/>`, "no wsgwd:Range"},
	} {
		e, ok := parseElem(t, []byte(tc.xml))
		if !ok {
			t.Fatalf("%s does not parse", tc.xml)
		}
		var err error
		switch e.Name() {
		case NameDirect:
			_, err = ParseRequest(e)
		case NameChannel:
			_, err = ParseChannel(e)
		case NameRecover:
			_, err = ParseRecover(e)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error about %s", tc.xml, err, tc.want)
		}
	}
}

// FuzzNegotiation: no element makes the negotiation's parsers panic, and
// what parses writes back to what parses the same.
func FuzzNegotiation(f *testing.F) {
	f.Add(string(Request{Transports: []Transport{TransportMulticast}, Required: true}.AppendXML(nil)))
	f.Add(string(sampleChannel().AppendXML(nil)))
	f.Add(string(AppendRecover(nil, []RecoverRange{{Session: 1, Epoch: 1, From: 1, To: 3}})))
	f.Add(string(AppendRecoverResponse(nil, []RecoverResult{{RecoverRange: RecoverRange{Session: 1, Epoch: 1, From: 1, To: 3}, Recovered: 1}})))
	f.Add(string(AppendSeqHeader(nil, Position{Header: Header{Session: 1}, Seq: 1, Frags: 1})))
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := parseElem(t, []byte(s))
		if !ok {
			return
		}
		check := func(name string, v, again any, err error) {
			if err == nil && !reflect.DeepEqual(v, again) {
				t.Fatalf("%s: got %+v after a round trip, want %+v", name, again, v)
			}
		}
		if r, err := ParseRequest(e); err == nil {
			e2, _ := parseElem(t, r.AppendXML(nil))
			again, err := ParseRequest(e2)
			check("Request", r, again, err)
		}
		if c, err := ParseChannel(e); err == nil {
			e2, _ := parseElem(t, c.AppendXML(nil))
			again, err := ParseChannel(e2)
			if err != nil {
				t.Fatalf("Channel %+v written back does not parse: %v", c, err)
			}
			check("Channel", c, again, err)
		}
		if rs, err := ParseRecover(e); err == nil {
			e2, _ := parseElem(t, AppendRecover(nil, rs))
			again, err := ParseRecover(e2)
			check("Recover", rs, again, err)
		}
		ParseRecoverResponse(e) //nolint:errcheck // only: no panic
		ParseSeqHeader(e)       //nolint:errcheck // only: no panic
	})
}
