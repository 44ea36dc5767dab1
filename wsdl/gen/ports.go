package gen

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"go/format"
	"strings"
	"text/template"
	"unicode"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsdl"
)

// Port is one generated port constructor.
type Port struct {
	Service string // wsdl:service name
	Name    string // wsdl:port name
	Address string // soap:address / soap12:address location
	SOAP12  bool
	Func    string // New<Port>: the constructor
	Const   string // <Port>Address: the default address
	Iface   string // gowsdl's interface of the port type
	Binding string // Clark name of the binding
	Actions []Action
}

// Action is the action of one operation in a port's binding, keyed by the
// operation's body element.
type Action struct {
	Body   string // Clark name of the input body's first element
	Action string
}

// ports lists the SOAP ports of every service whose port type gowsdl
// generated, with Go names free in taken (which it extends). Ports it
// cannot offer come back as warnings.
func ports(defs *wsdl.Definitions, taken map[string]bool) ([]Port, []string) {
	var out []Port
	var warnings []string
	for _, s := range defs.Services {
		for _, p := range s.Ports {
			if p.Version == 0 || p.Binding == nil {
				warnings = append(warnings, fmt.Sprintf("port %s of service %s: not a SOAP port; no constructor", p.Name, s.Name.Local))
				continue
			}
			iface := exportedGowsdl(p.Binding.PortType.Local)
			if !taken["New"+iface] {
				warnings = append(warnings, fmt.Sprintf("port %s of service %s: gowsdl generated no New%s; no constructor", p.Name, s.Name.Local, iface))
				continue
			}
			name := freeName(goName(p.Name), taken)
			out = append(out, Port{
				Service: s.Name.Local, Name: p.Name, Address: p.Address, SOAP12: p.Version == soap.V12,
				Func: "New" + name, Const: name + "Address", Iface: iface,
				Binding: clark(p.Binding.Name), Actions: actions(p.Binding),
			})
		}
	}
	return out, warnings
}

// actions lists the binding's operations with a body element.
func actions(b *wsdl.Binding) []Action {
	var out []Action
	seen := map[string]bool{}
	for _, op := range b.Operations {
		if op.Body.Local == "" || seen[clark(op.Body)] {
			continue
		}
		seen[clark(op.Body)] = true
		out = append(out, Action{Body: clark(op.Body), Action: op.SOAPAction})
	}
	return out
}

// exportedGowsdl is gowsdl's makePublic: the first rune upper-cased.
func exportedGowsdl(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// goName makes an exported Go identifier of an NCName.
func goName(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if out == "" || !unicode.IsLetter([]rune(out)[0]) {
		out = "Port" + out
	}
	return out
}

// freeName returns base, or base with a suffix, such that New<name> and
// <name>Address are not in taken, and marks both taken.
func freeName(base string, taken map[string]bool) string {
	name := base
	for i := 1; taken["New"+name] || taken[name+"Address"]; i++ {
		name = fmt.Sprintf("%sPort%d", base, i)
	}
	taken["New"+name], taken[name+"Address"] = true, true
	return name
}

func clark(n xml.Name) string { return "{" + n.Space + "}" + n.Local }

var portsTmpl = template.Must(template.New("ports").Parse(`package {{.Package}}

import (
	"net/http"

	"github.com/hooklift/gowsdl/soap"
)
{{range .Ports}}
// {{.Const}} is the address of port {{.Name}} of service {{.Service}} in the WSDL.
const {{.Const}} = {{printf "%q" .Address}}

// {{.Func}} returns a client of port {{.Name}} of service {{.Service}}
// (SOAP {{if .SOAP12}}1.2{{else}}1.1{{end}}, binding {{.Binding}}) sending to url, or to
// {{.Const}} when url is "". hc sends the requests (nil: a client with a
// 90 s timeout); its transport is wrapped in a SOAPTransport for this port,
// which is why gowsdl's HTTP options (soap.WithHTTPClient, WithTimeout,
// WithTLS, ...) do not apply: configure hc instead.
func {{.Func}}(url string, hc *http.Client, opts ...soap.Option) {{.Iface}} {
	if url == "" {
		url = {{.Const}}
	}
	actions := map[string]string{
{{- range .Actions}}
		{{printf "%q" .Body}}: {{printf "%q" .Action}},
{{- end}}
	}
	opts = append(opts, soap.WithHTTPClient(wsgwHTTPClient(hc, {{.SOAP12}}, actions)))
	return New{{.Iface}}(soap.NewClient(url, opts...))
}
{{end}}`))

// portsFile renders the port constructors.
func portsFile(pkg, source string, ps []Port) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(generatedHeader(source))
	if err := portsTmpl.Execute(&b, struct {
		Package string
		Ports   []Port
	}{pkg, ps}); err != nil {
		return nil, fmt.Errorf("rendering port constructors: %w", err)
	}
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting port constructors: %w", err)
	}
	return out, nil
}
