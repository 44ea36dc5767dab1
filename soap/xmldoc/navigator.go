package xmldoc

import "github.com/antchfx/xpath"

// navigator is the xpath.NodeNavigator over a Doc: a cursor on the root
// node, an element, an attribute or a text node.
type navigator struct {
	doc  *Doc
	kind xpath.NodeType
	e    int32 // the element; for attribute and text nodes, their parent
	a    int32 // attribute index (AttributeNode)
	next int32 // TextNode: the element after the text, -1 when it ends e's content
}

var _ xpath.NodeNavigator = (*navigator)(nil)

func (n *navigator) NodeType() xpath.NodeType { return n.kind }

func (n *navigator) LocalName() string {
	switch n.kind {
	case xpath.ElementNode:
		return Element{n.doc, n.e}.Name().Local
	case xpath.AttributeNode:
		return n.doc.attrLocal(&n.doc.attrs[n.a])
	}
	return ""
}

func (n *navigator) Prefix() string {
	switch n.kind {
	case xpath.ElementNode:
		return Element{n.doc, n.e}.Prefix()
	case xpath.AttributeNode:
		a := &n.doc.attrs[n.a]
		return n.doc.str(a.nameStart, a.nameStart+a.prefixLen)
	}
	return ""
}

// NamespaceURL returns the namespace name of an element or attribute node;
// antchfx/xpath uses it for name tests compiled with CompileWithNS and for
// namespace-uri().
func (n *navigator) NamespaceURL() string {
	switch n.kind {
	case xpath.ElementNode:
		return n.doc.nsURI(n.doc.elems[n.e].ns)
	case xpath.AttributeNode:
		return n.doc.nsURI(n.doc.attrs[n.a].ns)
	}
	return ""
}

// Value returns the node's string value (XPath 1.0, 5).
func (n *navigator) Value() string {
	switch n.kind {
	case xpath.RootNode:
		return n.doc.stringValue(0)
	case xpath.ElementNode:
		return n.doc.stringValue(n.e)
	case xpath.AttributeNode:
		return n.doc.attrValue(&n.doc.attrs[n.a])
	case xpath.TextNode:
		s, e := n.doc.gapBefore(n.e, n.next)
		return n.doc.gapText(s, e)
	}
	return ""
}

func (d *Doc) stringValue(i int32) string {
	r := &d.elems[i]
	if r.firstChild < 0 && r.flags&fDecode == 0 {
		return d.str(r.contentStart, r.contentEnd)
	}
	return string(d.appendText(nil, i, true))
}

// gapBefore returns the content span of parent that ends at element next
// (or, for -1, at the end of parent's content) and starts after the
// element before it.
func (d *Doc) gapBefore(parent, next int32) (s, e int32) {
	p := &d.elems[parent]
	prev := p.lastChild
	e = p.contentEnd
	if next >= 0 {
		prev, e = d.elems[next].prev, d.elems[next].start
	}
	s = p.contentStart
	if prev >= 0 {
		s = d.elems[prev].end
	}
	return s, e
}

func (d *Doc) hasTextBefore(parent, next int32) bool {
	s, e := d.gapBefore(parent, next)
	return s < e && d.gapHasText(s, e)
}

func (n *navigator) Copy() xpath.NodeNavigator {
	c := *n
	return &c
}

func (n *navigator) MoveToRoot() { n.kind = xpath.RootNode }

func (n *navigator) MoveToParent() bool {
	switch n.kind {
	case xpath.RootNode:
		return false
	case xpath.ElementNode:
		if p := n.doc.elems[n.e].parent; p >= 0 {
			n.e = p
		} else {
			n.kind = xpath.RootNode
		}
	default:
		n.kind = xpath.ElementNode
	}
	return true
}

func (n *navigator) MoveToNextAttribute() bool {
	var k int32
	switch n.kind {
	case xpath.ElementNode:
		k = n.doc.elems[n.e].attr0
	case xpath.AttributeNode:
		k = n.a + 1
	default:
		return false
	}
	for end := n.doc.elems[n.e].attrEnd; k < end; k++ {
		if n.doc.attrs[k].flags&aDecl == 0 {
			n.kind, n.a = xpath.AttributeNode, k
			return true
		}
	}
	return false
}

func (n *navigator) MoveToChild() bool {
	switch n.kind {
	case xpath.RootNode:
		n.kind, n.e = xpath.ElementNode, 0
		return true
	case xpath.ElementNode:
		first := n.doc.elems[n.e].firstChild
		if n.doc.hasTextBefore(n.e, first) {
			n.kind, n.next = xpath.TextNode, first
			return true
		}
		if first >= 0 {
			n.e = first
			return true
		}
	}
	return false
}

func (n *navigator) MoveToFirst() bool {
	switch n.kind {
	case xpath.ElementNode, xpath.TextNode:
		if n.kind == xpath.ElementNode && n.doc.elems[n.e].parent < 0 {
			return true // the root element is the document node's only child
		}
		if n.kind == xpath.ElementNode {
			n.e = n.doc.elems[n.e].parent
		}
		n.kind = xpath.ElementNode
		return n.MoveToChild()
	}
	return false
}

func (n *navigator) MoveToNext() bool {
	switch n.kind {
	case xpath.ElementNode:
		r := &n.doc.elems[n.e]
		if r.parent < 0 {
			return false
		}
		if n.doc.hasTextBefore(r.parent, r.next) {
			n.kind, n.e, n.next = xpath.TextNode, r.parent, r.next
			return true
		}
		if r.next >= 0 {
			n.e = r.next
			return true
		}
	case xpath.TextNode:
		if n.next >= 0 {
			n.kind, n.e = xpath.ElementNode, n.next
			return true
		}
	}
	return false
}

func (n *navigator) MoveToPrevious() bool {
	switch n.kind {
	case xpath.ElementNode:
		r := &n.doc.elems[n.e]
		if r.parent < 0 {
			return false
		}
		if n.doc.hasTextBefore(r.parent, n.e) {
			n.kind, n.next, n.e = xpath.TextNode, n.e, r.parent
			return true
		}
		if r.prev >= 0 {
			n.e = r.prev
			return true
		}
	case xpath.TextNode:
		prev := n.doc.elems[n.e].lastChild
		if n.next >= 0 {
			prev = n.doc.elems[n.next].prev
		}
		if prev >= 0 {
			n.kind, n.e = xpath.ElementNode, prev
			return true
		}
	}
	return false
}

func (n *navigator) MoveTo(other xpath.NodeNavigator) bool {
	o, ok := other.(*navigator)
	if !ok || o.doc != n.doc {
		return false
	}
	*n = *o
	return true
}
