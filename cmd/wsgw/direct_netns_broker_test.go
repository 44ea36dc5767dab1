package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsnotify/direct/agent"
)

// TestDirect_NetnsThroughTheBroker is the end-to-end test of issue 11: a
// gateway (`wsgw serve` with broker.direct) in namespace g; a publisher
// and its send agent in a, which registers the publisher's topic at the
// broker (RegisterPublisher with wsgwd:Direct); receive agents in b and
// c, each subscribing a pull point to the topic at the broker with the
// direct policy, and posting to a consumer on its own loopback. The
// publisher's Notifies go from a to b and c by multicast only: the
// gateway's namespace sees none of the channel's data (an nftables
// counter at its veth counts the data datagrams arriving for the group or
// from a's sender: 0; its bridge port gets only the groups joined behind
// it), and the gateway has no socket in the group. b loses 30% of
// the group's datagrams (nftables in the bridge) and gives a sequence up
// after one NAK (recv.max_naks: 1): its gaps are recovered over HTTP from
// the broker (what a's agent forwarded), where they were: both consumers
// get every notification, in order.
func TestDirect_NetnsThroughTheBroker(t *testing.T) {
	needNetns(t)
	l := newNetnsLab(t, "a", "b", "c", "g")
	l.lossTowards("b", 30)
	// The gateway's port is a snooping switch's port to a host that joins
	// nothing: the bridge does not flood it with groups nobody on it
	// joined (Linux's bridge still floods unregistered multicast at times,
	// its querier state notwithstanding: 23 data datagrams in one run). A
	// gateway that joined the group would get the channel's data there.
	l.ip("-n", l.ns("br"), "link", "set", "pg", "type", "bridge_slave", "mcast_flood", "off")
	l.countAt("g", "10.250.0.1")
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const count = 200
	const brokerURL = "http://10.250.0.4:18080/wsn/NotificationBroker"
	gwCfg := write("wsgw.yaml", "listen: 10.250.0.4:18080\npublic_url: http://10.250.0.4:18080\ndata_dir: "+filepath.Join(dir, "data")+"\n"+
		"broker:\n  egress: {cidrs: [10.250.0.0/24]}\n  direct: {address: 10.250.0.4, interface: v0, groups: 239.77.0.0/16, port: 7400}\n")
	broker := "broker: {url: " + brokerURL + ", topics: [\"{urn:t}a\"], poll: 200ms}\ninterface: v0\n"
	sendCfg := write("send.yaml", broker+"send:\n  listen: 127.0.0.1:18090\n  control: 10.250.0.1:7401\n  demote_interval: 1h\n")
	recvCfg := write("recv.yaml", broker+"recv:\n  consumer: http://127.0.0.1:18091/\n  status: 127.0.0.1:18092\n  max_naks: 1\n")
	gw := l.start("g", "wsgw", "serve", "--config", gwCfg)
	l.waitHTTP("a", brokerURL+"?wsdl", gw)
	send := l.start("a", "wsgw", "direct", "send", "--config", sendCfg)
	recvs := map[string]*helperProc{}
	files := map[string]string{}
	for _, n := range []string{"b", "c"} {
		files[n] = filepath.Join(dir, "got-"+n)
		l.start(n, "consumer", "127.0.0.1:18091", files[n])
		recvs[n] = l.start(n, "wsgw", "direct", "recv", "--config", recvCfg)
	}
	// The publisher starts once each receive agent follows a session of
	// the group: a receiver that has heard nothing of the send agent's
	// session starts following it at the first datagram it hears
	// (NORM_SYNC_CURRENT, issue 11's late join), so with the first
	// datagrams lost (30% at b) it would never ask for them, nor report
	// them as a gap: the test is of the path through the broker, not of
	// a late join.
	for _, n := range []string{"b", "c"} {
		checkfor.Until(t, 60*time.Second, func() error {
			out, err := l.get(n, "http://127.0.0.1:18092/metrics")
			if err != nil {
				return fmt.Errorf("receive agent %s: %v", n, err)
			}
			var m struct {
				Engine struct{ Sessions map[string]json.RawMessage }
			}
			if err := json.Unmarshal([]byte(out), &m); err != nil || len(m.Engine.Sessions) == 0 {
				return fmt.Errorf("receive agent %s follows no session yet (%v): %s", n, err, out)
			}
			return nil
		})
	}
	pub := l.start("a", "publisher", "http://127.0.0.1:18090/", strconv.Itoa(count), "2", "t:a")
	for _, n := range []string{"b", "c"} {
		checkfor.Until(t, 90*time.Second, func() error {
			select {
			case <-pub.done:
				if pub.cmd.ProcessState.ExitCode() != 0 {
					t.Fatalf("publisher failed: %s; send agent: %s", pub.err.String(), send.err.String())
				}
			default:
			}
			if got := len(readNumbers(files[n])); got < count {
				rm, _ := l.get(n, "http://127.0.0.1:18092/metrics")
				sm, _ := l.get("a", "http://127.0.0.1:18090/metrics")
				t.Logf("receive agent %s: %s\nsend agent: %s", n, rm, sm)
				return fmt.Errorf("the consumer in %s has %d of %d notifications; receive agent: %s %s; send agent: %s %s; publisher: %s; gateway's log: %s",
					n, got, count, recvs[n].out.String(), recvs[n].err.String(), send.out.String(), send.err.String(), pub.err.String(), gw.err.String())
			}
			return nil
		})
		got := readNumbers(files[n])
		for i, k := range got {
			if k != i+1 {
				t.Fatalf("consumer in %s: got notification %d at position %d, want %d (in order, once each)", n, k, i, i+1)
			}
		}
	}
	mdb, _ := exec.Command("sh", "-c", "bridge -n "+l.ns("br")+" -d mdb show; bridge -n "+l.ns("br")+" -d link show; ip -n "+l.ns("br")+" -d link show br0").CombinedOutput()
	nftOut, _ := exec.Command("ip", "netns", "exec", l.ns("g"), "nft", "list", "table", "ip", "wsgwcount").CombinedOutput()
	t.Logf("mdb: %s\nnft: %s", mdb, nftOut)
	if pkts := l.counted("g", "data"); pkts != 0 {
		t.Errorf("the gateway's namespace: got %d data datagrams of the channel (to the group or from the send agent), want 0", pkts)
	}
	if pkts := l.counted("g", "control"); pkts > 0 {
		t.Logf("the gateway's namespace saw %d control datagrams (heartbeats flooded before the bridge's snooping held)", pkts)
	}
	if out, err := exec.Command("ip", "-n", l.ns("g"), "maddr", "show", "dev", "v0").CombinedOutput(); err != nil || strings.Contains(string(out), "239.77.") {
		t.Errorf("the gateway's memberships: got %s (%v), want none in 239.77.0.0/16", out, err)
	}
	send.stop(t)
	var sm struct{ Forwarder agent.ForwarderCounters }
	send.metrics(t, &sm)
	if sm.Forwarder.Forwarded != count || sm.Forwarder.Failed+sm.Forwarder.Overflown != 0 {
		t.Errorf("send agent: got forwarder %+v, want all %d forwarded", sm.Forwarder, count)
	}
	for n, p := range recvs {
		p.stop(t)
		var rm struct {
			Engine struct {
				Total struct{ Delivered, Gaps int64 }
			}
			Poster agent.PosterCounters
		}
		p.metrics(t, &rm)
		t.Logf("receive agent %s: %+v", n, rm)
		if rm.Poster.GapsUnrecovered != 0 || n == "b" && (rm.Engine.Total.Gaps == 0 || rm.Poster.GapsRecovered != rm.Engine.Total.Gaps) {
			t.Errorf("receive agent %s: got %+v, want every gap (b has some) recovered from the broker", n, rm)
		}
	}
}

