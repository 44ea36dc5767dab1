package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/hooklift/gowsdl"
)

// Code is what one gowsdl run produced: its code parts ("header", "types",
// "operations") and everything it logged.
type Code struct {
	Parts map[string][]byte `json:"parts"`
	Log   string            `json:"log"`
}

// Runner runs gowsdl on a (flattened) WSDL file.
type Runner interface {
	RunGowsdl(ctx context.Context, wsdlFile, pkg string) (*Code, error)
}

// InProcess runs gowsdl in this process. gowsdl v0.5.0 writes one map
// from two goroutines in (*GoWSDL).Start: a data race that the race
// detector reports and that can, rarely, crash the process ("concurrent
// map writes", which no recover catches). Programs built with -race, and
// those that must not die, use Command.
type InProcess struct{}

var _ Runner = InProcess{}

// gowsdlMu serialises gowsdl runs: each takes over the standard logger
// (gowsdl logs its errors there), which is process-wide.
var gowsdlMu sync.Mutex

// RunGowsdl runs gowsdl, capturing what it logs and recovering a panic of
// its calling goroutine.
func (InProcess) RunGowsdl(ctx context.Context, wsdlFile, pkg string) (code *Code, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	gowsdlMu.Lock()
	defer gowsdlMu.Unlock()
	var logBuf bytes.Buffer
	w, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(&logBuf)
	log.SetFlags(0)
	log.SetPrefix("")
	defer func() {
		log.SetOutput(w)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
		if r := recover(); r != nil {
			code, err = nil, fmt.Errorf("gowsdl panicked: %v\n%s", r, firstLines(string(debug.Stack()), 12))
		}
	}()
	g, err := gowsdl.NewGoWSDL(wsdlFile, pkg, false, true)
	if err != nil {
		return nil, fmt.Errorf("gowsdl: %w", err)
	}
	parts, err := g.Start()
	if err != nil {
		return nil, fmt.Errorf("gowsdl: %w", err)
	}
	return &Code{Parts: parts, Log: logBuf.String()}, nil
}

// Command runs gowsdl in a child process, Path with Args followed by the
// WSDL file and the package name; the child calls ServeGowsdl with those
// two arguments. A crash of gowsdl (including a panic on one of its
// goroutines) is then an error, and the caller's standard logger is left
// alone. `wsgw gen` runs itself this way.
type Command struct {
	Path string
	Args []string
}

var _ Runner = Command{}

// workerReply is what ServeGowsdl writes to its stdout.
type workerReply struct {
	Code  *Code  `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// crashTries bounds the runs of a child that died of gowsdl's map race.
const crashTries = 3

// RunGowsdl runs the child and reads its reply. The child runs with
// GOMAXPROCS=1: gowsdl's two goroutines then never write their map in
// parallel, and the runtime's "concurrent map writes" check, which fires
// often on a multi-core machine, cannot; should it fire anyway, the child
// is run again.
func (c Command) RunGowsdl(ctx context.Context, wsdlFile, pkg string) (*Code, error) {
	var stdout, stderr bytes.Buffer
	for try := 1; ; try++ {
		stdout.Reset()
		stderr.Reset()
		cmd := exec.CommandContext(ctx, c.Path, append(append([]string(nil), c.Args...), wsdlFile, pkg)...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err == nil {
			break
		}
		if try < crashTries && ctx.Err() == nil && strings.Contains(stderr.String(), "concurrent map writes") {
			continue
		}
		return nil, fmt.Errorf("running gowsdl (%s): %w\n%s", c.Path, err, firstLines(stderr.String(), 12))
	}
	var r workerReply
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("reading the reply of gowsdl (%s): %w\n%s", c.Path, err, firstLines(stderr.String(), 12))
	}
	if r.Error != "" {
		return nil, errors.New(r.Error)
	}
	if r.Code == nil {
		return nil, fmt.Errorf("reading the reply of gowsdl (%s): no code", c.Path)
	}
	return r.Code, nil
}

// ServeGowsdl is the child side of Command: args are the WSDL file and the
// package name; it runs gowsdl in process and writes the outcome to stdout
// as JSON. It returns the exit status: 0 when a reply was written (a gowsdl
// error is part of the reply), 2 for bad arguments.
func ServeGowsdl(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "gowsdl worker: want 2 arguments (WSDL file, package name)")
		return 2
	}
	code, err := InProcess{}.RunGowsdl(ctx, args[0], args[1])
	r := workerReply{Code: code}
	if err != nil {
		r.Error = err.Error()
	}
	if err := json.NewEncoder(stdout).Encode(r); err != nil {
		fmt.Fprintln(stderr, "gowsdl worker: writing reply:", err)
		return 1
	}
	return 0
}

// firstLines returns at most n lines of s.
func firstLines(s string, n int) string {
	lines := strings.SplitAfterN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "")
}
