package wsnotify

import (
	"strings"

	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// propsCache is the broker's resource properties document, rebuilt when the
// topic set grows.
type propsCache struct {
	topics int
	doc    *xmldoc.Doc
}

// producerProperties returns the wsn-br:NotificationBrokerRP document
// (br-2.xsd; WS-BaseNotification 1.3, 4.1 NotificationProducer resource
// properties): TopicExpressionDialect, FixedTopicSet, TopicSet,
// RequiresRegistration. ProducerProperties filters are evaluated over it
// with its root element as the context node.
func (b *Broker) producerProperties() *xmldoc.Doc {
	b.propsMu.Lock()
	defer b.propsMu.Unlock()
	n := b.topics.Len()
	if c := b.propsDoc; c != nil && c.topics == n {
		return c.doc
	}
	var sb strings.Builder
	sb.WriteString(`<wsn-br:NotificationBrokerRP xmlns:wsn-br="` + NSBR + `" xmlns:wsnt="` + NSB + `">`)
	fixed := "false"
	if b.topics.Fixed() {
		fixed = "true"
	}
	sb.WriteString("<wsnt:FixedTopicSet>" + fixed + "</wsnt:FixedTopicSet>")
	for _, d := range topic.Dialects() {
		sb.WriteString("<wsnt:TopicExpressionDialect>" + d + "</wsnt:TopicExpressionDialect>")
	}
	sb.Write(b.topics.XML())
	req := "false"
	if b.cfg.RequireRegistration {
		req = "true"
	}
	sb.WriteString("<wsn-br:RequiresRegistration>" + req + "</wsn-br:RequiresRegistration></wsn-br:NotificationBrokerRP>")
	doc, err := xmldoc.ParseBytes([]byte(sb.String()), xmldoc.Limits{MaxBytes: 64 << 20, MaxElements: 1 << 22})
	if err != nil {
		b.log.Error("wsnotify: building producer properties", "err", err)
		doc, _ = xmldoc.ParseBytes([]byte(`<wsn-br:NotificationBrokerRP xmlns:wsn-br="`+NSBR+`"/>`), xmldoc.Limits{})
	}
	b.propsDoc = &propsCache{topics: n, doc: doc}
	return doc
}
