package xmldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// parser holds the state of one parse. The scanner reads from buf by
// offset and asks fill for more bytes when it runs out, so every limit is
// checked as the bytes that break it arrive. Slices of buf must not be held
// across a call that may fill (buf may move when it grows); offsets may.
type parser struct {
	r        io.Reader
	buf      []byte
	eof      bool
	checked  int // bytes of buf validated by checkChars
	lim      Limits
	d        *Doc
	stack    []int32 // open elements, innermost last
	total    int     // input size when known in advance, else 0
	hint     int     // expected input size, or 0
	stackBuf [16]int32
	bind     map[string]int32 // prefix -> innermost declaration in scope

	// Caches of bind: the default namespace's declaration (-1 for none)
	// and the last prefix looked up.
	defaultNS  int32
	lastPrefix string
	lastDecl   int32
	lastOK     bool

	// Sets for attribute uniqueness in tags with many attributes.
	seenNames    map[string]struct{}
	seenExpanded map[[2]string]struct{}
}

// errInternal marks a panic inside the parser.
var errInternal = errors.New("xmldoc: internal error")

// bailout carries a parse error up to run (as go/parser does): the
// scanner's many small helpers then need no error plumbing.
type bailout struct{ err error }

func (p *parser) fail(err error) { panic(bailout{err}) }

func (p *parser) syntax(off int, msg string) {
	p.fail(&SyntaxError{Offset: int64(off), Msg: msg})
}

func (p *parser) limit(name string, max, got, off int) {
	p.fail(&LimitError{Limit: name, Max: int64(max), Got: int64(got), Offset: int64(off)})
}

const (
	minBufCap     = 4 << 10
	maxEmptyReads = 100
	// The index starts at this many elements per KiB of input when its size
	// is known (a SOAP request has some 10 to 40 in its first KiB), within
	// maxInitialElems (and attributes within maxInitialAttrs); growth then
	// extrapolates from what has been read. (choice) The start is small: a
	// large request is mostly content (a document, base64 data), and an
	// index guessed from its size would cost more than the request itself;
	// one that is mostly elements pays one regrowth, sized by
	// extrapolation.
	initialElemsPerKiB = 12
	maxInitialElems    = 64
	maxInitialAttrs    = 16
	predefinedDecl     = 0 // decls[0] binds the xml prefix (Namespaces 3)
)

// Parse reads r to EOF (at most lim.MaxBytes) and indexes it. Limits are
// checked as bytes arrive, so an over-deep or over-large document is refused
// without reading the rest. Errors are *LimitError, *SyntaxError,
// *ForbiddenError, or the reader's own error.
//
// When r has a Len method (bytes.Reader, strings.Reader, bytes.Buffer) the
// buffer is sized from it once.
func Parse(r io.Reader, lim Limits) (*Doc, error) {
	d, _, err := ReadSized(r, -1, lim)
	return d, err
}

// ParseSized is Parse with the expected input size (such as an HTTP
// Content-Length), used only to size the buffer and the index up front. The
// size is not trusted: a longer input is still read up to lim.MaxBytes, and
// at most maxSizeHint bytes are reserved on its word.
func ParseSized(r io.Reader, size int64, lim Limits) (*Doc, error) {
	d, _, err := parseReader(r, min(size, maxSizeHint), false, lim)
	return d, err
}

// ReadSized is ParseSized that also returns the bytes it read, on error
// too (then up to where the reader stopped): a caller answering a refused
// document can look at its start without keeping a copy of every input.
// size is negative when unknown. On success input is the Doc's Raw.
func ReadSized(r io.Reader, size int64, lim Limits) (d *Doc, input []byte, err error) {
	if size < 0 {
		if l, ok := r.(interface{ Len() int }); ok {
			return parseReader(r, int64(l.Len()), true, lim)
		}
		size = 0
	}
	return parseReader(r, min(size, maxSizeHint), false, lim)
}

// maxSizeHint bounds what ParseSized reserves before the bytes arrive.
const maxSizeHint = 1 << 20

func parseReader(r io.Reader, size int64, exact bool, lim Limits) (*Doc, []byte, error) {
	lim = lim.WithDefaults()
	var p parser
	c := int64(minBufCap)
	if size > 0 {
		c = size + 1 // +1 to see EOF without growing
	}
	c = max(0, min(c, lim.MaxBytes+1))
	p.r, p.lim, p.buf = r, lim, make([]byte, 0, c)
	p.hint = int(min(size, lim.MaxBytes))
	if exact {
		p.total = p.hint
	}
	d, err := p.run()
	return d, p.buf, err
}

// ParseBytes indexes b without copying it; b must not be modified afterwards.
func ParseBytes(b []byte, lim Limits) (*Doc, error) {
	lim = lim.WithDefaults()
	if int64(len(b)) > lim.MaxBytes {
		return nil, &LimitError{Limit: "MaxBytes", Max: lim.MaxBytes, Got: int64(len(b)), Offset: lim.MaxBytes}
	}
	if _, err := checkChars(b, 0, true); err != nil {
		return nil, err
	}
	p := parser{buf: b, eof: true, checked: len(b), lim: lim, total: len(b), hint: len(b)}
	return p.run()
}

