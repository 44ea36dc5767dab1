// Command backend runs one temperature backend replica.
//
//	go run ./examples/temperature/backend -listen 127.0.0.1:9201 -id r0
package main

import (
	"log/slog"
	"net/http"

	"github.com/wsgw/wsgw/examples/internal/soapserver"
	"github.com/wsgw/wsgw/examples/temperature"
)

func main() {
	soapserver.Main("temperature", "127.0.0.1:9201", "r0", "this replica's id, used in its logs",
		func(id string, log *slog.Logger) http.Handler { return temperature.NewBackend(id, log) })
}
