//go:build !linux

package driver

import (
	"errors"
	"net"
)

// forceReadBuffer does nothing outside Linux: SetReadBuffer's size stands.
func forceReadBuffer(*net.UDPConn, int) {}

func readBuffer(*net.UDPConn) (int, error) { return 0, errors.ErrUnsupported }