func (p *parser) run() (d *Doc, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				// A bug, not the input's fault; the gateway must still
				// answer with a fault rather than crash (FuzzParse looks
				// for these).
				b.err = fmt.Errorf("%w: %v", errInternal, r)
			}
			d, err = nil, b.err
		}
	}()
	n := max(0, min(max(p.hint, cap(p.buf))>>10*initialElemsPerKiB+16, maxInitialElems, p.lim.MaxElements))
	p.d = &Doc{elems: make([]elem, 0, n), attrs: make([]attr, 0, min(n, maxInitialAttrs))}
	p.d.decls = append(make([]nsDecl, 0, 8), nsDecl{prefix: "xml", uri: xmlNS, uriSet: true, prev: -1, shadow: -1})
	p.stack = p.stackBuf[:0]
	p.defaultNS = -1
	p.document()
	p.d.raw = p.buf
	p.finish()
	return p.d, nil
}

// fill reads more input into buf, growing it, and validates the new
// characters. It reports false at end of input.
func (p *parser) fill() bool {
	if p.eof {
		return false
	}
	for empty := 0; ; empty++ {
		if len(p.buf) == cap(p.buf) {
			p.grow()
		}
		n, err := p.r.Read(p.buf[len(p.buf):cap(p.buf)])
		p.buf = p.buf[:len(p.buf)+n]
		if int64(len(p.buf)) > p.lim.MaxBytes {
			p.limit("MaxBytes", int(p.lim.MaxBytes), len(p.buf), int(p.lim.MaxBytes))
		}
		if err == io.EOF {
			p.eof = true
		} else if err != nil {
			p.fail(err)
		}
		k, cerr := checkChars(p.buf[p.checked:], p.checked, p.eof)
		if cerr != nil {
			p.fail(cerr)
		}
		p.checked += k
		if n > 0 || p.eof {
			return n > 0
		}
		if empty >= maxEmptyReads {
			p.fail(io.ErrNoProgress)
		}
	}
}

func (p *parser) grow() {
	c := 2 * cap(p.buf)
	if c < minBufCap {
		c = minBufCap
	}
	if int64(c) > p.lim.MaxBytes+1 {
		c = int(p.lim.MaxBytes + 1)
	}
	nb := make([]byte, len(p.buf), c)
	copy(nb, p.buf)
	p.buf = nb
}

// ensure tries to make buf[:i+1] available; it reports whether it is.
func (p *parser) ensure(i int) bool {
	for i >= len(p.buf) {
		if !p.fill() {
			return false
		}
	}
	return true
}

// at returns the byte at offset i; ok is false past the end of input.
func (p *parser) at(i int) (c byte, ok bool) {
	if i < len(p.buf) {
		return p.buf[i], true
	}
	if !p.ensure(i) {
		return 0, false
	}
	return p.buf[i], true
}

// must returns the byte at offset i, failing at end of input.
func (p *parser) must(i int) byte {
	c, ok := p.at(i)
	if !ok {
		p.unexpectedEOF(i)
	}
	return c
}

func (p *parser) unexpectedEOF(i int) {
	if n := len(p.stack); n > 0 {
		e := &p.d.elems[p.stack[n-1]]
		p.syntax(i, "unexpected end of input in element <"+string(p.buf[e.start+1:e.nameEnd])+">")
	}
	p.syntax(i, "unexpected end of input")
}

// hasPrefix reports whether the input at offset i starts with s.
func (p *parser) hasPrefix(i int, s string) bool {
	p.ensure(i + len(s) - 1)
	return bytes.HasPrefix(p.buf[min(i, len(p.buf)):], []byte(s))
}

// skipSpace returns the offset of the first non-space byte at or after i
// (or the end of input).
func (p *parser) skipSpace(i int) int {
	for {
		c, ok := p.at(i)
		if !ok || !isSpace(c) {
			return i
		}
		i++
	}
}

// find returns the offset of the first occurrence of seq at or after from,
// or -1 at end of input. More than maxLen bytes before it is a MaxTextLen
// error.
func (p *parser) find(from int, seq string, maxLen int) int {
	searched := from
	for {
		if k := indexSeq(p.buf[searched:], seq); k >= 0 {
			j := searched + k
			if j-from > maxLen {
				p.limit("MaxTextLen", maxLen, j-from, from)
			}
			return j
		}
		searched = max(from, len(p.buf)-len(seq)+1)
		if len(p.buf)-from > maxLen {
			p.limit("MaxTextLen", maxLen, len(p.buf)-from, from)
		}
		if !p.fill() {
			return -1
		}
	}
}

func indexSeq(b []byte, seq string) int {
	if len(seq) == 1 {
		return bytes.IndexByte(b, seq[0])
	}
	return bytes.Index(b, []byte(seq))
}

// growCap returns the capacity for an index slice of n entries that is
// full, read up to offset pos: twice as large, or what the density so far
// predicts for the whole input, as far as its size is known (a hint does
// not count; bytes read ahead do).
func (p *parser) growCap(n, pos, limit int) int {
	c := 2*n + 16
	total := max(p.total, len(p.buf)) // bytes that have arrived are no guess
	if total > 0 && pos > 0 {
		if est := int(int64(n)*int64(total)/int64(pos))*9/8 + 16; est > c {
			c = est
		}
	}
	return min(c, max(limit, n+1))
}
