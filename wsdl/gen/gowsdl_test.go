package gen

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func TestCommand_ChildCrashIsAnError(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// The child dies as a gowsdl goroutine panic would kill it.
	c := Command{Path: sh, Args: []string{"-c", `echo "panic: boom [recovered]" >&2; exit 2`, "sh"}}
	_, err = c.RunGowsdl(t.Context(), "x.wsdl", "p")
	if err == nil || !strings.Contains(err.Error(), "exit status 2") || !strings.Contains(err.Error(), "panic: boom") {
		t.Errorf("got %v, want the exit status and the panic", err)
	}
}

func TestCommand_ReportsGowsdlError(t *testing.T) {
	runner := worker(t)
	_, err := runner.RunGowsdl(t.Context(), "testdata/does-not-exist.wsdl", "p")
	if err == nil || !strings.Contains(err.Error(), "gowsdl: ") || !strings.Contains(err.Error(), "does-not-exist.wsdl") {
		t.Errorf("got %v, want gowsdl's error naming the file", err)
	}
}

func TestServeGowsdl_BadArguments(t *testing.T) {
	var out, errb bytes.Buffer
	if code := ServeGowsdl(t.Context(), []string{"only-one"}, &out, &errb); code != 2 || out.Len() != 0 {
		t.Errorf("got exit %d, stdout %q; want 2 and nothing", code, out.String())
	}
}
