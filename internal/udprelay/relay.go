// Package udprelay relays UDP datagrams between a receiver and a sender
// through a link that loses what its Drop function says: the lossy network
// of the direct path's tests and benchmarks on loopback (nftables needs
// network namespaces and root; this needs neither).
//
// The receiver is given the relay's address as its sender's; the relay
// forwards what the receiver sends to the sender from a socket of its own,
// so the sender takes the relay for the receiver and sends it everything
// meant for the receiver, which the relay passes on unless Drop says
// otherwise. Only the direction towards the receiver is lossy.
//
// Both sockets ask for Buffer bytes of receive and send buffer (choice:
// 4 MiB, the direct path's own receive buffer): with the system's default
// (212,992 bytes on Linux, about 100 datagrams) a relay not scheduled for a
// few milliseconds lost datagrams in the kernel that Drop never saw, and a
// benchmark counted losses it had not made. What the kernel granted is in
// Buffers (internal/udpstat counts what the kernel still drops).
package udprelay

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// Buffer is the receive and send buffer each relay socket asks for.
const Buffer = 4 << 20

// Relay is one lossy link.
type Relay struct {
	// Drop decides, for each datagram towards the receiver, whether it is
	// lost; nil loses nothing. It is called from one goroutine.
	Drop func(b []byte) bool

	front, back *net.UDPConn
	sender      netip.AddrPort
	mu          sync.Mutex // guards receiver
	receiver    netip.AddrPort

	Relayed, Dropped atomic.Int64
}

// New opens a relay on loopback in front of sender.
func New(sender netip.AddrPort, drop func([]byte) bool) (*Relay, error) {
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	front, err := net.ListenUDP("udp4", lo)
	if err != nil {
		return nil, err
	}
	back, err := net.ListenUDP("udp4", lo)
	if err != nil {
		front.Close()
		return nil, err
	}
	for _, c := range []*net.UDPConn{front, back} {
		if err := setBuffers(c, Buffer); err != nil {
			front.Close()
			back.Close()
			return nil, err
		}
	}
	return &Relay{Drop: drop, front: front, back: back, sender: sender}, nil
}

// Addr is the address to give the receiver as its sender's.
func (r *Relay) Addr() netip.AddrPort { return r.front.LocalAddr().(*net.UDPAddr).AddrPort() }

// Granted is what the kernel reports for a socket's buffers (on Linux
// twice the size set: its bookkeeping is included).
type Granted struct{ Read, Write int }

// Buffers returns what the kernel granted the relay's two sockets, the
// smallest of each (errors.ErrUnsupported where it cannot be read).
func (r *Relay) Buffers() (Granted, error) {
	a, err := buffers(r.front)
	if err != nil {
		return Granted{}, err
	}
	b, err := buffers(r.back)
	if err != nil {
		return Granted{}, err
	}
	return Granted{Read: min(a.Read, b.Read), Write: min(a.Write, b.Write)}, nil
}

// Run relays until ctx ends, then closes the relay's sockets.
func (r *Relay) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { r.up() })
	wg.Go(func() { r.down() })
	<-ctx.Done()
	r.front.Close()
	r.back.Close()
	wg.Wait()
}

// up relays the receiver's datagrams to the sender, and learns where the
// receiver is.
func (r *Relay) up() {
	buf := make([]byte, 65536)
	for {
		n, from, err := r.front.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		r.mu.Lock()
		r.receiver = from
		r.mu.Unlock()
		r.back.WriteToUDPAddrPort(buf[:n], r.sender) //nolint:errcheck // a lost datagram, as on a network
	}
}

// down relays the sender's datagrams to the receiver, unless Drop says
// they are lost.
func (r *Relay) down() {
	buf := make([]byte, 65536)
	for {
		n, _, err := r.back.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		r.mu.Lock()
		to := r.receiver
		r.mu.Unlock()
		if !to.IsValid() {
			continue
		}
		if r.Drop != nil && r.Drop(buf[:n]) {
			r.Dropped.Add(1)
			continue
		}
		r.Relayed.Add(1)
		r.front.WriteToUDPAddrPort(buf[:n], to) //nolint:errcheck // as on a network
	}
}
