package topic

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// AddXML adds to s the topics of a wstop:TopicSet document (the form XML
// writes, and the form other brokers publish): elements under TopicSet are
// topic tree nodes, those with wstop:topic="true" (or "1") are topics.
// wstop elements such as wstop:documentation are skipped. A child element
// must be unqualified or in its root's namespace (child topics belong to
// the root's namespace, WS-Topics 1.3, 4); another namespace gives
// ErrTopicNotSupported. Nesting deeper than MaxDepth is an error. Topics
// read before an error stay added.
func (s *TopicSet) AddXML(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	if err := expectTopicSet(d); err != nil {
		return err
	}
	var names []string // path of the open element, root topic first
	var ns string      // namespace of the open root topic
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("reading topic set: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == NamespaceT1 {
				if err := d.Skip(); err != nil {
					return fmt.Errorf("reading topic set: %w", err)
				}
				continue
			}
			if len(names) == 0 {
				ns = t.Name.Space
			} else if t.Name.Space != "" && t.Name.Space != ns {
				return &TopicError{Topic: "{" + t.Name.Space + "}" + t.Name.Local, Err: ErrTopicNotSupported}
			}
			if len(names) == MaxDepth {
				return fmt.Errorf("reading topic set: nesting deeper than %d: %w", MaxDepth, ErrInvalidExpression)
			}
			names = append(names, t.Name.Local)
			if isTopic(t.Attr) {
				if err := s.Add(Path{Namespace: ns, Names: names}); err != nil {
					return fmt.Errorf("reading topic set: %w", err)
				}
			}
		case xml.EndElement:
			if len(names) == 0 {
				return nil // </wstop:TopicSet>
			}
			names = names[:len(names)-1]
		}
	}
}

// expectTopicSet reads up to the wstop:TopicSet start element.
func expectTopicSet(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("reading topic set: no wstop:TopicSet element: %w", ErrInvalidExpression)
		}
		if err != nil {
			return fmt.Errorf("reading topic set: %w", err)
		}
		if t, ok := tok.(xml.StartElement); ok {
			if t.Name.Space != NamespaceT1 || t.Name.Local != "TopicSet" {
				return fmt.Errorf("reading topic set: got element {%s}%s, want wstop:TopicSet: %w",
					t.Name.Space, t.Name.Local, ErrInvalidExpression)
			}
			return nil
		}
	}
}

func isTopic(attrs []xml.Attr) bool {
	for _, a := range attrs {
		if a.Name.Space == NamespaceT1 && a.Name.Local == "topic" {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}
