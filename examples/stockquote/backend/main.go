// Command backend runs one stock-quote backend replica.
//
//	go run ./examples/stockquote/backend -listen 127.0.0.1:9101 -id p0/r0
package main

import (
	"log/slog"
	"net/http"

	"github.com/wsgw/wsgw/examples/internal/soapserver"
	"github.com/wsgw/wsgw/examples/stockquote"
)

func main() {
	soapserver.Main("stockquote", "127.0.0.1:9101", "p0/r0",
		"this replica's id, reported as ServedBy (partition/replica)",
		func(id string, log *slog.Logger) http.Handler { return stockquote.NewBackend(id, nil, log) })
}
