package gen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// workerPath is the gowsdl worker built by TestMain ("" without a go tool).
var workerPath string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "wsgw-gen-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if goTool, err := exec.LookPath("go"); err == nil {
		bin := filepath.Join(dir, "worker")
		if out, err := exec.Command(goTool, "build", "-o", bin, "./testdata/worker").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building the gowsdl worker: %v\n%s", err, out)
			return 1
		}
		workerPath = bin
	}
	return m.Run()
}

// worker returns the runner the tests use for gowsdl.
func worker(t *testing.T) Runner {
	t.Helper()
	if workerPath == "" {
		t.Skip("go tool not found: no gowsdl worker")
	}
	return Command{Path: workerPath}
}

// tempPackageDir makes a directory under testdata (inside the module, so
// that generated code builds against its go.mod; ignored by git and by ./...
// patterns), removed after the test.
func tempPackageDir(t *testing.T) (dir, importPath string) {
	t.Helper()
	dir, err := os.MkdirTemp("testdata", "tmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir, "github.com/wsgw/wsgw/wsdl/gen/testdata/" + filepath.Base(dir)
}
