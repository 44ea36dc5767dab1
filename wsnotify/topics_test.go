package wsnotify

import (
	"context"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
)

// TestBroker_OpenTopicSetSurvivesRestart: the topics of an open set come
// back after a restart (from the retained current messages), so the
// MaxTopics bound still holds: retained messages do not grow by MaxTopics
// per restart.
func TestBroker_OpenTopicSetSurvivesRestart(t *testing.T) {
	cfg := testConfig()
	cfg.Topics.MaxTopics = 2
	e := newEnv(t, cfg, "")
	e.post(pathBroker, soap.V11, notifyXML("tns:a", "<m:x/>"))
	e.post(pathBroker, soap.V11, notifyXML("tns:b/c", "<m:x/>"))
	e.restart()
	if got := e.b.topics.Len(); got != 2 {
		t.Fatalf("open topic set has %d topics after restart, want 2", got)
	}
	e.post(pathBroker, soap.V11, notifyXML("tns:d", "<m:x/>")) // over MaxTopics: dropped
	n := 0
	if err := e.b.st.Scan(context.Background(), kindCurrent, func(storage.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("got %d retained current messages, want MaxTopics=2", n)
	}
}
