package wsnotify

import (
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// TestBroker_PerConsumerBoundByEndpoint: the per-consumer bound counts the
// endpoint the broker sends to (scheme, host, port), so that varying the
// path, query or letter case of one consumer's address cannot multiply the
// requests one Notify makes to it.
func TestBroker_PerConsumerBoundByEndpoint(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSubscriptionsPerConsumer = 2
	e := newEnv(t, cfg, "")
	c := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(c.URL+"/a?x=1", "", ""))
	subscribeID(t, e, soap.V11, subscribeXML(c.URL+"/a?x=2", "", ""))
	upper := strings.Replace(c.URL, "http://", "HTTP://", 1) + "/b"
	checkFault(t, e.post(pathBroker, soap.V11, subscribeXML(upper, "", "")), soap.V11, "SubscribeCreationFailedFault", "maximum of 2")
	// Pull points are consumers of their own.
	pp1 := e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")).address("PullPoint")
	pp2 := e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")).address("PullPoint")
	for _, pp := range []string{pp1, pp1, pp2, pp2} {
		subscribeID(t, e, soap.V11, subscribeXML(pp, "", ""))
	}
}
