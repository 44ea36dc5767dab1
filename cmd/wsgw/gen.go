package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/wsgw/wsgw/wsdl/gen"
)

// genWorkerArg, as the first argument, makes `wsgw gen` the child process
// that runs gowsdl for its parent (gen.Command, gen.ServeGowsdl). It is no
// flag of the command, so its usage does not show it: users do not pass it.
const genWorkerArg = "--gowsdl-worker"

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == genWorkerArg {
		return gen.ServeGowsdl(ctx, args[1:], stdout, stderr)
	}
	fs := newFlagSet("gen", "Usage: wsgw gen --wsdl URL|FILE --out DIR --package NAME\n\n"+
		"Generates a Go client package with gowsdl, after resolving the WSDL's imports;\n"+
		"one constructor per SOAP 1.1 or SOAP 1.2 port. The package imports gowsdl's\n"+
		"runtime: the module that builds it needs `go get "+gen.GowsdlModule+"@"+gen.GowsdlVersion()+"`.\n")
	wsdlLoc := fs.String("wsdl", "", "WSDL file or http(s) URL (e.g. a gateway's ?wsdl)")
	out := fs.String("out", "", "directory to write the Go package to")
	pkg := fs.String("package", "", "Go package name")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if *wsdlLoc == "" || *out == "" || *pkg == "" {
		fmt.Fprintln(stderr, "wsgw gen: --wsdl, --out and --package are required")
		return usageError(fs)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "wsgw gen: finding this program to run gowsdl in:", err)
		return 1
	}
	res, err := gen.Generate(ctx, gen.Options{
		WSDL: *wsdlLoc, Out: *out, Package: *pkg,
		// gowsdl runs in a child process: it can crash on a race of its
		// own, and it logs through the standard logger.
		Runner: gen.Command{Path: exe, Args: []string{"gen", genWorkerArg}},
	})
	if err != nil {
		fmt.Fprintln(stderr, "wsgw gen:", err)
		return 1
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "wsgw gen: warning:", w)
	}
	for _, f := range res.Files {
		fmt.Fprintln(stdout, f)
	}
	for _, p := range res.Ports {
		v := "1.1"
		if p.SOAP12 {
			v = "1.2"
		}
		fmt.Fprintf(stdout, "port %s (SOAP %s): %s(url, hc) %s, default address %s\n", p.Name, v, p.Func, p.Iface, p.Address)
	}
	fmt.Fprintf(stdout, "\nThe package imports %s/soap. In the module that builds it, run:\n\n", gen.GowsdlModule)
	for _, r := range res.Requires {
		fmt.Fprintf(stdout, "  go get %s\n", r)
	}
	return 0
}
