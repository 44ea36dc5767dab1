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

// declared returns the package-level names declared in src, and an error
// when a name is declared twice or a type used in a declaration is declared
// nowhere: the two ways gowsdl's output most often fails to compile (two
// schemas defining one name in different namespaces; an XSD type gowsdl
// cannot map, e.g. soapenc:Array).
func declared(src []byte) (map[string]bool, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "gowsdl.go", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parsing gowsdl's code: %w", err)
	}
	names := map[string]bool{}
	var dups []string
	for _, id := range topLevel(f) {
		if names[id.Name] {
			dups = append(dups, id.Name)
		}
		names[id.Name] = true
	}
	var typeExprs []ast.Expr
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			typeExprs = append(typeExprs, d.Type)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if s, ok := s.(*ast.TypeSpec); ok {
					typeExprs = append(typeExprs, s.Type)
				}
			}
		}
	}
	if len(dups) > 0 {
		return nil, fmt.Errorf("gowsdl generated Go that does not compile: declared more than once: %s", strings.Join(uniq(dups), ", "))
	}
	if undef := undefinedTypes(typeExprs, names); len(undef) > 0 {
		return nil, fmt.Errorf("gowsdl generated Go that does not compile: undefined types %s (XSD types gowsdl could not map)", strings.Join(undef, ", "))
	}
	return names, nil
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

// undefinedTypes lists the unqualified type names used in exprs that are
// neither in names nor predeclared.
func undefinedTypes(exprs []ast.Expr, names map[string]bool) []string {
	var out []string
	var walk func(e ast.Expr)
	fields := func(l *ast.FieldList) {
		if l != nil {
			for _, f := range l.List {
				walk(f.Type)
			}
		}
	}
	walk = func(e ast.Expr) {
		switch t := e.(type) {
		case *ast.Ident:
			if !names[t.Name] && types.Universe.Lookup(t.Name) == nil {
				out = append(out, t.Name)
			}
		case *ast.StarExpr:
			walk(t.X)
		case *ast.ParenExpr:
			walk(t.X)
		case *ast.ArrayType:
			walk(t.Elt)
		case *ast.Ellipsis:
			walk(t.Elt)
		case *ast.MapType:
			walk(t.Key)
			walk(t.Value)
		case *ast.ChanType:
			walk(t.Value)
		case *ast.StructType:
			fields(t.Fields)
		case *ast.InterfaceType:
			fields(t.Methods)
		case *ast.FuncType:
			fields(t.Params)
			fields(t.Results)
		}
	}
	for _, e := range exprs {
		walk(e)
	}
	return uniq(out)
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
