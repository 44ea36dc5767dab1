package topic

import "slices"

// maxFew is the number of children kept in node.few before node.many.
const maxFew = 8

func (n *node) child(name string) *node {
	if n.many != nil {
		return n.many[name]
	}
	for _, c := range n.few {
		if c.name == name {
			return c
		}
	}
	return nil
}

// addChild returns the child called name, creating it if needed.
func (n *node) addChild(name string) *node {
	if c := n.child(name); c != nil {
		return c
	}
	c := &node{name: name}
	switch {
	case n.many != nil:
		n.many[name] = c
	case len(n.few) < maxFew:
		n.few = append(n.few, c)
	default:
		n.many = make(map[string]*node, 2*maxFew)
		for _, f := range n.few {
			n.many[f.name] = f
		}
		n.many[name] = c
		n.few = nil
	}
	return c
}

// removeChild drops the child called name. A node that went to a map stays
// with it.
func (n *node) removeChild(name string) {
	if n.many != nil {
		delete(n.many, name)
		return
	}
	n.few = slices.DeleteFunc(n.few, func(c *node) bool { return c.name == name })
}
