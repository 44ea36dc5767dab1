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
//     marked wstop:topic="true") that the broker publishes as a
//     NotificationProducer resource property (WS-BaseNotification 1.3,
//     b-2.xsd wsnt:TopicSet / wstop:TopicSet).
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
// Interpretations where the grammar leaves a choice (the spec body was not
// at hand; the t-1.xsd grammar and the WS-Nu test vectors were):
//
//   - An unprefixed root NCName is a QName in the default namespace in scope
//     (xsd:QName rules), or in no namespace when none is declared.
//   - An unprefixed root '*' (Full: "*", "//*") is XPath 1.0's NameTest '*'
//     and selects topics of every namespace; "tns:*" only those of tns.
//     WS-Nu's vector "//*" then selects every topic of its topic set.
//   - A prefixed child ("tns:a/tns:b") must resolve to its root's namespace
//     and means the same as the unprefixed child; another namespace is
//     ErrTopicNotSupported, as topics here cannot graft foreign children.
//   - '//' at the root applies after the prefix ("tns://a"), as in the
//     grammar; "//tns:a" is invalid. '.' is a child step only.
//   - Whitespace is trimmed at both ends (xsd:token) and allowed around '|'.
//
// Not implemented: the XPath 1.0 dialect
// (http://www.w3.org/TR/1999/REC-xpath-19991116) as a topic expression
// dialect (it is reported as unknown), topic namespace documents
// (wstop:TopicNamespace) and topic metadata (MessagePattern, messageTypes,
// final).
package topic
