package conformance

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// wireFault is a fault's codes as written: the SOAP 1.1 faultcode or the
// SOAP 1.2 Code/Value, and the SOAP 1.2 Subcode/Value chain.
type wireFault struct {
	version  soap.Version
	code     xml.Name
	rawCode  string
	subcodes []xml.Name
	// detailSubcodes are the wsgw:Subcode entries of a SOAP 1.1 detail.
	detailSubcodes []xml.Name
	reason         string
}

func (f wireFault) String() string {
	s := f.codeString()
	for _, sc := range append(f.subcodes, f.detailSubcodes...) {
		s += "/" + qnameString(sc)
	}
	return s
}

// codeString is the fault's code as a QName, or what stands in its place.
func (f wireFault) codeString() string {
	switch {
	case f.code.Local != "":
		return qnameString(f.code)
	case f.rawCode != "":
		return fmt.Sprintf("%q", f.rawCode)
	}
	return "(none)"
}

// describe is the fault with its reason, for diagnostics. A code that is
// missing or not a QName in scope is said so, not shown as an empty name.
func (f wireFault) describe() string {
	codeEl, reasonEl := "Code/Value", "Reason"
	if f.version == soap.V11 {
		codeEl, reasonEl = "faultcode", "faultstring"
	}
	reason := fmt.Sprintf("%s %q", reasonEl, f.reason)
	switch {
	case f.code.Local != "":
		return fmt.Sprintf("%s (%s)", f, reason)
	case f.rawCode != "":
		return fmt.Sprintf("a Fault whose %s %q is not a QName in scope (%s)", codeEl, f.rawCode, reason)
	}
	return fmt.Sprintf("a Fault without a %s (%s)", codeEl, reason)
}

func qnameString(n xml.Name) string {
	for p, ns := range BuiltinNamespaces {
		if ns == n.Space {
			return p + ":" + n.Local
		}
	}
	return "{" + n.Space + "}" + n.Local
}

// readWireFault reads the fault of m, if it carries one.
func readWireFault(m *soap.Message) (wireFault, bool) {
	p := m.Payload
	ns := m.Version.Namespace()
	if !p.Valid() || p.Name() != (xml.Name{Space: ns, Local: "Fault"}) {
		return wireFault{}, false
	}
	f := wireFault{version: m.Version}
	if sf, ok := m.Fault(); ok {
		f.reason = sf.Reason
	}
	if m.Version == soap.V11 {
		c := p.Child("", "faultcode")
		f.rawCode = strings.TrimSpace(c.Text())
		f.code, _ = c.ResolveQName(f.rawCode)
		for e := p.Child("", "detail").FirstChild(); e.Valid(); e = e.NextSibling() {
			if e.Name() == (xml.Name{Space: soap.FaultNS, Local: "Subcode"}) {
				n, _ := valueQName(e)
				f.detailSubcodes = append(f.detailSubcodes, n)
			}
		}
		return f, true
	}
	code := p.Child(ns, "Code")
	f.code, f.rawCode = valueQName(code.Child(ns, "Value"))
	for sc := code.Child(ns, "Subcode"); sc.Valid(); sc = sc.Child(ns, "Subcode") {
		n, _ := valueQName(sc.Child(ns, "Value"))
		f.subcodes = append(f.subcodes, n)
	}
	return f, true
}

func valueQName(e xmldoc.Element) (xml.Name, string) {
	if !e.Valid() {
		return xml.Name{}, ""
	}
	raw := strings.TrimSpace(e.Text())
	n, _ := e.ResolveQName(raw)
	return n, raw
}

func (k *checker) fault(e *Expect) error {
	if e.Fault == nil && !e.NoFault {
		return nil
	}
	m, err := k.message()
	if err != nil {
		return err
	}
	f, ok := readWireFault(m)
	switch {
	case e.NoFault && ok:
		return fmt.Errorf("fault: got %s, want no fault", f.describe())
	case e.NoFault:
		return nil
	case !ok:
		return fmt.Errorf("fault: got %s, want a fault", k.describe())
	}
	if len(e.Fault.Code) > 0 && !k.codeMatches(m.Version, f, e.Fault.Code) {
		return fmt.Errorf("fault code: got %s, want %s", f.describe(), strings.Join(e.Fault.Code, " or "))
	}
	return k.subcodesMatch(m.Version, f, e.Fault.Subcodes)
}

// codeMatches reports whether the fault's code is one of want. In SOAP
// 1.1, s11:X also accepts the dot notation s11:X.Something (SOAP 1.1 4.4.1).
func (k *checker) codeMatches(v soap.Version, f wireFault, want QNames) bool {
	for _, q := range want {
		n, err := k.c.ResolveQName(q)
		if err != nil {
			continue
		}
		if n == f.code {
			return true
		}
		if v == soap.V11 && n.Space == soap.NS11 && f.code.Space == soap.NS11 && strings.HasPrefix(f.code.Local, n.Local+".") {
			return true
		}
	}
	return false
}

// subcodesMatch checks the outermost subcodes. SOAP 1.1 has none: a SOAP
// 1.1 fault matches when its faultcode is the first one wanted (the rule of
// WS-Addressing 1.0 SOAP Binding 6), or when its detail lists them as
// wsgw:Subcode entries (wsgw's rendering, soap/doc.go).
func (k *checker) subcodesMatch(v soap.Version, f wireFault, want QNames) error {
	got := f.subcodes
	if v == soap.V11 {
		if len(want) > 0 {
			if n, _ := k.c.ResolveQName(want[0]); n == f.code {
				return nil
			}
		}
		got = f.detailSubcodes
	}
	for i, q := range want {
		n, _ := k.c.ResolveQName(q)
		if i >= len(got) || got[i] != n {
			return fmt.Errorf("fault subcodes: got %s, want subcode %d to be %s", f.describe(), i+1, q)
		}
	}
	return nil
}
