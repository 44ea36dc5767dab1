package wsnotify

import (
	"context"
	"errors"
	"strings"

	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// getCurrentMessageOp is NotificationProducer GetCurrentMessage
// (WS-BaseNotification 1.3, 4.3): the last message published on one
// concrete topic.
func (b *Broker) getCurrentMessageOp(req *request) (string, []byte, error) {
	t := req.msg.Payload.Child(NSB, "Topic")
	if !t.Valid() {
		return "", nil, wsnFault(fInvalidTopicExpression, req.now, "GetCurrentMessage needs a Topic", "")
	}
	dialect, _ := t.Attr("", "Dialect")
	e, err := topic.Parse(strings.TrimSpace(dialect), t.Text(), t.LookupNamespace)
	if err != nil {
		return "", nil, topicFault(err, req.now)
	}
	p, ok := e.Topic()
	if !ok {
		return "", nil, wsnFault(fMultipleTopics, req.now, "the expression "+truncate(e.String(), 128)+" may select more than one topic", "")
	}
	if b.topics.Fixed() && !b.topics.Contains(p) {
		return "", nil, wsnFault(fTopicNotSupported, req.now, "topic "+p.String()+" is not in the topic set", "")
	}
	if err := b.allowTopic(req, TopicReceive, p); err != nil {
		return "", nil, err
	}
	cur, err := b.st.Get(req.storeCtx(), kindCurrent, p.String())
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil, wsnFault(fNoCurrentMessage, req.now, "no message has been published on "+p.String(), "")
	}
	if err != nil {
		return "", nil, err
	}
	body := "<wsnt:GetCurrentMessageResponse>" + string(cur.Value) + "</wsnt:GetCurrentMessageResponse>"
	return actGetCurrentResp, []byte(body), nil
}

// loadTopics puts the topics of the retained current messages back in an
// open topic set (they appeared on first publish and are not in the
// configuration), so that the set and its MaxTopics bound survive a
// restart. A retained message on a topic the set no longer admits (full,
// or not in a fixed set) is deleted.
func (b *Broker) loadTopics(ctx context.Context) error {
	var stale []string
	err := b.st.Scan(ctx, kindCurrent, func(r storage.Record) error {
		p, ok := parseTopicKey(r.Key)
		if !ok || b.topics.Publish(p) != nil {
			stale = append(stale, r.Key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range stale {
		if err := b.st.Delete(ctx, kindCurrent, k, 0); err != nil {
			return err
		}
	}
	return nil
}

// parseTopicKey parses topic.Path.String ("{namespace}root/child"); names
// are NCNames, so the last '}' ends the namespace.
func parseTopicKey(s string) (topic.Path, bool) {
	end := strings.LastIndexByte(s, '}')
	if !strings.HasPrefix(s, "{") || end < 0 {
		return topic.Path{}, false
	}
	p, err := topic.NewPath(s[1:end], strings.Split(s[end+1:], "/")...)
	return p, err == nil
}
