package wsnotify

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// TestBroker_SubscribeToPullPointDestroyedMeanwhile: a Subscribe whose
// consumer is a pull point destroyed between the consumer check and the
// creation must fail, not leave a subscription delivering into nothing.
func TestBroker_SubscribeToPullPointDestroyedMeanwhile(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	pp := e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")).address("PullPoint")
	m, err := soap.ReadMessageBytes([]byte(envelope(soap.V11, subscribeXML(pp, "", ""))), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	req := &request{r: httptest.NewRequest("POST", "/", nil), msg: m, raw: m.Doc.Raw(), v: m.Version, now: e.clock.Now()}
	rec := subRecord{ID: newID(), Consumer: pp, Termination: req.now.Add(2 * time.Hour)}
	if err := e.b.checkConsumer(req, &rec); err != nil {
		t.Fatal(err)
	}
	if err := e.b.destroyPullPoint(strings.TrimPrefix(pp, e.base+pathPullPoints)); err != nil {
		t.Fatal(err)
	}
	s, _ := compileSub(rec, req.now)
	if err := e.b.createSub(s, req.now); err == nil {
		t.Fatal("createSub for a destroyed pull point succeeded, want SubscribeCreationFailedFault")
	}
	if n := e.subCount(); n != 0 {
		t.Fatalf("got %d subscriptions, want 0", n)
	}
}
