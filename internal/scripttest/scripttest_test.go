package scripttest

import (
	"slices"
	"testing"
)

func TestParse_BlocksWithPreludes(t *testing.T) {
	got := Parse(t, "# comment\n\ncmd a\n----\nout 1\nout 2\n\ncmd b\n----\n")
	if len(got) != 2 {
		t.Fatalf("got %d blocks, want 2", len(got))
	}
	if got[0].Cmd != "cmd a" || !slices.Equal(got[0].Want, []string{"out 1", "out 2"}) || got[0].Line != 3 {
		t.Errorf("got %+v, want cmd a at line 3 with two output lines", got[0])
	}
	if !slices.Equal(got[0].Prelude, []string{"# comment", ""}) {
		t.Errorf("got prelude %q, want the comment and a blank line", got[0].Prelude)
	}
	if got[1].Cmd != "cmd b" || len(got[1].Want) != 0 {
		t.Errorf("got %+v, want cmd b with no output", got[1])
	}
}
