package topic

// Dialect URIs of WS-Topics 1.3 section 7.
const (
	// DialectSimple: a root topic QName (7.1).
	DialectSimple = "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple"
	// DialectConcrete: a path of topic names from a root topic (7.2).
	DialectConcrete = "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"
	// DialectFull: Concrete plus wildcards, descendants, self and union (7.3).
	DialectFull = "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Full"
	// DialectXPath is the XPath 1.0 URI that WS-BaseNotification uses for
	// MessageContent and that some clients also send as a TopicExpression
	// dialect (evaluated over the wstop:TopicSet document). It is not one of
	// the dialects of section 7 and Parse reports it as unknown.
	DialectXPath = "http://www.w3.org/TR/1999/REC-xpath-19991116"
)

// Dialects returns the dialect URIs Parse accepts, for the broker's
// wsnt:TopicExpressionDialect resource property (WS-BaseNotification 1.3
// NotificationProducer resource properties, b-2.xsd).
func Dialects() []string {
	return []string{DialectSimple, DialectConcrete, DialectFull}
}

// KnownDialect reports whether Parse accepts dialect.
func KnownDialect(dialect string) bool {
	switch dialect {
	case DialectSimple, DialectConcrete, DialectFull:
		return true
	}
	return false
}

func dialectName(dialect string) string {
	switch dialect {
	case DialectSimple:
		return "Simple"
	case DialectConcrete:
		return "Concrete"
	case DialectFull:
		return "Full"
	}
	return "unknown-dialect"
}
