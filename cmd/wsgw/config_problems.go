package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// The gateway reports configuration problems at Go field paths
// ("Services[0].Reliable.MaxQueue", package fielderr). The file format
// mirrors those names: each fileX struct has a field of the same Go name
// for each field of the library struct it maps to, tagged with its YAML
// key (TestFileFormat_MirrorsGatewayFieldNames holds them to it). So a
// path is mapped by walking the file's types along its steps, and the
// parsed document along the same steps to find the key's line and column.

// explainConfig renders err, the result of gateway.Config.Validate or
// gateway.New for the config fc was read into, one problem a line, in
// order, each at its YAML key path with its position in the file when
// the key (or, when absent, its nearest enclosing key or list entry) is
// there:
//
//	services[0].reliable.max_queue: negative (line 12, column 7)
func (fc *fileConfig) explainConfig(err error) string {
	return explainProblems(reflect.TypeFor[fileConfig](), fc.doc, movedInFile(err))
}

// movedInFile returns err's problems with the paths of the gateway fields
// the file keeps elsewhere rewritten to where they are: BrokerSecurity is
// broker.security (fileBroker.Security), BrokerReliable broker.reliable
// (fileBroker.Reliable), ClusterReliable cluster.reliable
// (fileNode.Reliable).
func movedInFile(err error) error {
	moved := map[string]fielderr.Path{
		"BrokerSecurity":  fielderr.Path{}.Field("Broker").Field("Security"),
		"BrokerReliable":  fielderr.Path{}.Field("Broker").Field("Reliable"),
		"ClusterReliable": fielderr.Path{}.Field("Cluster").Field("Reliable"),
	}
	var l fielderr.List
	for _, p := range fielderr.All(err) {
		if len(p.Path) > 0 && p.Path[0].Kind == fielderr.FieldStep && moved[p.Path[0].Name] != nil {
			q := *p
			q.Path = append(slices.Clone(moved[p.Path[0].Name]), p.Path[1:]...)
			p = &q
		}
		l.Nest(nil, p)
	}
	return l.Err()
}

// explainProblems renders the problems of err for a file whose root type
// is t and whose parsed document is doc (nil when unknown), as
// explainConfig does; a problem with no path is rendered as it is.
func explainProblems(t reflect.Type, doc *yaml.Node, err error) string {
	var b strings.Builder
	for i, p := range fielderr.All(err) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("  ")
		if len(p.Path) == 0 {
			b.WriteString(p.Err.Error())
			continue
		}
		keys, at := locate(t, doc, p.Path)
		b.WriteString(keys.String() + ": " + p.Err.Error() + position(at))
	}
	return b.String()
}

// locate maps the Go field path p onto the file format whose root type is
// t and whose parsed document is doc (nil when unknown): it returns the
// path in YAML key names and the node that shows where the problem is
// (nil when the document has nothing along the path). A step the file
// format has no field for is kept under its Go name (choice: a path the
// mirror test missed still reads, rather than being dropped).
func locate(t reflect.Type, doc *yaml.Node, p fielderr.Path) (fielderr.Path, *yaml.Node) {
	var keys fielderr.Path
	var at *yaml.Node
	node := doc
	for _, s := range p {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		node = resolveAlias(node)
		switch s.Kind {
		case fielderr.FieldStep:
			key, ft := yamlKey(t, s.Name)
			t = ft
			keys = keys.Field(key)
			node = mappingValue(node, key, &at)
		case fielderr.IndexStep:
			t = elem(t, reflect.Slice)
			keys = keys.Index(s.Index)
			if node != nil && node.Kind == yaml.SequenceNode && s.Index < len(node.Content) {
				node = node.Content[s.Index]
				at = node
			} else {
				node = nil
			}
		case fielderr.KeyStep:
			t = elem(t, reflect.Map)
			keys = keys.Key(s.Name)
			node = mappingValue(node, s.Name, &at)
		}
	}
	return keys, at
}

// yamlKey returns the YAML key of the field of struct type t whose Go name
// is name, and the field's type; without one, name itself and a nil type
// (the rest of the path is then kept in Go names).
func yamlKey(t reflect.Type, name string) (string, reflect.Type) {
	if t == nil || t.Kind() != reflect.Struct {
		return name, nil
	}
	f, ok := t.FieldByName(name)
	if !ok {
		return name, nil
	}
	key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if key == "" || key == "-" {
		return name, nil
	}
	return key, f.Type
}

// elem returns the element type of t when it is of kind k, else nil.
func elem(t reflect.Type, k reflect.Kind) reflect.Type {
	if t == nil || t.Kind() != k {
		return nil
	}
	return t.Elem()
}

// mappingValue returns the value of key in mapping node n and sets *at to
// the key's node; nil when n is no mapping or has no such key (*at kept).
func mappingValue(n *yaml.Node, key string, at **yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			*at = n.Content[i]
			return n.Content[i+1]
		}
	}
	return nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// position renders where n is in the file, " (line 3, column 5)", or ""
// for nil.
func position(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return fmt.Sprintf(" (line %d, column %d)", n.Line, n.Column)
}
