// Package xmldoc is the guarded XML reader: a single-pass scanner that reads
// untrusted XML from a stream into one retained byte buffer, enforcing size,
// depth, count and length limits while it reads, refusing DOCTYPE and
// processing instructions, never expanding entities beyond the five
// predefined ones and character references, and never fetching anything.
//
// The result is a Doc: the raw bytes (held once) and a compact index of the
// elements in them (offsets into the raw bytes, not copies). Element values
// are decoded lazily. A Doc can be queried with XPath 1.0 (antchfx/xpath)
// through Navigator.
//
// SKELETON: signatures are the contract other packages code against.
package xmldoc

import (
	"encoding/xml"
	"io"

	"github.com/antchfx/xpath"
)

// Limits bounds what Parse accepts. A zero field takes the default named in
// its comment.
type Limits struct {
	MaxBytes    int64 // total input bytes; default 10 MiB
	MaxDepth    int   // element nesting depth; default 64
	MaxElements int   // elements in the document; default 100000
	MaxAttrs    int   // attributes (namespace declarations included) per element; default 64
	MaxNameLen  int   // bytes in a qualified name; default 256
	MaxTextLen  int   // bytes in one text run or attribute value; default 4 MiB
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits { panic("unimplemented") }

// LimitError reports the first limit the input exceeded.
type LimitError struct {
	Limit string // field name in Limits, e.g. "MaxDepth"
	Max   int64
}

func (e *LimitError) Error() string { panic("unimplemented") }

// SyntaxError reports input that is not well-formed XML (or uses an undeclared
// namespace prefix).
type SyntaxError struct {
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string { panic("unimplemented") }

// ForbiddenError reports a construct the reader refuses: "DOCTYPE" or
// "processing instruction" (the XML declaration itself is allowed).
type ForbiddenError struct {
	Offset    int64
	Construct string
}

func (e *ForbiddenError) Error() string { panic("unimplemented") }

// Doc is a parsed document: the raw bytes and an index of their elements.
// It is immutable and safe for concurrent reads.
type Doc struct{}

// Parse reads r to EOF (at most lim.MaxBytes) and indexes it. Limits are
// checked as bytes arrive, so an over-deep or over-large document is refused
// without reading the rest. Errors are *LimitError, *SyntaxError,
// *ForbiddenError, or the reader's own error.
func Parse(r io.Reader, lim Limits) (*Doc, error) { panic("unimplemented") }

// ParseBytes indexes b without copying it; b must not be modified afterwards.
func ParseBytes(b []byte, lim Limits) (*Doc, error) { panic("unimplemented") }

// Raw returns the document's bytes exactly as read.
func (d *Doc) Raw() []byte { panic("unimplemented") }

// Root returns the document element.
func (d *Doc) Root() Element { panic("unimplemented") }

// Navigator returns an XPath navigator positioned at the document root.
func (d *Doc) Navigator() xpath.NodeNavigator { panic("unimplemented") }

// Element is a handle to one element of a Doc. The zero Element is invalid.
type Element struct{}

// Valid reports whether e refers to an element.
func (e Element) Valid() bool { panic("unimplemented") }

// Name returns the element's expanded name (Space is the namespace URI).
func (e Element) Name() xml.Name { panic("unimplemented") }

// Prefix returns the prefix the element was written with ("" for none).
func (e Element) Prefix() string { panic("unimplemented") }

// Attr returns the decoded value of the attribute with namespace URI space
// ("" for unqualified) and local name local.
func (e Element) Attr(space, local string) (string, bool) { panic("unimplemented") }

// Attrs returns every attribute except namespace declarations.
func (e Element) Attrs() []Attr { panic("unimplemented") }

// Parent, FirstChild and NextSibling walk elements only; they return an
// invalid Element at the end.
func (e Element) Parent() Element      { panic("unimplemented") }
func (e Element) FirstChild() Element  { panic("unimplemented") }
func (e Element) NextSibling() Element { panic("unimplemented") }

// Text returns the decoded character data directly inside e (CDATA included,
// child elements' text excluded).
func (e Element) Text() string { panic("unimplemented") }

// HasChildElements reports whether e contains any element.
func (e Element) HasChildElements() bool { panic("unimplemented") }

// Span returns the byte offsets [start, end) of e in Raw, from its start
// tag's '<' to the end of its end tag.
func (e Element) Span() (start, end int) { panic("unimplemented") }

// LookupNamespace resolves a prefix ("" for the default namespace) in e's
// scope.
func (e Element) LookupNamespace(prefix string) (string, bool) { panic("unimplemented") }

// ResolveQName resolves a QName-valued string ("p:local") in e's scope.
func (e Element) ResolveQName(s string) (xml.Name, bool) { panic("unimplemented") }

// Navigator returns an XPath navigator positioned at e.
func (e Element) Navigator() xpath.NodeNavigator { panic("unimplemented") }

// Attr is one decoded attribute.
type Attr struct {
	Name  xml.Name
	Value string
}

// EvalString evaluates a compiled XPath expression with e as context: a
// node-set yields the string value of its first node (ok=false when empty);
// a string, number or boolean yields its XPath string value.
func (e Element) EvalString(expr *xpath.Expr) (value string, ok bool) { panic("unimplemented") }
