package xmldoc

// InScopeNamespaces returns the namespace bindings in scope at e
// (Namespaces in XML 1.0, 6.1), prefix -> URI, with "" for the default
// namespace: e's own declarations and those it inherits and does not
// redeclare. A default namespace undeclared with xmlns="" is left out, as
// is the xml prefix, which is always bound. Nil for an invalid element.
func (e Element) InScopeNamespaces() map[string]string {
	if !e.Valid() {
		return nil
	}
	m := map[string]string{}
	for k := e.rec().scope; k > predefinedDecl; k = e.doc.decls[k].prev {
		d := &e.doc.decls[k]
		if _, inner := m[d.prefix]; !inner {
			m[d.prefix] = d.uri
		}
	}
	if m[""] == "" {
		delete(m, "")
	}
	return m
}

// NamespaceDecls returns the namespace declarations written on e's own
// start tag, prefix -> URI, with "" for xmlns (an undeclaring xmlns=""
// gives the empty URI). A redundant xmlns:xml declaration is left out. Nil
// for an invalid element.
func (e Element) NamespaceDecls() map[string]string {
	if !e.Valid() {
		return nil
	}
	outer := int32(predefinedDecl)
	if p := e.rec().parent; p >= 0 {
		outer = e.doc.elems[p].scope
	}
	m := map[string]string{}
	for k := e.rec().scope; k != outer && k > predefinedDecl; k = e.doc.decls[k].prev {
		d := &e.doc.decls[k]
		m[d.prefix] = d.uri
	}
	return m
}
