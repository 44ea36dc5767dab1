package xmldoc

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// checkXPathSyntax reports the first place where expr leaves the XPath
// 1.0 grammar (XPath 1.0, 3.1-3.5 for the expressions, 2 for location
// paths, 3.7 for the tokens), naming what the grammar wants there:
//
//	at column 12: want an expression, got the end
//
// antchfx/xpath, which CompileXPath uses, stops at the first token it
// cannot take and keeps what it has read ("//a)" compiles as "//a", "a b"
// as "a"), and it reports a syntax error as "expression must evaluate to
// a node-set". Checking the grammar first refuses both, with a reason.
// It checks syntax only: function names, arity and prefixes are
// antchfx/xpath's to check.
func checkXPathSyntax(expr string) error {
	toks, err := lexXPath(expr)
	if err != nil {
		return err
	}
	p := &xpParser{src: expr, toks: toks}
	p.expr()
	if p.err == nil && p.peek().kind != tEOF {
		p.fail("an operator or the end")
	}
	return p.err
}

type xpKind uint8

const (
	tEOF xpKind = iota
	tLParen
	tRParen
	tLBracket
	tRBracket
	tDot
	tDotDot
	tAt
	tComma
	tColonColon
	tNameTest // *, prefix:*, QName
	tNodeType // comment, text, processing-instruction, node, before '('
	tFunc     // a FunctionName, before '('
	tAxis     // an AxisName, before '::'
	tOp       // an Operator (3.7): and or mod div * / // | + - = != < <= > >=
	tLiteral
	tNumber
	tVar
)

type xpToken struct {
	kind xpKind
	text string
	pos  int // byte offset in the expression
}

// axes are the AxisNames of XPath 1.0, 2.2.
var axes = map[string]bool{
	"ancestor": true, "ancestor-or-self": true, "attribute": true, "child": true, "descendant": true,
	"descendant-or-self": true, "following": true, "following-sibling": true, "namespace": true,
	"parent": true, "preceding": true, "preceding-sibling": true, "self": true,
}

// nodeTypes are the NodeTypes of XPath 1.0, 2.3.
var nodeTypes = map[string]bool{"comment": true, "text": true, "processing-instruction": true, "node": true}

// operatorNames are the OperatorNames of XPath 1.0, 3.7.
var operatorNames = map[string]bool{"and": true, "or": true, "mod": true, "div": true}

// singleCharTokens are the tokens of one character that no other token
// begins with.
var singleCharTokens = map[byte]xpKind{'(': tLParen, ')': tRParen, '[': tLBracket, ']': tRBracket,
	'@': tAt, ',': tComma, '|': tOp, '+': tOp, '-': tOp, '=': tOp}

// operatorSecond is the second character of the two-character operators
// that begin like a one-character one (or like nothing, for "!=").
var operatorSecond = map[byte]byte{'/': '/', '<': '=', '>': '=', '!': '='}

// lexXPath splits expr into tokens by the rules of XPath 1.0, 3.7,
// including its disambiguation of '*' and of names.
func lexXPath(expr string) ([]xpToken, error) {
	var toks []xpToken
	i := 0
	for {
		i = skipXPathSpace(expr, i)
		if i == len(expr) {
			return append(toks, xpToken{kind: tEOF, pos: i}), nil
		}
		tok, err := lexXPathToken(expr, i, afterOperand(toks))
		if err != nil {
			return nil, err
		}
		toks = append(toks, tok)
		i = tok.pos + len(tok.text)
	}
}

// afterOperand applies the first rule of XPath 1.0, 3.7: after a token
// that is not @, ::, (, [, ',' or an Operator, '*' is MultiplyOperator
// and a name is an OperatorName.
func afterOperand(toks []xpToken) bool {
	if len(toks) == 0 {
		return false
	}
	switch toks[len(toks)-1].kind {
	case tAt, tColonColon, tLParen, tLBracket, tComma, tOp:
		return false
	}
	return true
}

