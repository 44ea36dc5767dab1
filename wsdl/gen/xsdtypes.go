package gen

import (
	"fmt"
	"go/format"
	"strings"
)

// xsdBuiltin is an XML Schema 1.0 built-in datatype that gowsdl v0.5.0
// does not map to a Go type: for those it writes the type's name, made
// public (positiveInteger -> *PositiveInteger), and declares nothing, so
// its output does not compile. gen declares the ones the generated code
// uses, in wsgw_xsd.go.
type xsdBuiltin struct {
	XSD     string // the datatype's name in XML Schema
	Go      string // the underlying Go type gen declares
	Section string // XML Schema Part 2 section defining it
}

// unmappedBuiltins are the built-in datatypes of XML Schema Part 2
// (primitive, 3.2, and derived, 3.3; with anySimpleType) that are absent
// from gowsdl v0.5.0's xsd2GoTypes, keyed by the Go name gowsdl writes for
// them. The ones gowsdl maps (string, token, float, double, decimal,
// integer, int, short, byte, long, boolean, dateTime, date, time,
// base64Binary, hexBinary, unsigned{Int,Short,Byte,Long}, anyType, NCName,
// anyURI) are not here.
//
// (choice) The unbounded integer types take 64-bit Go integers, unsigned
// for the non-negative ones: values beyond 64 bits fail to decode with an
// error rather than wrap. The list types (NMTOKENS, IDREFS, ENTITIES) and
// the date parts, durations and QNames are kept as their lexical form, a
// string, since their value spaces have no Go type and a string loses
// nothing on the way through.
var unmappedBuiltins = map[string]xsdBuiltin{
	"Duration":           {"duration", "string", "3.2.6"},
	"GYearMonth":         {"gYearMonth", "string", "3.2.9"},
	"GYear":              {"gYear", "string", "3.2.10"},
	"GMonthDay":          {"gMonthDay", "string", "3.2.11"},
	"GDay":               {"gDay", "string", "3.2.12"},
	"GMonth":             {"gMonth", "string", "3.2.13"},
	"QName":              {"QName", "string", "3.2.18"},
	"NOTATION":           {"NOTATION", "string", "3.2.19"},
	"NormalizedString":   {"normalizedString", "string", "3.3.1"},
	"Language":           {"language", "string", "3.3.3"},
	"NMTOKEN":            {"NMTOKEN", "string", "3.3.4"},
	"NMTOKENS":           {"NMTOKENS", "string", "3.3.5"},
	"Name":               {"Name", "string", "3.3.6"},
	"ID":                 {"ID", "string", "3.3.8"},
	"IDREF":              {"IDREF", "string", "3.3.9"},
	"IDREFS":             {"IDREFS", "string", "3.3.10"},
	"ENTITY":             {"ENTITY", "string", "3.3.11"},
	"ENTITIES":           {"ENTITIES", "string", "3.3.12"},
	"NonPositiveInteger": {"nonPositiveInteger", "int64", "3.3.14"},
	"NegativeInteger":    {"negativeInteger", "int64", "3.3.15"},
	"NonNegativeInteger": {"nonNegativeInteger", "uint64", "3.3.20"},
	"PositiveInteger":    {"positiveInteger", "uint64", "3.3.25"},
	"AnySimpleType":      {"anySimpleType", "string", "3.2 (the base of every simple type)"},
}

// gowsdlMappedBuiltins are the Go names gowsdl gives XSD built-ins it maps
// when it writes one where a mapped Go type should be: an operation whose
// part is an element of a built-in type (doc/literal bare), or a part with
// type= (rpc). Such a signature is left undefined: declaring Decimal or
// Boolean would make it compile, but gowsdl would then send the value as
// <Decimal> instead of the part's element.
var gowsdlMappedBuiltins = map[string]bool{
	"Token": true, "Float": true, "Double": true, "Decimal": true, "Integer": true, "Int": true,
	"Short": true, "Byte": true, "Long": true, "Boolean": true, "DateTime": true, "Date": true,
	"Time": true, "Base64Binary": true, "HexBinary": true, "UnsignedInt": true,
	"UnsignedShort": true, "UnsignedByte": true, "UnsignedLong": true,
}

// isXSDBuiltin reports whether name is the Go name gowsdl writes for an
// XSD built-in datatype.
func isXSDBuiltin(name string) bool {
	_, ok := unmappedBuiltins[name]
	return ok || gowsdlMappedBuiltins[name]
}

// fileXSD declares the XSD built-ins the generated code uses.
const fileXSD = "wsgw_xsd.go"

// xsdFile returns wsgw_xsd.go for package pkg, declaring names (keys of
// unmappedBuiltins).
func xsdFile(pkg, source string, names []string) ([]byte, error) {
	var b strings.Builder
	b.WriteString(generatedHeader(source))
	b.WriteString("package " + pkg + "\n\n")
	b.WriteString("// XML Schema built-in datatypes that gowsdl v0.5.0 leaves undeclared.\n\n")
	for _, n := range names {
		t := unmappedBuiltins[n]
		fmt.Fprintf(&b, "// %s is XML Schema's %s (XML Schema Part 2, %s), as %s.\ntype %s %s\n\n", n, t.XSD, t.Section, t.Go, n, t.Go)
	}
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("formatting %s: %w", fileXSD, err)
	}
	return out, nil
}
