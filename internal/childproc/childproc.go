// Package childproc runs a test of the current test binary as a child
// process, for crash tests that kill it with SIGKILL and start it again.
package childproc

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// Child is a running child process.
type Child struct {
	cmd  *exec.Cmd
	once sync.Once
}

// Start runs the test named test (os.Args[0] -test.run=^test$) with env;
// once the child prints a line "listening ADDR", addr holds ADDR. Its
// stderr is the parent's.
func Start(t testing.TB, test string, env []string, addr *atomic.Value) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = env
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the child: %v", err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				addr.Store(a)
			}
		}
	}()
	return &Child{cmd: cmd}
}

// Kill kills the child with SIGKILL and waits for it; calling it again
// does nothing.
func (c *Child) Kill() {
	c.once.Do(func() {
		c.cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck // it may have died already
		c.cmd.Wait()                          //nolint:errcheck // killed
	})
}
