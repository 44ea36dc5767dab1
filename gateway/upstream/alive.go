package upstream

import (
	"crypto/tls"
	"errors"
	"syscall"
)

// alive reports whether an idle connection may be reused: its peer has
// neither closed it nor sent anything (an idle HTTP/1.1 connection has
// nothing to read; a TLS close_notify is something). It peeks without
// blocking: one recv(MSG_PEEK|MSG_DONTWAIT) system call. A connection it
// cannot peek at is taken as alive.
func (cn *conn) alive() bool {
	if cn.br.Buffered() > 0 {
		return false
	}
	nc := cn.nc
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := true
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// EAGAIN: nothing to read, the connection is idle as it should
		// be; no error: end of stream (0 bytes) or unexpected bytes.
		alive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true // never wait for readiness
	})
	return err == nil && alive
}

// isReset reports a connection reset by the peer.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
