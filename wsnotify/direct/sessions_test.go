package direct

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func newTestSessions(t *testing.T, cfg SessionsConfig) *Sessions {
	t.Helper()
	cfg.Receiver.Key = testKey
	if cfg.Receiver.Rand == nil {
		cfg.Receiver.Rand = fixedRand(0)
	}
	ss, err := NewSessions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ss.Tick(scriptEpoch)
	return ss
}

// TestSessions_FollowsEverySender: a channel carries the broker's session
// and a publisher agent's: both are followed, each delivery and gap is
// tagged with its session, and each session's NAKs go to the address its
// own datagrams come from (a configured sender's Join goes out before
// anything is heard of it).
func TestSessions_FollowsEverySender(t *testing.T) {
	gw := netip.MustParseAddrPort("10.0.0.1:7400")
	agentAdvertised, agentActual := netip.MustParseAddrPort("10.0.0.2:7401"), netip.MustParseAddrPort("10.0.0.2:7402")
	learned := netip.MustParseAddrPort("10.0.0.3:7401")
	ss := newTestSessions(t, SessionsConfig{Senders: []Peer{{Session: 1, Control: gw}, {Session: 2, Control: agentAdvertised}}})
	rd := ss.Ready()
	ss.Advance()
	var joins []netip.AddrPort
	for _, d := range rd.Send {
		if d.Kind == KindJoin {
			joins = append(joins, d.To.Addr)
		}
	}
	if !slices.Equal(joins, []netip.AddrPort{gw, agentAdvertised}) {
		t.Errorf("got joins to %v, want %v at start", joins, []netip.AddrPort{gw, agentAdvertised})
	}
	data := func(s uint64, seq uint64, n string) *Data {
		return &Data{Header: Header{Session: s, Epoch: 1}, Seq: seq, Frags: 1, Body: testNotify(n)}
	}
	ss.Step(gw, data(1, 1, "g1"))
	ss.Step(agentActual, data(2, 10, "a10"))
	ss.Step(agentActual, data(2, 12, "a12")) // 11 is missing
	ss.Step(learned, data(3, 5, "l5"))       // a sender no one told us of
	ss.Step(learned, data(3, 7, "l7"))       // 6 is missing
	ss.Tick(scriptEpoch.Add(time.Second))
	rd = ss.Ready()
	ss.Advance()
	var got []string
	for _, d := range rd.Deliver {
		got = append(got, string(d.Notify[len(d.Notify)-len("</m></wsnt:Notify>")-3:len(d.Notify)-len("</m></wsnt:Notify>")]))
	}
	if want := []string{">g1", "a10", ">l5"}; !slices.Equal(got, want) { // a12 and l7 wait for 11 and 6
		t.Errorf("got deliveries %q, want %q", got, want)
	}
	naks := map[netip.AddrPort]bool{}
	for _, d := range rd.Send {
		if d.Kind == KindNAK {
			naks[d.To.Addr] = true
		}
	}
	if !naks[agentActual] || !naks[learned] || len(naks) != 2 {
		t.Errorf("got NAKs to %v, want to %v and %v (where their datagrams came from)", naks, agentActual, learned)
	}
	if m := ss.Metrics(); len(m.Sessions) != 3 || m.Total.Delivered != 3 || m.Total.Missed != 2 {
		t.Errorf("got %d sessions, %d delivered, %d missed, want 3, 3, 2", len(m.Sessions), m.Total.Delivered, m.Total.Missed)
	}
}

// TestSessions_Bounded: beyond MaxSessions a new session is refused
// (counted); a session learnt from the network is forgotten after
// IdleTimeout once it waits for nothing, a configured one never; a repair
// or an NCF does not start following a session.
func TestSessions_Bounded(t *testing.T) {
	known := netip.MustParseAddrPort("10.0.0.1:7400")
	ss := newTestSessions(t, SessionsConfig{Senders: []Peer{{Session: 1, Control: known}}, MaxSessions: 2, IdleTimeout: time.Minute})
	from := netip.MustParseAddrPort("10.0.0.9:7400")
	ss.Step(from, &Data{Header: Header{Session: 2, Epoch: 1}, Seq: 4, Frags: 1, Repair: true, Body: testNotify("r")})
	ss.Step(from, &NCF{Header: Header{Session: 2, Epoch: 1}, Ranges: []Range{{1, 1}}})
	if m := ss.Metrics(); len(m.Sessions) != 1 || m.Refused != 2 {
		t.Fatalf("got %d sessions, %d refused, want a repair and an NCF refused", len(m.Sessions), m.Refused)
	}
	ss.Step(from, &Heartbeat{Header: Header{Session: 2, Epoch: 1}, Trail: 1, Lead: 3})
	ss.Step(from, &Heartbeat{Header: Header{Session: 3, Epoch: 1}, Trail: 1, Lead: 3})
	if m := ss.Metrics(); len(m.Sessions) != 2 || m.Refused != 3 {
		t.Fatalf("got %d sessions, %d refused, want 2 (MaxSessions) and the third refused", len(m.Sessions), m.Refused)
	}
	ss.Tick(scriptEpoch.Add(2 * time.Minute))
	if m := ss.Metrics(); len(m.Sessions) != 1 || m.Forgot != 1 {
		t.Errorf("got %d sessions, %d forgotten, want the learnt one forgotten and the configured one kept", len(m.Sessions), m.Forgot)
	}
	if next := ss.Next(); next.IsZero() {
		t.Errorf("got no next tick, want the configured session's joins")
	}
}
