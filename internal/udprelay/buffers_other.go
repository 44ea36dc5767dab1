//go:build !linux

package udprelay

import (
	"errors"
	"net"
)

func setBuffers(c *net.UDPConn, n int) error {
	if err := c.SetReadBuffer(n); err != nil {
		return err
	}
	return c.SetWriteBuffer(n)
}

func buffers(*net.UDPConn) (Granted, error) { return Granted{}, errors.ErrUnsupported }
