package demo

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
)

// A gateway address already in use is an error from Start, after the
// backends it started are stopped; it used to panic in the clean-up.
func TestStart_ListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var d *Demo
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Start with a busy address: panic %v, want an error", r)
			}
		}()
		d, err = Start(context.Background(), Options{Listen: ln.Addr().String(),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	if err == nil {
		d.Close()
		t.Fatalf("Start with a busy address: got no error, want one")
	}
}
