// Package topic implements the topic model and topic expression engine of
// OASIS Web Services Topics 1.3 (WS-Topics, OASIS Standard, 1 October 2006)
// for the wsgw WS-Notification broker.
//
// Sections implemented:
//
//   - 4 Topics, topic trees, topic namespaces and topic sets: a topic is
//     identified by the URI of its topic namespace and the path of NCNames
//     from its root topic (Path); child topics belong to the namespace of
//     their root. TopicSet holds the topics a broker supports, either fixed by
//     configuration or open (topics appear on first publish), and serialises
//     itself as the wstop:TopicSet element (t-1.xsd TopicSetType, topics
//     marked wstop:topic="true") that the broker publishes as a resource
//     property (WS-BaseNotification 1.3, 4.2).
//   - 7 Topic expressions: Parse compiles the three dialects of section 7,
//     Simple (7.1), Concrete (7.2) and Full (7.3), following the EBNF given in
//     the annotations of t-1.xsd (SimpleTopicExpression,
//     ConcreteTopicExpression, FullTopicExpression). QName prefixes are
//     resolved with the caller's namespace scope.
//
// Errors map onto the faults of bw-2.wsdl: a dialect other than the three
// gives a *DialectError (wsnt:TopicExpressionDialectUnknownFault); a malformed
// or over-limit expression gives an *ExprError wrapping ErrInvalidExpression
// (wsnt:InvalidTopicExpressionFault); a well-formed expression naming topics
// the broker cannot support wraps ErrTopicNotSupported
// (wsnt:TopicNotSupportedFault).
//
// Matching: Expr.Match reports whether a topic is selected by an expression.
// Index maps subscription identifiers to compiled expressions and answers
// "which subscriptions match this topic" with a trie walk whose cost depends
// on the depth of the topic and on the subscriptions that can match it, not
// on the number of subscriptions to other topics (see Index).
//
// Not implemented: the XPath 1.0 dialect
// (http://www.w3.org/TR/1999/REC-xpath-19991116) as a topic expression
// dialect (it is reported as unknown), topic namespace documents
// (wstop:TopicNamespace) and topic metadata (MessagePattern, messageTypes,
// final).
package topic
