package caller

import (
	"context"
	"net/netip"
	"testing"
)

func TestRemoteAddr(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.7:5000", "addr:192.0.2.7"},
		{"[::ffff:192.0.2.7]:5000", "addr:192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "addr:2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "addr:2001:db8:1:2::/64"},
		{"pipe", ""},
	} {
		if got := RemoteAddr(tt.in); string(got) != tt.want {
			t.Errorf("RemoteAddr(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestID_Kinds(t *testing.T) {
	if n, ok := User("alice").UserName(); !ok || n != "alice" || !User("alice").Authenticated() {
		t.Errorf("User(alice): got %q %v, want alice authenticated", n, ok)
	}
	if s, ok := Certificate("CN=x").Subject(); !ok || s != "CN=x" || !Certificate("CN=x").Authenticated() {
		t.Errorf("Certificate(CN=x): got %q %v", s, ok)
	}
	if a := Address(netip.MustParseAddr("192.0.2.1")); a.Authenticated() {
		t.Errorf("%s is authenticated, want not", a)
	}
}

func TestContext(t *testing.T) {
	if got := FromContext(context.Background()); got != "" {
		t.Errorf("FromContext(empty): got %q, want none", got)
	}
	if got := FromContext(NewContext(context.Background(), User("a"))); got != User("a") {
		t.Errorf("FromContext: got %q, want user:a", got)
	}
}

func TestCounts(t *testing.T) {
	c := Counts{}
	a := User("a")
	c.Add(a, 1)
	c.Add(a, 1)
	c.Add("", 5)
	if !c.Full(a, 2) || c.Full(a, 3) || c.Full(a, 0) || c.Full("", 1) {
		t.Errorf("Full: got counts %v, want a at 2, nobody for the zero ID", c)
	}
	c.Add(a, -2)
	if len(c) != 0 {
		t.Errorf("after removing everything: got %v, want empty", c)
	}
}
