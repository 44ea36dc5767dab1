// Command backend runs one orders backend.
//
//	go run ./examples/orders/backend -listen 127.0.0.1:9301 -id r0
package main

import (
	"log/slog"
	"net/http"

	"github.com/wsgw/wsgw/examples/internal/soapserver"
	"github.com/wsgw/wsgw/examples/orders"
)

func main() {
	soapserver.Main("orders", "127.0.0.1:9301", "r0", "this backend's id, used in its logs",
		func(id string, log *slog.Logger) http.Handler { return orders.NewBackend(id, log) })
}
