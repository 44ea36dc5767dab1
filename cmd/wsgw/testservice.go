package main

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/wsgw/wsgw/conformance/testservice"
)

// defaultTestServiceListen is where `wsgw conformance testservice` listens
// without --listen.
const defaultTestServiceListen = "127.0.0.1:8090"

// runTestService runs `wsgw conformance testservice [--listen ADDR]`: the
// conformance kit's test service (the SOAP 1.2 test collection's node C
// and the WS-Addressing test suite's echo and notify services) until ctx
// ends. Usage errors give 2, a failure to listen or serve 1.
func runTestService(ctx context.Context, args []string, stdout io.Writer) int {
	fs := newFlagSet("conformance testservice", "Usage: wsgw conformance testservice [--listen "+defaultTestServiceListen+"]\n\n"+
		"Runs the conformance kit's test service: the W3C SOAP 1.2 test collection's\n"+
		"node C at /soap12 and the W3C WS-Addressing test suite's echo and notify\n"+
		"services at /wsa (WSDLs at /soap12?wsdl and /wsa?wsdl).\n")
	listen := fs.String("listen", defaultTestServiceListen, "listen address (port 0 picks a free port)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if code, done := parseFlags(fs, args, stdout, stdout); done {
		return code
	}
	log, err := newLogger(stdout, *logLevel, "text")
	if err != nil {
		fmt.Fprintln(stdout, "wsgw:", err)
		return 2
	}
	svc := testservice.New(testservice.Config{Logger: log})
	err = testservice.ListenAndServe(ctx, *listen, svc, func(a net.Addr) {
		base := "http://" + a.String()
		fmt.Fprintf(stdout, "test service listening on %s\n  soap12: %s/soap12 (WSDL %s/soap12?wsdl)\n  wsa:    %s/wsa (WSDL %s/wsa?wsdl)\n",
			base, base, base, base, base)
	})
	if err != nil {
		fmt.Fprintln(stdout, "wsgw conformance testservice:", err)
		return 1
	}
	return 0
}
