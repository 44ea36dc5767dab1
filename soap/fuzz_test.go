package soap

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// fuzzSeeds adds the inline envelopes and the conformance envelopes as
// seeds.
func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		env11 + `<s:Body/></s:Envelope>`,
		env12 + `<e:Header><h:A xmlns:h="urn:h" e:mustUnderstand="true" e:role="urn:r"/></e:Header><e:Body><p:Op xmlns:p="urn:p"/></e:Body></e:Envelope>`,
		env12 + `<e:Header xmlns:w="http://www.w3.org/2005/08/addressing"><w:To>a</w:To><w:Action>b</w:Action>` +
			`<w:ReplyTo><w:Address>c</w:Address><w:ReferenceParameters><x:K xmlns:x="urn:x"/></w:ReferenceParameters></w:ReplyTo></e:Header><e:Body/></e:Envelope>`,
		`<!DOCTYPE x>` + env12 + `<e:Body/></e:Envelope>`,
		`<e:Envelope xmlns:e="urn:wrong"><e:Body/></e:Envelope>`,
	} {
		f.Add([]byte(s))
	}
	for _, glob := range []string{
		"soap11-envelope-tests/zsi-2.1-a1/extracted/*.xml",
		"ws-addressing/axis2-addressing-test-resources/*/*/*.xml",
	} {
		files, _ := filepath.Glob(filepath.Join(material, glob))
		if len(files) == 0 {
			f.Fatalf("no seeds in %s", filepath.Join(material, glob))
		}
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// checkFaultErr fails unless err is nil or a *Fault whose envelopes are
// well-formed in both versions.
func checkFaultErr(t *testing.T, err error) {
	if err == nil {
		return
	}
	var fault *Fault
	if !errors.As(err, &fault) {
		t.Fatalf("got error %T %v, want a *Fault", err, err)
	}
	checkWellFormed(t, "fault 1.1", fault.Marshal(V11))
	checkWellFormed(t, "fault 1.2", fault.Marshal(V12))
}

var fuzzLimits = xmldoc.Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxElements: 10000}

func FuzzReadMessage(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadMessage(bytes.NewReader(b), fuzzLimits)
		checkFaultErr(t, err)
		if err != nil {
			return
		}
		checkFaultErr(t, m.CheckMustUnderstand(true, noneUnderstood, "urn:r"))
		if f, ok := m.Fault(); ok {
			checkWellFormed(t, "re-marshalled fault", f.Marshal(m.Version))
		}
	})
}

func FuzzReadAddressing(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadMessageBytes(b, fuzzLimits)
		checkFaultErr(t, err)
		if err != nil {
			return
		}
		_, err = ReadAddressing(m)
		checkFaultErr(t, err)
	})
}

// FuzzParseContentType feeds Content-Type and SOAPAction values (a second
// SOAPAction line when soapAction2 is not empty) to ParseContentType: no
// input may panic, every error is a *Fault, and an accepted request names
// a SOAP version and, with a repeated field or parameter, is never
// accepted.
func FuzzParseContentType(f *testing.F) {
	for _, s := range [][3]string{
		{"text/xml; charset=utf-8", `"urn:a"`, ""},
		{`application/soap+xml; charset=utf-8; action="urn:b"`, "", ""},
		{"application/soap+xml;action=urn:c;x=a:b", "", ""},
		{"application/soap+xml; action=urn:get; action=urn:set", "", ""},
		{"text/xml", `"urn:get"`, `"urn:set"`},
		{"Text/XML; CHARSET=\"UTF-8\"", `urn:x`, ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, ct, soapAction, soapAction2 string) {
		h := http.Header{"Content-Type": {ct}, "Soapaction": {soapAction}}
		if soapAction2 != "" {
			h["Soapaction"] = append(h["Soapaction"], soapAction2)
		}
		v, _, err := ParseContentType(h)
		if err != nil {
			checkFaultErr(t, err)
			return
		}
		if v != V11 && v != V12 {
			t.Fatalf("accepted %q with version %v", ct, v)
		}
		if v == V11 && soapAction2 != "" {
			t.Fatalf("accepted two SOAPAction fields %q, %q", soapAction, soapAction2)
		}
		if _, params, err := mime.ParseMediaType(ct); err == nil && len(params) > 0 {
			return // a strict parse: mime refuses repeats itself
		}
		seen := map[string]bool{}
		for _, p := range strings.Split(ct, ";")[1:] {
			k, _, ok := strings.Cut(p, "=")
			if k = strings.ToLower(strings.TrimSpace(k)); ok && k != "" {
				if seen[k] {
					t.Fatalf("accepted %q, which repeats parameter %s", ct, k)
				}
				seen[k] = true
			}
		}
	})
}
