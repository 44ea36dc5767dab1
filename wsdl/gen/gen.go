package gen

import (
	"context"
	"fmt"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/wsgw/wsgw/wsdl"
)

// Options configure Generate.
type Options struct {
	// WSDL is the description: a file path or an http(s) URL (e.g. a
	// gateway's ?wsdl). Required.
	WSDL string
	// Out is the directory the package is written to; created if absent.
	// Required.
	Out string
	// Package is the Go package name. Required.
	Package string
	// Load bounds loading the WSDL and its imports; zero values take
	// wsdl.LoadOptions' defaults.
	Load wsdl.LoadOptions
	// Runner runs gowsdl; nil means InProcess{}.
	Runner Runner
}

// Result describes a generated package.
type Result struct {
	Files    []string // written, in Out
	Ports    []Port
	Warnings []string // what gowsdl warned about, ports without a constructor
}

// Generated file names, in Options.Out.
const (
	fileService = "service.go" // gowsdl's output
	filePorts   = "ports.go"   // per-port constructors
)

// Generate writes a Go client package for the WSDL: gowsdl's types and
// port-type interfaces, a constructor per SOAP 1.1 or 1.2 port, and the
// transport that adapts gowsdl's SOAP 1.1 runtime to each port. Errors name
// the WSDL; nothing is written unless generation succeeded.
func Generate(ctx context.Context, opts Options) (*Result, error) {
	res, files, err := generate(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("generating client from %s: %w", opts.WSDL, err)
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("generating client from %s: %w", opts.WSDL, err)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		path := filepath.Join(opts.Out, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return nil, fmt.Errorf("generating client from %s: writing: %w", opts.WSDL, err)
		}
		res.Files = append(res.Files, path)
	}
	return res, nil
}

func (o Options) validate() error {
	switch {
	case o.WSDL == "":
		return fmt.Errorf("no WSDL given")
	case o.Out == "":
		return fmt.Errorf("no output directory given")
	case !token.IsIdentifier(o.Package) || token.IsKeyword(o.Package) || o.Package == "_":
		return fmt.Errorf("package name %q is not a Go identifier", o.Package)
	}
	return nil
}

// generate produces the files of the package in memory.
func generate(ctx context.Context, opts Options) (*Result, map[string][]byte, error) {
	if err := opts.validate(); err != nil {
		return nil, nil, err
	}
	defs, err := wsdl.Load(ctx, opts.WSDL, opts.Load)
	if err != nil {
		return nil, nil, err
	}
	flat, err := Flatten(defs)
	if err != nil {
		return nil, nil, err
	}
	code, err := runGowsdl(ctx, opts.Runner, flat, opts.Package)
	if err != nil {
		return nil, nil, err
	}
	src, warnings, err := gowsdlOutput(code)
	if err != nil {
		return nil, nil, err
	}
	taken, err := declared(src)
	if err != nil {
		return nil, nil, err
	}
	files, err := runtimeFiles(opts.Package, opts.WSDL, taken)
	if err != nil {
		return nil, nil, err
	}
	files[fileService] = src
	ps, pw := ports(defs, taken)
	res := &Result{Ports: ps, Warnings: append(warnings, pw...)}
	if len(ps) > 0 {
		if files[filePorts], err = portsFile(opts.Package, opts.WSDL, ps); err != nil {
			return nil, nil, err
		}
	}
	return res, files, nil
}

// runGowsdl writes the flattened WSDL to a temporary file (gowsdl reads
// files) and runs gowsdl on it.
func runGowsdl(ctx context.Context, r Runner, flat []byte, pkg string) (*Code, error) {
	if r == nil {
		r = InProcess{}
	}
	dir, err := os.MkdirTemp("", "wsgw-gen-")
	if err != nil {
		return nil, fmt.Errorf("writing the flattened wsdl: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "flat.wsdl")
	if err := os.WriteFile(file, flat, 0o600); err != nil {
		return nil, fmt.Errorf("writing the flattened wsdl: %w", err)
	}
	return r.RunGowsdl(ctx, file, pkg)
}
