// Package goroutines lets tests see which goroutines run: the lifecycle
// tests check that building a part starts none of its goroutines and
// that cancelling its Run stops them all. It is for tests only.
package goroutines

import (
	"runtime"
	"strings"
)

// Matching returns the stacks (as runtime.Stack prints them) of the
// goroutines whose stack contains any of frames, e.g.
// "wsnotify.(*Broker).Run" or "github.com/wsgw/wsgw/gateway/cluster.".
func Matching(frames ...string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, f := range frames {
			if strings.Contains(g, f) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}
