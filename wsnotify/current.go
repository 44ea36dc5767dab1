package wsnotify

import (
	"errors"
	"strings"

	"github.com/dgraph-io/badger/v4"

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
	var payload []byte
	err = b.st.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(b.st.key("cur", p.String()))
		if err != nil {
			return err
		}
		payload, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", nil, wsnFault(fNoCurrentMessage, req.now, "no message has been published on "+p.String(), "")
	}
	if err != nil {
		return "", nil, err
	}
	body := "<wsnt:GetCurrentMessageResponse>" + string(payload) + "</wsnt:GetCurrentMessageResponse>"
	return actGetCurrentResp, []byte(body), nil
}
