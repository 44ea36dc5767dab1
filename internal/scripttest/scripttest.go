// Package scripttest runs the script tests of deterministic protocol
// engines (etcd raft's testdata/*.txt style): a script is a list of
// blocks, each a command line, a "----" line and the output the command
// must produce, ending at a blank line. Lines starting with # and blank
// lines before a command are comments. It is for tests only.
package scripttest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Block is one command of a script and the output it must produce.
type Block struct {
	Prelude []string // comments and blank lines before the command
	Cmd     string
	Want    []string
	Line    int
}

// Parse splits a script into blocks.
func Parse(t testing.TB, text string) []Block {
	t.Helper()
	var out []Block
	var cur Block
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			cur.Prelude = append(cur.Prelude, l)
			continue
		}
		cur.Cmd, cur.Line = l, i+1
		if i+1 >= len(lines) || lines[i+1] != "----" {
			t.Fatalf("line %d: command without ---- line", i+1)
		}
		for i += 2; i < len(lines) && lines[i] != ""; i++ {
			cur.Want = append(cur.Want, lines[i])
		}
		out = append(out, cur)
		cur = Block{}
	}
	return out
}

// RunAll runs every script matching glob as a subtest named after the
// file, with a fresh runner from newRunner for each script: run executes
// one command and returns its output lines. With update set, the scripts
// are rewritten with the output produced instead of being checked.
func RunAll(t *testing.T, glob string, update bool, newRunner func(t *testing.T) (run func(cmd string) []string)) {
	files, _ := filepath.Glob(glob)
	if len(files) == 0 {
		t.Fatalf("no scripts match %s", glob)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { Run(t, f, update, newRunner(t)) })
	}
}

// Run runs the script at path with run.
func Run(t *testing.T, path string, update bool, run func(cmd string) []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocks := Parse(t, strings.TrimRight(string(raw), "\n"))
	var b strings.Builder
	for i, bl := range blocks {
		got := run(bl.Cmd)
		if update {
			if i > 0 {
				b.WriteString("\n")
			}
			for _, p := range bl.Prelude {
				b.WriteString(p + "\n")
			}
			b.WriteString(bl.Cmd + "\n----\n")
			for _, l := range got {
				b.WriteString(l + "\n")
			}
			continue
		}
		if !slices.Equal(got, bl.Want) {
			t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", path, bl.Line, bl.Cmd,
				strings.Join(got, "\n"), strings.Join(bl.Want, "\n"))
		}
	}
	if update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
