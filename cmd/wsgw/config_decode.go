package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decodeYAML decodes the YAML document data into out (a pointer to a struct
// of the file format) strictly: an unknown or repeated key, a value of the
// wrong kind, or a bad scalar is an error naming its path and position
// ("services[1].cluster.partitions[0].replicas: ... (line 9, column 11)").
// Every error is reported, not only the first.
func decodeYAML(data []byte, out any) error {
	_, err := decodeDocument(data, out)
	return err
}

// decodeDocument is decodeYAML that also returns the document's root node
// (nil for an empty document), for naming the lines of later problems.
func decodeDocument(data []byte, out any) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil // empty document: all defaults
	}
	var errs []error
	decodeNode(doc.Content[0], reflect.ValueOf(out).Elem(), "", &errs)
	return doc.Content[0], errors.Join(errs...)
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func decodeNode(n *yaml.Node, v reflect.Value, path string, errs *[]error) {
	fail := func(format string, args ...any) {
		at := path
		if at == "" {
			at = "(top level)"
		}
		*errs = append(*errs, fmt.Errorf("%s: %s%s", at, fmt.Sprintf(format, args...), position(n)))
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // absent: zero value
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			fail("%s", yamlMessage(err))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		decodeNode(n, v.Elem(), path, errs)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			fail("want a mapping")
			return
		}
		fields := yamlFields(v.Type())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			kpath := join(path, k.Value)
			idx, ok := fields[k.Value]
			switch {
			case !ok:
				*errs = append(*errs, fmt.Errorf("%s: unknown key%s", kpath, position(k)))
			case seen[k.Value]:
				*errs = append(*errs, fmt.Errorf("%s: repeated key%s", kpath, position(k)))
			default:
				seen[k.Value] = true
				decodeNode(val, v.FieldByIndex(idx), kpath, errs)
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			fail("want a list")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, el := range n.Content {
			decodeNode(el, s.Index(i), fmt.Sprintf("%s[%d]", path, i), errs)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			fail("want a mapping")
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			kpath := join(path, k.Value)
			key := reflect.ValueOf(k.Value)
			if m.MapIndex(key).IsValid() {
				*errs = append(*errs, fmt.Errorf("%s: repeated key%s", kpath, position(k)))
				continue
			}
			el := reflect.New(v.Type().Elem()).Elem()
			decodeNode(val, el, kpath, errs)
			m.SetMapIndex(key, el)
		}
		v.Set(m)
	default: // scalars
		if n.Kind != yaml.ScalarNode {
			fail("want a single value")
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			fail("%s", yamlMessage(err))
		}
	}
}

// yamlFields maps yaml tag names to field index paths of struct type t;
// a field tagged ",inline" contributes its own fields at this level.
func yamlFields(t reflect.Type) map[string][]int {
	m := make(map[string][]int, t.NumField())
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		switch {
		case name == "" && opts == "inline" && t.Field(i).Type.Kind() == reflect.Struct:
			for k, idx := range yamlFields(t.Field(i).Type) {
				m[k] = append([]int{i}, idx...)
			}
		case name != "" && name != "-":
			m[name] = []int{i}
		}
	}
	return m
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlMessage strips yaml's "yaml: unmarshal errors:\n  line N: " framing:
// decodeNode adds the path and line itself.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
			msg = rest
		}
		return msg
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
