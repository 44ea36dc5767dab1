package wsnotify

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/wsnotify/direct"
)

// TestDirect_ChannelsBoundedPerCaller: a caller creates at most
// MaxChannelsPerCaller channels; past it a Subscribe that requires the
// direct path gets UnsupportedPolicyRequestFault, one that does not falls
// back to HTTP, while another caller still creates channels in the free
// slots and the first may still join a channel that exists. The count is
// rebuilt after a restart.
func TestDirect_ChannelsBoundedPerCaller(t *testing.T) {
	cfg := directConfig(t)
	cfg.Direct.MaxChannels, cfg.Direct.MaxChannelsPerCaller = 4, 1
	e := &env{t: t, dir: t.TempDir(), clock: &clock{t: time.Now()}, guard: headerGuard{}}
	e.start(cfg)
	t.Cleanup(e.close)
	c := newConsumer(t)
	sub := func(who, topicName string, required bool) reply {
		t.Helper()
		attrs := `transport="unicast"`
		if required {
			attrs += ` required="true"`
		}
		return e.postAs(who, pathBroker, subscribeXML(c.URL, simpleTopic(topicName), directPolicy(attrs)))
	}
	granted := func(name string, r reply) {
		t.Helper()
		if r.status != http.StatusOK || !strings.Contains(string(r.body), direct.NameChannel.Local) {
			t.Errorf("%s: got HTTP %d %s, want a subscription with a channel", name, r.status, r.body)
		}
	}
	refused := func(name string, r reply) {
		t.Helper()
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "UnsupportedPolicyRequestFault") ||
			!strings.Contains(string(r.body), "max_channels_per_caller") {
			t.Errorf("%s: got HTTP %d %s, want UnsupportedPolicyRequestFault naming max_channels_per_caller", name, r.status, r.body)
		}
	}
	granted("alice on tns:a", sub("alice", "tns:a", true))
	refused("alice on tns:b", sub("alice", "tns:b", true))
	if r := sub("alice", "tns:b", false); r.status != http.StatusOK || strings.Contains(string(r.body), direct.NameChannel.Local) {
		t.Errorf("alice on tns:b, not required: got HTTP %d %s, want an HTTP subscription", r.status, r.body)
	}
	granted("bob on tns:b", sub("bob", "tns:b", true))
	granted("alice joins tns:b", sub("alice", "tns:b", true))

	e.close()
	e.start(cfg)
	refused("alice on tns:c after a restart", sub("alice", "tns:c", true))
	granted("carol on tns:c after a restart", sub("carol", "tns:c", true))
}
