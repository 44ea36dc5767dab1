package upstream

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
	"time"
)

// alive reports whether an idle connection may be reused: its peer has
// neither closed it nor sent anything (an idle HTTP/1.1 connection has
// nothing to read: bytes after a reply's end are not part of any reply,
// RFC 9112, 6.3; a TLS close_notify is something). It peeks without
// blocking: one recv(MSG_PEEK|MSG_DONTWAIT) system call, and for TLS a
// read of what the TLS layer already holds. A connection it cannot peek at
// is taken as alive. deadline is the connection's, which the TLS peek
// puts back.
func (cn *conn) alive(deadline time.Time) bool {
	if cn.br.Buffered() > 0 {
		return false
	}
	nc := cn.nc
	tc, isTLS := nc.(*tls.Conn)
	if isTLS {
		nc = tc.NetConn()
	}
	if !socketIdle(nc) {
		return false
	}
	return !isTLS || tlsIdle(tc, deadline)
}

// socketIdle reports whether nc's socket has nothing to read and no end
// of stream.
func socketIdle(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	idle := true
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// EAGAIN: nothing to read, the connection is idle as it should
		// be; no error: end of stream (0 bytes) or unexpected bytes.
		idle = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true // never wait for readiness
	})
	return err == nil && idle
}

// tlsIdle reports whether the TLS layer of tc holds nothing to read.
// crypto/tls reads whole records off the socket, more than one when they
// arrived together, and hands out a record's plaintext in pieces: bytes a
// backend sent after a reply's end (a Content-Length shorter than its
// body) or a close_notify can sit there, out of the socket's and the read
// buffer's sight. A read with a deadline in the past returns at once:
// with a timeout when nothing is held (crypto/tls keeps no timeout as the
// connection's error), else with a held byte or the close_notify's EOF.
// Held post-handshake messages (session tickets) are handled on the way.
// The read deadline is then deadline again.
func tlsIdle(tc *tls.Conn, deadline time.Time) bool {
	if tc.SetReadDeadline(aLongTimeAgo) != nil {
		return false
	}
	var b [1]byte
	_, err := tc.Read(b[:])
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		return false
	}
	return tc.SetReadDeadline(deadline) == nil
}

// isReset reports a connection reset by the peer.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
