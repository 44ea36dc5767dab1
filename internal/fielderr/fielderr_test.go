package fielderr

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestPath_String(t *testing.T) {
	var root Path
	for _, tc := range []struct {
		p    Path
		want string
	}{
		{root, ""},
		{root.Field("Listen"), "Listen"},
		{root.Field("Services").Index(1).Field("Reliable").Field("MaxQueue"), "Services[1].Reliable.MaxQueue"},
		{root.Field("Key").Field("Namespaces").Key("q"), "Key.Namespaces[q]"},
		{root.Field("Operations").Key("a.b").Field("Timeout"), `Operations["a.b"].Timeout`},
		{root.Field("Operations").Key(""), `Operations[""]`},
		{root.Index(2), "[2]"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// Extending one parent path twice must not let the second extension
// overwrite the first (append on a shared backing array).
func TestPath_ExtensionsDoNotShareSteps(t *testing.T) {
	parent := make(Path, 0, 8).Field("Services").Index(0)
	a := parent.Field("Name")
	b := parent.Field("WSDL")
	if a.String() != "Services[0].Name" || b.String() != "Services[0].WSDL" {
		t.Errorf("got %q and %q, want Services[0].Name and Services[0].WSDL", a, b)
	}
}

func TestList_NestPrefixesInOrder(t *testing.T) {
	var child List
	child.Add(Path{}.Field("Partitions").Index(0).Field("Replicas"), "no replicas")
	child.Add(Path{}.Field("Health").Field("Interval"), "negative")
	var l List
	l.Add(Path{}.Field("Listen"), "bad")
	svc := Path{}.Field("Services").Index(2)
	l.Nest(svc.Field("Cluster"), child.Err())
	l.Nest(svc.Field("Stage"), errors.New("not a field error"))
	l.Nest(svc.Field("Key"), nil)
	var got []string
	for _, e := range All(l.Err()) {
		got = append(got, e.Error())
	}
	want := []string{
		"Listen: bad",
		"Services[2].Cluster.Partitions[0].Replicas: no replicas",
		"Services[2].Cluster.Health.Interval: negative",
		"Services[2].Stage: not a field error",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestError_FieldAndUnwrap(t *testing.T) {
	cause := errors.New("cause")
	e := Errorf(Path{}.Field("A").Index(3), "wrapping: %w", cause)
	var f interface{ Field() string }
	if !errors.As(error(e), &f) || f.Field() != "A[3]" {
		t.Fatalf("got %v, want a Field() of A[3]", f)
	}
	if !errors.Is(e, cause) {
		t.Errorf("errors.Is(cause): got false, want true")
	}
	if got := At(nil, cause).Error(); got != "cause" {
		t.Errorf("empty path: got %q, want %q", got, "cause")
	}
}

func TestAll_FlattensNestedJoinsKeepsWrappedTextWhole(t *testing.T) {
	a := Errorf(Path{}.Field("A"), "a")
	b := Errorf(Path{}.Field("B"), "b")
	wrapped := fmt.Errorf("context: %w", Errorf(Path{}.Field("C"), "c"))
	got := All(errors.Join(a, errors.Join(b, wrapped)))
	if len(got) != 3 || got[0] != a || got[1] != b || len(got[2].Path) != 0 || got[2].Error() != "context: C: c" {
		t.Errorf("got %v, want A, B and the wrapped error whole at the empty path", got)
	}
	under := All(Under(Path{}.Field("X"), errors.Join(a, errors.New("plain"))))
	if len(under) != 2 || under[0].Error() != "X.A: a" || under[1].Error() != "X: plain" {
		t.Errorf("Under: got %v, want X.A: a and X: plain", under)
	}
	if Under(Path{}.Field("X"), nil) != nil {
		t.Errorf("Under(nil): want nil")
	}
	if All(nil) != nil {
		t.Errorf("All(nil): want nil")
	}
	var l List
	if l.Err() != nil {
		t.Errorf("empty List.Err: want nil")
	}
}
