package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wsgw/wsgw/wsdl/gen"
)

// genWorkerFlag makes `wsgw gen` the child process that runs gowsdl for
// its parent (gen.Command, gen.ServeGowsdl); users do not pass it.
const genWorkerFlag = "gowsdl-worker"

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	wsdlLoc := fs.String("wsdl", "", "WSDL file or http(s) URL (e.g. a gateway's ?wsdl)")
	out := fs.String("out", "", "directory to write the Go package to")
	pkg := fs.String("package", "", "Go package name")
	worker := fs.Bool(genWorkerFlag, false, "internal: run gowsdl for a parent wsgw gen")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: wsgw gen --wsdl URL|FILE --out DIR --package NAME\n\n"+
			"Generates a Go client package with gowsdl, after resolving the WSDL's imports;\n"+
			"one constructor per SOAP 1.1 or SOAP 1.2 port.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *worker {
		return gen.ServeGowsdl(ctx, fs.Args(), stdout, stderr)
	}
	if fs.NArg() > 0 || *wsdlLoc == "" || *out == "" || *pkg == "" {
		fs.Usage()
		return 2
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
		Runner: gen.Command{Path: exe, Args: []string{"gen", "--" + genWorkerFlag}},
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
	return 0
}
