package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `wsgw: a SOAP gateway (WSDL-driven dispatch to clustered backends)

Usage:
  wsgw serve --config wsgw.yaml [--listen ADDR]
                                  run the gateway from a config file
  wsgw demo [--listen ADDR] [--data DIR]
                                  run the gateway and the example services in one process
  wsgw gen --wsdl URL|FILE --out DIR --package NAME
                                  generate a Go client package from a WSDL (SOAP 1.1 and 1.2 ports)
  wsgw conformance --target URL [--suite LIST] [--junit FILE] [--report FILE]
                                  run the conformance kit against any SOAP implementation
                                  (wsgw demo hosts an endpoint for every suite)
  wsgw conformance testservice --listen ADDR
                                  serve the kit's test service (SOAP 1.2 collection, WS-A echo/notify)
  wsgw bench durable|wsrm|proxy [--amqp URL] [--messages N] [--concurrency C] [--json]
                                  measure durable enqueue (side by side with RabbitMQ), the WS-RM
                                  path, request/response through the gateway (side by side with nginx)
  wsgw direct send|recv --config FILE
                                  run an agent of a direct (multicast) notification path
  wsgw passwd [--bcrypt] < password
                                  hash a password for the users file (argon2id, or bcrypt)
  wsgw version                    print the version

Run "wsgw <command> --help" for a command's flags.
`

// run runs the command in args and returns the process exit code: 0 ok,
// 1 failure, 2 bad usage or configuration.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "gen":
		return cmdGen(ctx, rest, stdout, stderr)
	case "conformance":
		return cmdConformance(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "direct":
		return cmdDirect(ctx, rest, stdout, stderr)
	case "passwd":
		return cmdPasswd(os.Stdin, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "wsgw: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return fmt.Sprintf("wsgw %s %s %s/%s", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