func lexXPathToken(s string, i int, operand bool) (xpToken, error) {
	tok := func(k xpKind, n int) (xpToken, error) { return xpToken{kind: k, text: s[i : i+n], pos: i}, nil }
	c := s[i]
	if k, ok := singleCharTokens[c]; ok {
		return tok(k, 1)
	}
	switch c {
	case '/', '<', '>', '!':
		if hasAt(s, i+1, operatorSecond[c]) { // "//", "<=", ">=", "!="
			return tok(tOp, 2)
		}
		if c != '!' { // a lone '!' is no token
			return tok(tOp, 1)
		}
	case ':':
		if hasAt(s, i+1, ':') {
			return tok(tColonColon, 2)
		}
	case '*':
		if operand {
			return tok(tOp, 1)
		}
		return tok(tNameTest, 1)
	case '"', '\'':
		for j := i + 1; j < len(s); j++ {
			if s[j] == c {
				return tok(tLiteral, j+1-i)
			}
		}
		return xpToken{}, syntaxError(s, i, "a closing "+string(c)+" of the literal", "the end")
	case '$':
		n := qNameLen(s, i+1)
		if n == 0 {
			return xpToken{}, syntaxError(s, i+1, "a variable name", describeAt(s, i+1))
		}
		return tok(tVar, 1+n)
	case '.':
		switch {
		case hasAt(s, i+1, '.'):
			return tok(tDotDot, 2)
		case i+1 < len(s) && isDigit(s[i+1]):
			return tok(tNumber, 1+digits(s, i+1))
		}
		return tok(tDot, 1)
	}
	if isDigit(c) {
		n := digits(s, i)
		if hasAt(s, i+n, '.') {
			n += 1 + digits(s, i+n+1)
		}
		return tok(tNumber, n)
	}
	return lexXPathName(s, i, operand)
}

// lexXPathName reads a name at i and tells, by what follows it, which
// token it is (XPath 1.0, 3.7).
func lexXPathName(s string, i int, operand bool) (xpToken, error) {
	n := ncNameLen(s, i)
	if n == 0 {
		return xpToken{}, syntaxError(s, i, "an expression", describeAt(s, i))
	}
	name := s[i : i+n]
	if operand {
		if !operatorNames[name] {
			return xpToken{}, syntaxError(s, i, "an operator", strconv.Quote(name))
		}
		return xpToken{kind: tOp, text: name, pos: i}, nil
	}
	next := skipXPathSpace(s, i+n)
	if hasAt(s, next, ':') && hasAt(s, next+1, ':') {
		if !axes[name] {
			return xpToken{}, syntaxError(s, i, "an axis name", strconv.Quote(name))
		}
		return xpToken{kind: tAxis, text: name, pos: i}, nil
	}
	if hasAt(s, i+n, ':') { // a prefix: no space around the colon of a QName
		switch m := ncNameLen(s, i+n+1); {
		case hasAt(s, i+n+1, '*'):
			return xpToken{kind: tNameTest, text: s[i : i+n+2], pos: i}, nil
		case m == 0:
			return xpToken{}, syntaxError(s, i+n+1, "a local name or * after the prefix", describeAt(s, i+n+1))
		default:
			n += 1 + m
			next = skipXPathSpace(s, i+n)
		}
	}
	if hasAt(s, next, '(') {
		if nodeTypes[s[i:i+n]] {
			return xpToken{kind: tNodeType, text: s[i : i+n], pos: i}, nil
		}
		return xpToken{kind: tFunc, text: s[i : i+n], pos: i}, nil
	}
	return xpToken{kind: tNameTest, text: s[i : i+n], pos: i}, nil
}

// xpParser recognises the token list by XPath 1.0's productions [1]-[39];
// err holds the first error and stops it.
type xpParser struct {
	src  string
	toks []xpToken
	i    int
	err  error
}

func (p *xpParser) peek() xpToken { return p.toks[p.i] }

