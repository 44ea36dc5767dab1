package natsnode

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"
)

// Status is what the node last saw of its cluster (refreshed every second
// by Run).
type Status struct {
	Node string
	// JetStream: JetStream answered an account info request (it needs a
	// meta leader, so a quorum) at the last check.
	JetStream bool
	// Leader is the JetStream meta leader's name ("" unknown; embedded only).
	Leader string
	// Peers are the JetStream peers this node knows, itself included, by
	// name (embedded cluster only; nil otherwise).
	Peers []Peer
	// Routes is the number of other nodes this one has routes to
	// (embedded cluster only).
	Routes int
	// Err is why the last check failed.
	Err     string
	Checked time.Time
}

// Peer is one JetStream server of the cluster.
type Peer struct {
	Name string
	// Current: seen recently and caught up (as the leader sees it; a
	// follower reports the other followers current while they are online).
	Current bool
	Offline bool
}

// Healthy reports whether the node can store: JetStream answered and, for
// an embedded cluster, a meta leader is known.
func (s Status) Healthy() bool {
	return s.JetStream && (s.Peers == nil || s.Leader != "")
}

// String is one line for /readyz.
func (s Status) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "node %s: jetstream ", s.Node)
	if s.JetStream {
		b.WriteString("ok")
	} else {
		b.WriteString("unavailable")
		if s.Err != "" {
			b.WriteString(" (" + s.Err + ")")
		}
	}
	if s.Peers != nil {
		fmt.Fprintf(&b, "; leader %q; routes %d; peers", s.Leader, s.Routes)
		for _, p := range s.Peers {
			state := "current"
			switch {
			case p.Offline:
				state = "offline"
			case !p.Current:
				state = "behind"
			}
			fmt.Fprintf(&b, " %s=%s", p.Name, state)
		}
	}
	return b.String()
}

// Status returns the node's last status.
func (n *Node) Status() Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.status
	s.Peers = slices.Clone(s.Peers)
	return s
}

// refresh checks JetStream and the cluster membership.
func (n *Node) refresh(ctx context.Context) {
	s := Status{Node: n.cfg.NodeName, Checked: n.now()}
	if n.js != nil {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := n.js.AccountInfo(cctx)
		cancel()
		s.JetStream = err == nil
		if err != nil {
			s.Err = err.Error()
		}
	}
	if n.srv != nil && n.cfg.Embedded.ClusterListen != "" {
		s.Routes = n.routedPeers()
		s.Peers = []Peer{{Name: n.cfg.NodeName, Current: true}}
		if jsz, err := n.srv.Jsz(&server.JSzOptions{}); err == nil && jsz.Meta != nil {
			s.Leader = jsz.Meta.Leader
			if s.Leader != "" {
				s.Peers = append(s.Peers, Peer{Name: s.Leader, Current: true})
			}
			for _, p := range jsz.Meta.Replicas {
				// Only the leader knows whether a follower is caught up;
				// a follower sees the others as online or offline.
				current := p.Current || s.Leader != n.cfg.NodeName && !p.Offline
				s.Peers = append(s.Peers, Peer{Name: p.Name, Current: current, Offline: p.Offline})
			}
			slices.SortStableFunc(s.Peers, func(a, b Peer) int { return strings.Compare(a.Name, b.Name) })
			s.Peers = slices.CompactFunc(s.Peers, func(a, b Peer) bool { return a.Name == b.Name })
		}
	}
	n.mu.Lock()
	n.status = s
	n.mu.Unlock()
}

// Collectors are the node's metrics, labelled with the node name:
// wsgw_cluster_jetstream_up, wsgw_cluster_peers{state}, wsgw_cluster_routes.
func (n *Node) Collectors() []prometheus.Collector {
	labels := prometheus.Labels{"node": n.cfg.NodeName}
	g := func(name, help string, f func(Status) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "wsgw", Subsystem: "cluster", Name: name, Help: help, ConstLabels: labels},
			func() float64 { return f(n.Status()) })
	}
	peers := func(want func(Peer) bool) func(Status) float64 {
		return func(s Status) float64 {
			c := 0
			for _, p := range s.Peers {
				if want(p) {
					c++
				}
			}
			return float64(c)
		}
	}
	return []prometheus.Collector{
		g("jetstream_up", "1 when JetStream answered with a quorum at the last check.", func(s Status) float64 {
			if s.Healthy() {
				return 1
			}
			return 0
		}),
		g("peers_current", "JetStream peers seen recently and caught up.", peers(func(p Peer) bool { return p.Current && !p.Offline })),
		g("peers_offline", "JetStream peers not seen recently.", peers(func(p Peer) bool { return p.Offline })),
		g("routes", "Routes to other nodes (embedded server).", func(s Status) float64 { return float64(s.Routes) }),
	}
}

// routedPeers counts the distinct servers the embedded server has routes
// to (a route is pooled over several connections).
func (n *Node) routedPeers() int {
	rz, err := n.srv.Routez(&server.RoutezOptions{})
	if err != nil {
		return 0
	}
	seen := map[string]bool{}
	for _, r := range rz.Routes {
		seen[r.RemoteID] = true
	}
	return len(seen)
}
