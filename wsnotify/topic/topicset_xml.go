package topic

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strconv"
)

// NamespaceT1 is the WS-Topics 1.3 schema namespace (t-1.xsd).
const NamespaceT1 = "http://docs.oasis-open.org/wsn/t-1"

// XML returns s as a wstop:TopicSet element (t-1.xsd TopicSetType): each
// root topic is an element named by its namespace and name, each child
// topic an unqualified element named by its NCName nested in its parent,
// and elements that are topics carry wstop:topic="true". Namespaces are
// declared on the TopicSet element with prefixes ns1, ns2, ... in URI order;
// the output is deterministic. Root topics in no namespace are written
// unqualified (TopicSetType's xsd:any ##other does not admit them; give
// topics a namespace).
func (s *TopicSet) XML() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	namespaces := make([]string, 0, len(s.roots))
	for ns := range s.roots {
		namespaces = append(namespaces, ns)
	}
	slices.Sort(namespaces)
	var b bytes.Buffer
	b.WriteString(`<wstop:TopicSet xmlns:wstop="` + NamespaceT1 + `"`)
	prefixes := make(map[string]string, len(namespaces))
	for _, ns := range namespaces {
		if ns == "" {
			continue
		}
		prefixes[ns] = "ns" + strconv.Itoa(len(prefixes)+1)
		b.WriteString(` xmlns:` + prefixes[ns] + `="`)
		xml.EscapeText(&b, []byte(ns))
		b.WriteByte('"')
	}
	b.WriteByte('>')
	for _, ns := range namespaces {
		prefix := ""
		if ns != "" {
			prefix = prefixes[ns] + ":"
		}
		for _, name := range sortedChildren(s.roots[ns]) {
			writeTopic(&b, prefix+name, s.roots[ns].children[name])
		}
	}
	b.WriteString(`</wstop:TopicSet>`)
	return b.Bytes()
}

func writeTopic(b *bytes.Buffer, qname string, n *setNode) {
	b.WriteString("<" + qname)
	if n.topic {
		b.WriteString(` wstop:topic="true"`)
	}
	if len(n.children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	for _, name := range sortedChildren(n) {
		writeTopic(b, name, n.children[name])
	}
	b.WriteString("</" + qname + ">")
}

func sortedChildren(n *setNode) []string {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
