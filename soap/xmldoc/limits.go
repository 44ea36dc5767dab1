package xmldoc

// Limits bounds what Parse accepts. A zero field takes the default named in
// its comment.
type Limits struct {
	MaxBytes    int64 // total input bytes; default 10 MiB
	MaxDepth    int   // element nesting depth; default 64
	MaxElements int   // elements in the document; default 100000
	MaxAttrs    int   // attributes (namespace declarations included) per element; default 64
	MaxNameLen  int   // bytes in a qualified name; default 256
	MaxTextLen  int   // bytes in one text run or attribute value; default 4 MiB
}

// Defaults of the Limits fields.
const (
	DefaultMaxBytes    = 10 << 20
	DefaultMaxDepth    = 64
	DefaultMaxElements = 100000
	DefaultMaxAttrs    = 64
	DefaultMaxNameLen  = 256
	DefaultMaxTextLen  = 4 << 20
)

// maxOffset keeps every offset within the int32 fields of the index.
const maxOffset = 1<<31 - 2

// WithDefaults returns l with every zero field set to its default. A
// negative field refuses everything it bounds. MaxBytes is at most 2 GiB - 2
// (the index holds 32-bit offsets).
func (l Limits) WithDefaults() Limits {
	switch {
	case l.MaxBytes == 0:
		l.MaxBytes = DefaultMaxBytes
	case l.MaxBytes < 0:
		l.MaxBytes = -1
	case l.MaxBytes > maxOffset:
		l.MaxBytes = maxOffset
	}
	if l.MaxDepth == 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements == 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxAttrs == 0 {
		l.MaxAttrs = DefaultMaxAttrs
	}
	if l.MaxNameLen == 0 {
		l.MaxNameLen = DefaultMaxNameLen
	}
	if l.MaxTextLen == 0 {
		l.MaxTextLen = DefaultMaxTextLen
	}
	return l
}
