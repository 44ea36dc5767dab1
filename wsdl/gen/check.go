package gen

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// gowsdlOutput checks what gowsdl produced and returns its Go source,
// gofmt'ed, with the warnings it logged. gowsdl logs, and does not return,
// the errors of its templates; every logged line that is neither progress
// ("Reading file", "Downloading file") nor a "[WARN]" is one.
func gowsdlOutput(code *Code) ([]byte, []string, error) {
	var warnings []string
	var errs []error
	for line := range strings.Lines(code.Log) {
		line = strings.TrimSpace(line)
		switch {
		case line == "", strings.HasPrefix(line, "Reading file"), strings.HasPrefix(line, "Downloading file"):
		case strings.HasPrefix(line, "[WARN]"):
			warnings = append(warnings, "gowsdl: "+strings.TrimSpace(strings.TrimPrefix(line, "[WARN]")))
		default:
			errs = append(errs, fmt.Errorf("gowsdl: %s", strings.TrimPrefix(line, "genTypes error ")))
		}
	}
	if len(errs) > 0 {
		return nil, warnings, errors.Join(errs...)
	}
	var src bytes.Buffer
	for _, part := range []string{"header", "types", "operations"} {
		if len(code.Parts[part]) == 0 {
			return nil, warnings, fmt.Errorf("gowsdl generated no %s", part)
		}
		src.Write(code.Parts[part])
	}
	out, err := format.Source(src.Bytes())
	if err != nil {
		return nil, warnings, fmt.Errorf("gowsdl generated Go that does not parse: %w", err)
	}
	return out, warnings, nil
}

// declared returns the package-level names declared in src, and the XSD
// built-in datatypes src uses in its types without declaring them (keys of
// unmappedBuiltins, sorted: gen declares them, xsdFile). It returns an
// error when a name is declared twice or another type is declared nowhere:
// the two ways gowsdl's output most often fails to compile (two schemas
// defining one name in different namespaces; an XSD type gowsdl cannot
// map, e.g. soapenc:Array), or when an operation's signature uses an XSD
// built-in, which gowsdl would send under the type's name instead of the
// part's element.
func declared(src []byte) (names map[string]bool, builtins []string, err error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "gowsdl.go", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing gowsdl's code: %w", err)
	}
	names = map[string]bool{}
	var dups []string
	for _, id := range topLevel(f) {
		if names[id.Name] {
			dups = append(dups, id.Name)
		}
		names[id.Name] = true
	}
	if len(dups) > 0 {
		return nil, nil, fmt.Errorf("gowsdl generated Go that does not compile: declared more than once: %s", strings.Join(uniq(dups), ", "))
	}
	inTypes, inSignatures := undefinedTypes(f, names)
	var undef []string
	for _, n := range inTypes {
		if _, ok := unmappedBuiltins[n]; ok {
			builtins = append(builtins, n)
			continue
		}
		undef = append(undef, n)
	}
	var bare []string
	for _, n := range inSignatures {
		if isXSDBuiltin(n) {
			bare = append(bare, n)
		}
		undef = append(undef, n)
	}
	if undef = uniq(undef); len(undef) > 0 {
		msg := fmt.Sprintf("gowsdl generated Go that does not compile: undefined types %s (XSD types gowsdl could not map)", strings.Join(undef, ", "))
		if len(bare) > 0 {
			msg += fmt.Sprintf("; %s: an operation whose part is an XSD built-in type, or an element of one (rpc, or document/literal bare), which gowsdl does not support", strings.Join(uniq(bare), ", "))
		}
		return nil, nil, errors.New(msg)
	}
	builtins = uniq(builtins)
	for _, n := range builtins {
		names[n] = true
	}
	return names, builtins, nil
}

// topLevel returns the package-level identifiers f declares (not methods,
// not the blank identifier).
func topLevel(f *ast.File) []*ast.Ident {
	var out []*ast.Ident
	add := func(id *ast.Ident) {
		if id.Name != "_" {
			out = append(out, id)
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				add(d.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					add(s.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						add(n)
					}
				}
			}
		}
	}
	return out
}

// undefinedTypes lists the unqualified type names f uses that are neither
// in names nor predeclared: those used in type declarations (struct
// fields, element types), and those used in function signatures
// (operations, interface methods).
func undefinedTypes(f *ast.File, names map[string]bool) (inTypes, inSignatures []string) {
	var walk func(e ast.Expr, sig bool)
	fields := func(l *ast.FieldList, sig bool) {
		if l != nil {
			for _, f := range l.List {
				walk(f.Type, sig)
			}
		}
	}
	walk = func(e ast.Expr, sig bool) {
		switch t := e.(type) {
		case *ast.Ident:
			if !names[t.Name] && types.Universe.Lookup(t.Name) == nil {
				if sig {
					inSignatures = append(inSignatures, t.Name)
				} else {
					inTypes = append(inTypes, t.Name)
				}
			}
		case *ast.StarExpr:
			walk(t.X, sig)
		case *ast.ParenExpr:
			walk(t.X, sig)
		case *ast.ArrayType:
			walk(t.Elt, sig)
		case *ast.Ellipsis:
			walk(t.Elt, sig)
		case *ast.MapType:
			walk(t.Key, sig)
			walk(t.Value, sig)
		case *ast.ChanType:
			walk(t.Value, sig)
		case *ast.StructType:
			fields(t.Fields, sig)
		case *ast.InterfaceType:
			fields(t.Methods, sig)
		case *ast.FuncType:
			fields(t.Params, true)
			fields(t.Results, true)
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			walk(d.Type, true)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if s, ok := s.(*ast.TypeSpec); ok {
					walk(s.Type, false)
				}
			}
		}
	}
	return uniq(inTypes), uniq(inSignatures)
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
