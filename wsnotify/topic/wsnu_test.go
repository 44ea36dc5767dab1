package topic

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const wsnuNS = "http://ws-nu.org/testTopicSpace1"

// readTopicVector returns the Dialect and text of the wsnt:Topic element of
// a WS-Nu GetCurrentMessage vector, with a Resolver over the namespaces in
// scope at that element.
func readTopicVector(t *testing.T, name string) (dialect, expr string, resolve Resolver) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ws-nu", name))
	if err != nil {
		t.Fatalf("reading vector: %v", err)
	}
	d := xml.NewDecoder(strings.NewReader(string(data)))
	var scopes []map[string]string // declarations per open element
	for {
		tok, err := d.RawToken() // raw: keep prefixes and xmlns attributes
		if err != nil {
			t.Fatalf("%s: no wsnt:Topic element: %v", name, err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			decl := map[string]string{}
			for _, a := range tk.Attr {
				switch {
				case a.Name.Space == "xmlns":
					decl[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					decl[""] = a.Value
				case a.Name.Local == "Dialect":
					dialect = a.Value
				}
			}
			scopes = append(scopes, decl)
			if tk.Name.Local == "Topic" {
				var text string
				if cd, ok := mustToken(t, d).(xml.CharData); ok {
					text = string(cd)
				}
				return dialect, text, scopeChain(scopes)
			}
		case xml.EndElement:
			scopes = scopes[:len(scopes)-1]
		}
	}
}

func mustToken(t *testing.T, d *xml.Decoder) xml.Token {
	t.Helper()
	tok, err := d.RawToken()
	if err != nil {
		t.Fatalf("reading vector: %v", err)
	}
	return xml.CopyToken(tok)
}

func scopeChain(scopes []map[string]string) Resolver {
	return func(prefix string) (string, bool) {
		for i := len(scopes) - 1; i >= 0; i-- {
			if uri, ok := scopes[i][prefix]; ok {
				return uri, true
			}
		}
		return "", false
	}
}

func wsnuTopicSet(t *testing.T) *TopicSet {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("testdata", "ws-nu", "topic_set_test.xml"))
	if err != nil {
		t.Fatalf("reading topic set: %v", err)
	}
	s, _ := NewFixedSet()
	if err := s.AddXML(doc); err != nil {
		t.Fatalf("AddXML(topic_set_test.xml): %v", err)
	}
	return s
}

func TestParse_WSNuVectors(t *testing.T) {
	set := wsnuTopicSet(t)
	tests := []struct {
		file    string
		wantErr error
		want    []string // topics of the WS-Nu topic set selected
	}{
		{"topic_gcm_simple_legal_test.xml", nil, []string{"root_topic1"}},
		{"topic_gcm_simple_illegal_test.xml", ErrInvalidExpression, nil},
		{"topic_gcm_concrete_legal_test.xml", nil, []string{"root_topic1/child_topic"}},
		{"topic_gcm_concrete_illegal_test.xml", ErrInvalidExpression, nil},
		{"topic_gcm_full_legal_single_test.xml", nil, []string{"root_topic1/child_topic"}},
		{"topic_gcm_full_legal_multiple_test.xml", nil, []string{"root_topic1", "root_topic1/child_topic", "root_topic2"}},
		{"topic_gcm_full_illegal_test.xml", ErrInvalidExpression, nil},
		{"topic_gcm_illegal_dialect_test.xml", ErrDialectUnknown, nil},
		{"topic_gcm_xpath_boolean_single_test.xml", ErrDialectUnknown, nil},
	}
	for _, tt := range tests {
		dialect, text, resolve := readTopicVector(t, tt.file)
		e, err := Parse(dialect, text, resolve)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: Parse(%q): got error %v, want %v", tt.file, text, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		var got []string
		for _, p := range set.Select(e) {
			if p.Namespace != wsnuNS {
				t.Errorf("%s: selected %v, want namespace %s", tt.file, p, wsnuNS)
			}
			got = append(got, strings.Join(p.Names, "/"))
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: Select(%q): got %q, want %q", tt.file, text, got, tt.want)
		}
		if _, single := e.Topic(); single != (len(tt.want) == 1) {
			t.Errorf("%s: Topic() ok: got %v, want %v", tt.file, single, len(tt.want) == 1)
		}
	}
}
