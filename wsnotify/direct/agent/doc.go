// Package agent is the HTTP side of the direct path's agents, like the
// daemon of TIBCO Rendezvous beside each program: the send agent takes an
// ordinary WS-Notification Notify (WS-BaseNotification 1.3, 3.2) from a
// publisher on loopback and hands it to the multicast sender; the receive
// agent posts each notification its receiver delivers, as an ordinary
// wsnt:Notify, to an unmodified consumer (on loopback by default: the
// egress allow-list decides). Neither speaks to a broker.
package agent