// countAt counts, in member n's namespace, the UDP datagrams arriving on
// its veth for a multicast group or from from (nftables, prerouting: what
// reaches the interface, whether or not a socket takes it), in two
// counters: "data" (a SOAP envelope: notifications and repairs) and
// "control" (a datagram beginning with the control format's "WD":
// heartbeats, NCFs). A bridge floods a group's datagrams to every port
// until its snooping holds (the send agent's first heartbeats may reach
// every namespace); the data follows the receivers' joins, when it does.
func (l *netnsLab) countAt(n, from string) {
	rules := fmt.Sprintf(`table ip wsgwcount {
  chain seen {
    type filter hook prerouting priority -300; policy accept;
    iifname "v0" ip daddr 224.0.0.0/4 meta l4proto udp @th,64,16 != 0x5744 counter comment "data"
    iifname "v0" ip saddr %[1]s ip daddr != 224.0.0.0/4 meta l4proto udp @th,64,16 != 0x5744 counter comment "data"
    iifname "v0" ip daddr 224.0.0.0/4 meta l4proto udp @th,64,16 0x5744 counter comment "control"
    iifname "v0" ip saddr %[1]s ip daddr != 224.0.0.0/4 meta l4proto udp @th,64,16 0x5744 counter comment "control"
  }
}
`, from)
	cmd := exec.Command("ip", "netns", "exec", l.ns(n), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("nft: %v: %s", err, out)
	}
}

var counterRE = regexp.MustCompile(`counter packets (\d+) bytes \d+ comment "(\w+)"`)

// counted sums countAt's counters named kind ("data" or "control") in n's
// namespace.
func (l *netnsLab) counted(n, kind string) int {
	out, err := exec.Command("ip", "netns", "exec", l.ns(n), "nft", "list", "table", "ip", "wsgwcount").CombinedOutput()
	if err != nil {
		l.t.Fatalf("nft list: %v: %s", err, out)
	}
	total := 0
	for _, m := range counterRE.FindAllStringSubmatch(string(out), -1) {
		if m[2] == kind {
			k, _ := strconv.Atoi(m[1])
			total += k
		}
	}
	return total
}

// waitHTTP waits, from member n's namespace, until url answers 200 (the
// gateway has started), failing with p's log if it does not.
func (l *netnsLab) waitHTTP(n, url string, p *helperProc) {
	l.t.Helper()
	checkfor.Until(l.t, 30*time.Second, func() error {
		if out, err := l.get(n, url); err != nil {
			return fmt.Errorf("%s does not answer yet (%v: %s); its log: %s", url, err, out, p.err.String())
		}
		return nil
	})
}

// get GETs url from member n's namespace.
func (l *netnsLab) get(n, url string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	args, _ := json.Marshal([]string{url})
	cmd := exec.Command("ip", "netns", "exec", l.ns(n), exe, "-test.run=^TestDirectHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=get", argsEnv+"="+string(args))
	out, err := cmd.CombinedOutput()
	return string(out), err
}
