package testservice

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// call is one RPC invocation (SOAP 1.2 Part 2, 4.2): op is the procedure
// element, its children the parameters.
type call struct {
	*node
	op   xmldoc.Element
	name string
}

// procedures are the RPC procedures of the test collection, 3.4.
var procedures = map[string]func(*call) error{
	"echoOk":                  echoOkBody,
	"echoString":              echoSimple("xsd:string", false),
	"echoInteger":             echoSimple("xsd:int", true),
	"echoFloat":               echoSimple("xsd:float", true),
	"echoBase64":              echoSimple("xsd:base64Binary", true),
	"echoHexBinary":           echoSimple("xsd:hexBinary", true),
	"echoDate":                echoSimple("xsd:dateTime", true),
	"echoDecimal":             echoSimple("xsd:decimal", true),
	"echoBoolean":             echoBoolean,
	"echoStringArray":         echoArray("xsd:string", "ns2:ArrayOfstring"),
	"echoIntegerArray":        echoArray("xsd:int", "ns2:ArrayOfint"),
	"echoFloatArray":          echoArray("xsd:float", "ns2:ArrayOffloat"),
	"echoStruct":              echoCopy,
	"echoStructArray":         echoCopy,
	"echoNestedStruct":        echoCopy,
	"echoNestedArray":         echoCopy,
	"echoStructAsSimpleTypes": echoStructAsSimpleTypes,
	"echoSimpleTypesAsStruct": echoSimpleTypesAsStruct,
	"countItems":              countItems,
	"isNil":                   isNil,
	"returnVoid":              void,
	"echoVoid":                void,
	"echoHeader":              echoHeader,
	"echoSenderFault":         echoFault(soap.CodeSender),
	"echoReceiverFault":       echoFault(soap.CodeReceiver),
}

// param returns the i-th parameter element (invalid when absent).
func (c *call) param(i int) xmldoc.Element {
	e := c.op.FirstChild()
	for ; i > 0 && e.Valid(); i-- {
		e = e.NextSibling()
	}
	return e
}

// named returns the parameter with local name local (invalid when absent).
func (c *call) named(local string) xmldoc.Element {
	for e := c.op.FirstChild(); e.Valid(); e = e.NextSibling() {
		if e.Name().Local == local {
			return e
		}
	}
	return xmldoc.Element{}
}

// open starts <test:nameResponse env:encodingStyle=...>; the caller writes
// the content and calls close.
func (c *call) open(rpcResult bool) *bytes.Buffer {
	b := &c.out.body
	b.WriteString(`<test:` + c.name + `Response env:encodingStyle="` + nsEnc + `">`)
	if rpcResult {
		b.WriteString(`<rpc:result>return</rpc:result>`)
	}
	return b
}

func (c *call) close() { c.out.body.WriteString(`</test:` + c.name + `Response>`) }

// ret writes a complete response whose return value is the simple v.
func (c *call) ret(xsiType string, v value) {
	b := c.open(true)
	simpleElement(b, "return", xsiType, v)
	c.close()
}

func simpleElement(b *bytes.Buffer, tag, xsiType string, v value) {
	if v.nil {
		b.WriteString(`<` + tag + ` xsi:nil="true"/>`)
		return
	}
	b.WriteString(`<` + tag + ` xsi:type="` + xsiType + `">`)
	escapeText(b, v.text)
	b.WriteString(`</` + tag + `>`)
}

func echoOkBody(c *call) error {
	textElement(&c.out.body, "test:responseOk", c.op.Text())
	return nil
}

func echoSimple(xsiType string, trim bool) func(*call) error {
	return func(c *call) error {
		v, err := c.simple(c.param(0))
		if err != nil {
			return err
		}
		if trim {
			v.text = strings.TrimSpace(v.text)
		}
		c.ret(xsiType, v)
		return nil
	}
}

func echoBoolean(c *call) error {
	v, err := c.simple(c.param(0))
	if err != nil {
		return err
	}
	switch strings.TrimSpace(v.text) {
	case "1", "true":
		v.text = "true"
	case "0", "false":
		v.text = "false"
	default:
		if !v.nil {
			return c.fault(soap.Sender("inputBoolean "+strconv.Quote(v.text)+" is not an xsd:boolean", rpcBadArguments))
		}
	}
	c.ret("xsd:boolean", v)
	return nil
}

func echoArray(itemType, arrayType string) func(*call) error {
	return func(c *call) error {
		vs, err := c.array(c.param(0))
		if err != nil {
			return err
		}
		b := c.open(true)
		b.WriteString(`<return enc:itemType="` + itemType + `" enc:arraySize="` + strconv.Itoa(len(vs)) +
			`" xsi:type="` + arrayType + `">`)
		for _, v := range vs {
			simpleElement(b, "item", itemType, v)
		}
		b.WriteString(`</return>`)
		c.close()
		return nil
	}
}

// echoCopy returns its one (compound) parameter as it came.
func echoCopy(c *call) error {
	p, err := c.resolve(c.param(0))
	if err != nil {
		return err
	}
	if !p.Valid() {
		return c.fault(soap.Sender("missing parameter", rpcBadArguments))
	}
	b := c.open(true)
	copyElement(b, p, c.out.scope(), xml.Name{Local: "return"}, "")
	c.close()
	return nil
}

func countItems(c *call) error {
	vs, err := c.array(c.param(0))
	if err != nil {
		return err
	}
	c.ret("xsd:int", value{text: strconv.Itoa(len(vs))})
	return nil
}

func isNil(c *call) error {
	v, err := c.simple(c.param(0))
	if err != nil {
		return err
	}
	c.ret("xsd:boolean", value{text: strconv.FormatBool(v.nil)})
	return nil
}

func void(c *call) error {
	c.open(false)
	c.close()
	return nil
}

// echoHeader returns the value of the requiredHeader block (T32).
func echoHeader(c *call) error {
	if c.required == nil {
		return c.fault(soap.Sender("echoHeader needs the test:requiredHeader header block"))
	}
	textElement(&c.out.body, "test:echoHeaderResponse", *c.required)
	return nil
}
