//go:build linux

package udprelay

import (
	"net"
	"syscall"
)

// setBuffers asks for n bytes of receive and send buffer on c, past
// net.core.rmem_max and wmem_max with SO_RCVBUFFORCE and SO_SNDBUFFORCE
// when the process may (CAP_NET_ADMIN; socket(7)); otherwise the kernel
// caps them, and Buffers says by how much.
func setBuffers(c *net.UDPConn, n int) error {
	if err := c.SetReadBuffer(n); err != nil {
		return err
	}
	if err := c.SetWriteBuffer(n); err != nil {
		return err
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n) //nolint:errcheck // best effort, above
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUFFORCE, n) //nolint:errcheck // best effort, above
	})
}

func buffers(c *net.UDPConn) (Granted, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return Granted{}, err
	}
	var g Granted
	var rerr, werr error
	if err := rc.Control(func(fd uintptr) {
		g.Read, rerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		g.Write, werr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	}); err != nil {
		return Granted{}, err
	}
	if rerr != nil {
		return Granted{}, rerr
	}
	return g, werr
}
