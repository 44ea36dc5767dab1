package xmldoc

import "github.com/antchfx/xpath"

// Doc is a parsed document: the raw bytes and an index of their elements.
// It is immutable and safe for concurrent reads.
type Doc struct {
	raw   []byte
	elems []elem   // in document order; elems[0] is the root
	attrs []attr   // each element's attributes are contiguous
	decls []nsDecl // namespace declarations; decls[0] binds xml
}

// elem is the index record of one element: offsets into raw and indices
// into elems (-1 for none), attrs and decls.
type elem struct {
	start, nameEnd, prefixLen int32 // '<'; name is raw[start+1:nameEnd]
	contentStart, contentEnd  int32 // between the tags; empty for <a/>
	end                       int32 // after the end tag
	parent, firstChild        int32
	lastChild, prev, next     int32
	attr0, attrEnd            int32
	ns                        int32 // declaration of the namespace name, -1 for none
	scope                     int32 // innermost declaration in scope
	flags                     uint32
}

// elem flags.
const (
	fDecode = 1 << iota // direct content has a reference, CR, comment or CDATA
)

// attr is the index record of one attribute.
type attr struct {
	nameStart, nameEnd, prefixLen int32
	valStart, valEnd              int32 // between the quotes
	ns                            int32 // declaration of the namespace name, -1 for none
	flags                         uint8
}

// attr flags.
const (
	aDecl   = 1 << iota // a namespace declaration
	aDecode             // the value has a reference or whitespace to normalise
)

// Raw returns the document's bytes exactly as read. They must not be
// modified.
func (d *Doc) Raw() []byte { return d.raw[:len(d.raw):len(d.raw)] } // appending copies

// Root returns the document element.
func (d *Doc) Root() Element { return Element{doc: d, i: 0} }

// Navigator returns an XPath navigator positioned at the document root.
func (d *Doc) Navigator() xpath.NodeNavigator { return &navigator{doc: d, kind: xpath.RootNode} }

func (d *Doc) nsURI(k int32) string {
	if k < 0 {
		return ""
	}
	return d.decls[k].uri
}

func (d *Doc) str(s, e int32) string { return view(d.raw, s, e) }