func (p *xpParser) next() xpToken {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// isOp reports an Operator token among ops at the head.
func (p *xpParser) isOp(ops ...string) bool {
	t := p.peek()
	if p.err != nil || t.kind != tOp {
		return false
	}
	for _, o := range ops {
		if t.text == o {
			return true
		}
	}
	return false
}

func (p *xpParser) fail(want string) {
	if p.err == nil {
		t := p.peek()
		got := "the end"
		if t.kind != tEOF {
			got = strconv.Quote(t.text)
		}
		p.err = syntaxError(p.src, t.pos, want, got)
	}
}

func (p *xpParser) expect(k xpKind, want string) {
	if p.err == nil && p.peek().kind != k {
		p.fail(want)
		return
	}
	p.next()
}

// expr is [14] Expr, and [21]-[27] down to UnaryExpr by precedence.
func (p *xpParser) expr() { p.binary(0) }

// precedence lists the binary operators from the loosest (OrExpr) to the
// tightest (MultiplicativeExpr), XPath 1.0, 3.4 and 3.5.
var precedence = [][]string{{"or"}, {"and"}, {"=", "!="}, {"<", "<=", ">", ">="}, {"+", "-"}, {"*", "div", "mod"}}

func (p *xpParser) binary(level int) {
	if level == len(precedence) {
		p.unary()
		return
	}
	p.binary(level + 1)
	for p.isOp(precedence[level]...) {
		p.next()
		p.binary(level + 1)
	}
}

// unary is [27] UnaryExpr and [18] UnionExpr.
func (p *xpParser) unary() {
	for p.isOp("-") {
		p.next()
	}
	p.pathExpr()
	for p.isOp("|") {
		p.next()
		p.pathExpr()
	}
}

// pathExpr is [19] PathExpr.
func (p *xpParser) pathExpr() {
	if p.err != nil {
		return
	}
	switch t := p.peek(); {
	case t.kind == tVar || t.kind == tLParen || t.kind == tLiteral || t.kind == tNumber || t.kind == tFunc:
		p.primary()
		p.predicates()
		if p.isOp("/", "//") {
			p.next()
			p.relativePath()
		}
	case p.isOp("/"):
		p.next()
		if p.startsStep() {
			p.relativePath()
		}
	case p.isOp("//"):
		p.next()
		p.relativePath()
	case p.startsStep():
		p.relativePath()
	default:
		p.fail("an expression")
	}
}

// startsStep reports a token that can begin [4] Step.
func (p *xpParser) startsStep() bool {
	switch p.peek().kind {
	case tNameTest, tNodeType, tAxis, tAt, tDot, tDotDot:
		return p.err == nil
	}
	return false
}

// relativePath is [3] RelativeLocationPath.
func (p *xpParser) relativePath() {
	p.step()
	for p.isOp("/", "//") {
		p.next()
		p.step()
	}
}

// step is [4] Step, [5] AxisSpecifier and [7] NodeTest.
func (p *xpParser) step() {
	if p.err != nil {
		return
	}
	switch p.peek().kind {
	case tDot, tDotDot:
		p.next()
		return
	case tAxis:
		p.next()
		p.expect(tColonColon, "::")
	case tAt:
		p.next()
	}
	switch t := p.peek(); t.kind {
	case tNameTest:
		p.next()
	case tNodeType:
		p.next()
		p.expect(tLParen, "(")
		if t.text == "processing-instruction" && p.peek().kind == tLiteral {
			p.next()
		}
		p.expect(tRParen, ")")
	default:
		p.fail("a location step")
	}
	p.predicates()
}

// predicates is Predicate* ([8], [9]).
func (p *xpParser) predicates() {
	for p.err == nil && p.peek().kind == tLBracket {
		p.next()
		p.expr()
		p.expect(tRBracket, "]")
	}
}

// primary is [15] PrimaryExpr and [16] FunctionCall.
func (p *xpParser) primary() {
	switch t := p.next(); t.kind {
	case tLParen:
		p.expr()
		p.expect(tRParen, ")")
	case tFunc:
		p.expect(tLParen, "(")
		if p.err == nil && p.peek().kind != tRParen {
			p.expr()
			for p.err == nil && p.peek().kind == tComma {
				p.next()
				p.expr()
			}
		}
		p.expect(tRParen, ") or ,")
	}
}

func syntaxError(s string, pos int, want, got string) error {
	return fmt.Errorf("at column %d: want %s, got %s", utf8.RuneCountInString(s[:pos])+1, want, got)
}

// describeAt names what is at s[i] for an error.
func describeAt(s string, i int) string {
	if i >= len(s) {
		return "the end"
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return strconv.QuoteRune(r)
}

func skipXPathSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

func hasAt(s string, i int, c byte) bool { return i < len(s) && s[i] == c }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digits(s string, i int) int {
	n := 0
	for i+n < len(s) && isDigit(s[i+n]) {
		n++
	}
	return n
}

// ncNameLen returns the length of the NCName at s[i:] (Namespaces in XML
// 1.0, [4]), 0 when there is none.
func ncNameLen(s string, i int) int {
	n := 0
	for i+n < len(s) {
		r, size := utf8.DecodeRuneInString(s[i+n:])
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 && isNameStartRune(r)
		if n > 0 {
			ok = ok || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 0x80 && isNameRune(r)
		}
		if !ok {
			break
		}
		n += size
	}
	return n
}

// qNameLen returns the length of the QName at s[i:], 0 when there is none.
func qNameLen(s string, i int) int {
	n := ncNameLen(s, i)
	if n > 0 && hasAt(s, i+n, ':') {
		if m := ncNameLen(s, i+n+1); m > 0 {
			return n + 1 + m
		}
	}
	return n
}
