// Command worker runs gowsdl for the tests of package gen (gen.Command):
// they run under -race, and gowsdl v0.5.0 has a data race of its own, so
// it runs in this separately built, uninstrumented process.
package main

import (
	"context"
	"os"

	"github.com/wsgw/wsgw/wsdl/gen"
)

func main() {
	os.Exit(gen.ServeGowsdl(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
