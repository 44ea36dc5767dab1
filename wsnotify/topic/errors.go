package topic

import (
	"errors"
	"fmt"
)

// Sentinel errors, one per WS-BaseNotification fault they map to
// (bw-2.wsdl). Test with errors.Is.
var (
	// ErrDialectUnknown: wsnt:TopicExpressionDialectUnknownFault.
	ErrDialectUnknown = errors.New("topic expression dialect unknown")
	// ErrInvalidExpression: wsnt:InvalidTopicExpressionFault.
	ErrInvalidExpression = errors.New("invalid topic expression")
	// ErrTopicNotSupported: wsnt:TopicNotSupportedFault.
	ErrTopicNotSupported = errors.New("topic not supported")
	// ErrTopicSetFull: an open TopicSet reached its MaxTopics bound; the
	// broker reports it as a receiver-side fault (it is not the client's
	// expression that is wrong).
	ErrTopicSetFull = errors.New("topic set full")
)

// maxQuoted bounds how much of an untrusted expression an error repeats.
const maxQuoted = 128

// DialectError reports a Dialect URI that is not one of the dialects of
// WS-Topics 1.3 section 7 that this package implements.
type DialectError struct {
	Dialect string
}

func (e *DialectError) Error() string {
	return fmt.Sprintf("topic expression dialect %q unknown", quote(e.Dialect))
}

// Unwrap returns ErrDialectUnknown.
func (e *DialectError) Unwrap() error { return ErrDialectUnknown }

// ExprError reports an expression that cannot be compiled. Err is
// ErrInvalidExpression (syntax, unbound prefix, limits) or
// ErrTopicNotSupported (well-formed, but it names topics outside the topic
// model, such as a child topic from another namespace).
type ExprError struct {
	Dialect string
	Expr    string // the expression, truncated to 128 bytes
	Offset  int    // byte offset of the problem in the expression
	Reason  string
	Err     error
}

func (e *ExprError) Error() string {
	return fmt.Sprintf("parsing %s topic expression %q at offset %d: %s: %v",
		dialectName(e.Dialect), e.Expr, e.Offset, e.Reason, e.Err)
}

// Unwrap returns the sentinel the error maps to.
func (e *ExprError) Unwrap() error { return e.Err }

// TopicError reports a topic rejected by a TopicSet: Err is
// ErrTopicNotSupported (not in a fixed set, or an expression matching no
// topic of a fixed set) or ErrTopicSetFull.
type TopicError struct {
	Topic string // Path.String() or the expression
	Err   error
}

func (e *TopicError) Error() string {
	return fmt.Sprintf("topic %s: %v", quote(e.Topic), e.Err)
}

// Unwrap returns the sentinel the error maps to.
func (e *TopicError) Unwrap() error { return e.Err }

func quote(s string) string {
	if len(s) > maxQuoted {
		return s[:maxQuoted] + "..."
	}
	return s
}
