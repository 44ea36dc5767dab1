package wsnotify

import (
	"math"
	"sync"

	"github.com/antchfx/xpath"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// xpathFilter is a compiled XPath 1.0 filter (WS-BaseNotification 1.3, 4.2:
// MessageContent and ProducerProperties) evaluated to a boolean (XPath 1.0,
// 4.3 boolean()). antchfx/xpath expressions are not safe for concurrent
// evaluation, so a pool holds one compilation per concurrent use.
type xpathFilter struct {
	src  string
	ns   map[string]string
	pool sync.Pool // of *xpath.Expr
}

func compileFilter(src string, ns map[string]string) (*xpathFilter, error) {
	e, err := xpath.CompileWithNS(src, ns)
	if err != nil {
		return nil, err
	}
	f := &xpathFilter{src: src, ns: ns}
	f.pool.Put(e)
	return f, nil
}

// match evaluates f with e as the context node.
func (f *xpathFilter) match(e xmldoc.Element) (ok bool) {
	if !e.Valid() {
		return false
	}
	x, _ := f.pool.Get().(*xpath.Expr)
	if x == nil {
		var err error
		if x, err = xpath.CompileWithNS(f.src, f.ns); err != nil {
			return false
		}
	}
	defer func() {
		f.pool.Put(x)
		if recover() != nil {
			ok = false // an evaluation error in the library: no match
		}
	}()
	switch v := x.Evaluate(e.Navigator()).(type) {
	case bool:
		return v
	case float64:
		return v != 0 && !math.IsNaN(v)
	case string:
		return v != ""
	case *xpath.NodeIterator:
		return v.MoveNext()
	}
	return false
}
