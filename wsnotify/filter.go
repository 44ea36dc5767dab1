package wsnotify

import (
	"errors"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// parseFilter reads a wsnt:Filter (WS-BaseNotification 1.3, 4.2; b-2.xsd
// FilterType): TopicExpression, MessageContent, ProducerProperties, each at
// most once. Any other child is InvalidFilterFault naming it in
// UnknownFilter. Namespace bindings are those in scope at each expression
// element.
func parseFilter(f xmldoc.Element, rec *subRecord, now time.Time) error {
	for c := f.FirstChild(); c.Valid(); c = c.NextSibling() {
		n := c.Name()
		var slot **exprRecord
		var fault = fInvalidFilter
		switch n {
		case bn("TopicExpression"):
			slot, fault = &rec.Topic, fInvalidTopicExpression
		case bn("MessageContent"):
			slot, fault = &rec.Content, fInvalidMessageContent
		case bn("ProducerProperties"):
			slot, fault = &rec.Props, fInvalidProducerProps
		default:
			return wsnFault(fInvalidFilter, now, "filter "+clark(n.Space, n.Local)+" not supported",
				qnameElem("UnknownFilter", n))
		}
		if *slot != nil {
			return wsnFault(fault, now, "more than one "+n.Local+" in the Filter", "")
		}
		dialect, ok := c.Attr("", "Dialect")
		if !ok && n.Local != "TopicExpression" {
			dialect = XPath1 // lenient: the QueryExpression dialect nearly everyone means
		}
		*slot = &exprRecord{Dialect: strings.TrimSpace(dialect), Expr: c.Text(), NS: c.InScopeNamespaces()}
	}
	return nil
}

// topicFault maps a topic package error to its WS-BaseNotification fault
// (bw-2.wsdl Subscribe/GetCurrentMessage, brw-2.wsdl RegisterPublisher).
func topicFault(err error, now time.Time) error {
	switch {
	case errors.Is(err, topic.ErrDialectUnknown):
		return wsnFault(fDialectUnknown, now, err.Error(), "")
	case errors.Is(err, topic.ErrInvalidExpression):
		return wsnFault(fInvalidTopicExpression, now, err.Error(), "")
	case errors.Is(err, topic.ErrTopicNotSupported), errors.Is(err, topic.ErrTopicSetFull):
		return wsnFault(fTopicNotSupported, now, err.Error(), "")
	}
	return wsnFault(fInvalidTopicExpression, now, err.Error(), "")
}

func clark(space, local string) string {
	if space == "" {
		return local
	}
	return "{" + space + "}" + local
}
