//go:build linux

package driver

import (
	"net"
	"syscall"
)

// forceReadBuffer sets the receive buffer of c to n bytes past the
// system's limit (net.core.rmem_max) with SO_RCVBUFFORCE when the process
// may (CAP_NET_ADMIN; socket(7)); otherwise it leaves what SetReadBuffer
// set (choice: the datagrams still flow, only bursts are absorbed less).
func forceReadBuffer(c *net.UDPConn, n int) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) { //nolint:errcheck // best effort, above
		if got, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil && got >= n {
			return // Linux reports twice the size set: granted already
		}
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n) //nolint:errcheck // best effort
	})
}

// readBuffer is c's receive buffer as the system reports it (on Linux
// twice the size set: the kernel's bookkeeping is included).
func readBuffer(c *net.UDPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var gerr error
	if err := rc.Control(func(fd uintptr) { n, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF) }); err != nil {
		return 0, err
	}
	return n, gerr
}
