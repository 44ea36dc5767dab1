package natsnode

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// The JetStream sync setting of servers this process does not run is read
// from their monitoring data: a request on $SYS.REQ.SERVER.PING.VARZ,
// answered by every server of the cluster, over a connection of the
// system account (SystemURL). A plain account cannot read it: neither the
// INFO protocol line nor JetStream's account info carry it. Without an
// answer the node refuses to start unless AssumeSyncAlways is set.

const varzSubject = "$SYS.REQ.SERVER.PING.VARZ"

// varzReply is the part of a server's VARZ answer the check reads.
type varzReply struct {
	Server struct {
		Name string `json:"name"`
	} `json:"server"`
	Data struct {
		JetStream struct {
			Config *struct {
				SyncInterval time.Duration `json:"sync_interval"`
				SyncAlways   bool          `json:"sync_always"`
			} `json:"config"`
		} `json:"jetstream"`
	} `json:"data"`
}

// checkRemoteSync refuses servers that do not fsync every write.
func (n *Node) checkRemoteSync(ctx context.Context) error {
	replies, err := pingVarz(ctx, n.cfg.SystemURL, 2*time.Second)
	if err != nil || len(replies) == 0 {
		why := "no server answered"
		if err != nil {
			why = err.Error()
		}
		if n.cfg.AssumeSyncAlways {
			n.log.Warn("cannot read the JetStream sync setting of the NATS servers; assuming sync_interval: always as configured",
				"url", redact(n.cfg.SystemURL), "why", why)
			return nil
		}
		return fmt.Errorf("cannot read the JetStream sync setting of the NATS servers at %s (%s): "+
			"give system-account credentials in nats_system_url, or, after making sure every server runs with "+
			"jetstream { sync_interval: always }, set assume_sync_always: true", redact(n.cfg.SystemURL), why)
	}
	var weak []string
	for _, r := range replies {
		c := r.Data.JetStream.Config
		switch {
		case c == nil:
			weak = append(weak, r.Server.Name+" (JetStream off)")
		case !c.SyncAlways:
			interval := c.SyncInterval
			if interval == 0 {
				interval = 2 * time.Minute // the server's default
			}
			weak = append(weak, fmt.Sprintf("%s (syncs every %v)", r.Server.Name, interval))
		}
	}
	if len(weak) > 0 {
		slices.Sort(weak)
		return fmt.Errorf("NATS servers that do not sync every write are refused (an acknowledged write could be lost "+
			"on a crash): %s; run them with jetstream { sync_interval: always }", strings.Join(weak, ", "))
	}
	n.log.Info("NATS servers sync every write", "servers", len(replies))
	return nil
}

// pingVarz asks every server for its VARZ and collects the answers that
// arrive within wait.
func pingVarz(ctx context.Context, url string, wait time.Duration) ([]varzReply, error) {
	nc, err := nats.Connect(url, nats.Name("wsgw sync check"), nats.Timeout(wait))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return nil, err
	}
	if err := nc.PublishRequest(varzSubject, inbox, nil); err != nil {
		return nil, err
	}
	var out []varzReply
	end := time.Now().Add(wait)
	for {
		left := time.Until(end)
		if d, ok := ctx.Deadline(); ok && time.Until(d) < left {
			left = time.Until(d)
		}
		if left <= 0 {
			return out, nil
		}
		m, err := sub.NextMsg(left)
		if err != nil {
			return out, nil // the wait is over
		}
		var r varzReply
		if json.Unmarshal(m.Data, &r) == nil {
			out = append(out, r)
		}
	}
}

// redact drops the password of a URL list for messages.
func redact(urls string) string {
	var out []string
	for u := range strings.SplitSeq(urls, ",") {
		u = strings.TrimSpace(u)
		if at := strings.LastIndexByte(u, '@'); at >= 0 {
			if i := strings.Index(u, "://"); i >= 0 && i < at {
				u = u[:i+3] + "***" + u[at:]
			}
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}
