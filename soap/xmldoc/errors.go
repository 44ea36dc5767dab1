package xmldoc

import "fmt"

// LimitError reports the first limit the input exceeded.
type LimitError struct {
	Limit  string // field name in Limits, e.g. "MaxDepth"
	Max    int64
	Got    int64 // the value that exceeded Max (for MaxBytes: at least Max+1)
	Offset int64 // byte offset where the limit was exceeded
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("xmldoc: %s %d exceeds %s %d at offset %d",
		limitNoun(e.Limit), e.Got, e.Limit, e.Max, e.Offset)
}

func limitNoun(limit string) string {
	switch limit {
	case "MaxBytes":
		return "input size"
	case "MaxDepth":
		return "element depth"
	case "MaxElements":
		return "element count"
	case "MaxAttrs":
		return "attribute count"
	case "MaxNameLen":
		return "name length"
	case "MaxTextLen":
		return "text length"
	}
	return "value"
}

// SyntaxError reports input that is not well-formed XML (or uses an undeclared
// namespace prefix).
type SyntaxError struct {
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("xmldoc: syntax error at offset %d: %s", e.Offset, e.Msg)
}

// ForbiddenError reports a construct the reader refuses: "DOCTYPE" or
// "processing instruction" (the XML declaration itself is allowed).
type ForbiddenError struct {
	Offset    int64
	Construct string
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("xmldoc: %s forbidden at offset %d", e.Construct, e.Offset)
}
