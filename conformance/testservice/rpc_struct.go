package testservice

import (
	"bytes"

	"github.com/wsgw/wsgw/soap"
)

// structFields are the members of ts-tests/xsd:SOAPStruct with their types.
var structFields = []struct{ in, out, typ string }{
	{"String", "varString", "xsd:string"},
	{"Int", "varInt", "xsd:int"},
	{"Float", "varFloat", "xsd:float"},
}

// echoStructAsSimpleTypes returns the members of a SOAPStruct as the out
// parameters outputString, outputInteger, outputFloat (T43).
func echoStructAsSimpleTypes(c *call) error {
	s, err := c.resolve(c.param(0))
	if err != nil {
		return err
	}
	outs := []string{"outputString", "outputInteger", "outputFloat"}
	b := c.open(false)
	for i, f := range structFields {
		v, err := c.simple(s.Child("", f.out))
		if err != nil {
			return err
		}
		simpleElement(b, outs[i], f.typ, v)
	}
	c.close()
	return nil
}

// echoSimpleTypesAsStruct returns inputString, inputInt, inputFloat as a
// SOAPStruct (T44).
func echoSimpleTypesAsStruct(c *call) error {
	b := c.open(true)
	b.WriteString(`<return xsi:type="ns2:SOAPStruct">`)
	for _, f := range structFields {
		v, err := c.simple(c.named("input" + f.in))
		if err != nil {
			return err
		}
		simpleElement(b, f.out, f.typ, v)
	}
	b.WriteString(`</return>`)
	c.close()
	return nil
}

// echoFault answers with a fault of the given code whose Reason is the
// input string and whose Detail carries it too.
func echoFault(code soap.Code) func(*call) error {
	return func(c *call) error {
		v, err := c.simple(c.param(0))
		if err != nil {
			return err
		}
		f := &soap.Fault{Code: code, Reason: v.text}
		var d bytes.Buffer
		d.WriteString(`<test:` + c.name + `Detail xmlns:test="` + nsTest + `">`)
		escapeText(&d, v.text)
		d.WriteString(`</test:` + c.name + `Detail>`)
		f.Detail = d.Bytes()
		return c.fault(f)
	}
}
