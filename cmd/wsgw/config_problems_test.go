package main

import (
	"bytes"
	"context"
	"github.com/wsgw/wsgw/storage/natsnode"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/wssecurity"
)

// A config that decodes but does not validate: every problem is named by
// its YAML key path (not the Go field names the gateway reports) with the
// line and column of the key, in field order, and the same on every run.
func TestServe_InvalidConfigNamesYAMLKeysAndLines(t *testing.T) {
	path := "testdata/invalid.yaml"
	want := "wsgw: config " + path + ": invalid configuration:\n" +
		`  services[0].cluster.partitions[0].replicas[0]: replica URL "http://10.0.0.1:99999": port 99999 is not in 1-65535 (line 15, column 22)
  services[0].cluster.partitions[0].replicas[1]: parsing replica URL: parse "http://10.0.0.2:abc": invalid port ":abc" after host (line 15, column 45)
  services[0].cluster.breaker.failure_ratio: 2 is over 1 (line 16, column 17)
  services[0].key.xpath: "//o:OrderId[" does not compile: at column 13: want an expression, got the end (line 7, column 7)
  services[0].key.namespaces[y]: empty namespace URI (line 8, column 42)
  services[0].key.namespaces[z]: empty namespace URI (line 8, column 35)
  services[0].key.missing: "sometimes": want "reject" or "any" (line 9, column 7)
  services[0].operations[Cancel].timeout: negative (line 12, column 16)
  services[0].operations[Place].timeout: negative (line 11, column 15)
  services[0].reliable.idle_timeout: negative (line 20, column 7)
  services[0].reliable.max_held: negative (line 19, column 7)
  services[0].reliable.max_queue: negative (line 18, column 7)
  services[0].reliable.retry.backoff: negative (line 21, column 15)
  services[0].reliable.egress.cidrs[1]: "nonsense" is not an IP address, a CIDR or "loopback" (line 22, column 34)
  services[1].name: "Orders" is also the name of services[0] (line 23, column 5)
  services[1].cluster.partitions: no partitions (line 23, column 5)
  broker.egress.ports[0]: 0 out of range 1-65535 (line 26, column 20)
`
	for i := range 20 {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"serve", "--config", path}, &stdout, &stderr)
		if code != 2 || stderr.String() != want {
			t.Fatalf("run %d: got exit %d, stderr\n%s\nwant exit 2, stderr\n%s", i, code, stderr.String(), want)
		}
	}
}

// Problems gateway.New finds after validation (here a WSDL file that is
// not there) are named by key and line too.
func TestServe_LoadProblemNamesYAMLKeyAndLine(t *testing.T) {
	dir := t.TempDir()
	cfg := "listen: 127.0.0.1:0\ndata_dir: " + filepath.Join(dir, "data") + "\nservices:\n" +
		"  - name: A\n    wsdl: missing.wsdl\n    cluster: {partitions: [{replicas: [http://127.0.0.1:1]}]}\n"
	path := filepath.Join(dir, "wsgw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--config", path}, &stdout, &stderr)
	got := stderr.String()
	if code != 2 || !strings.Contains(got, "\n  services[0].wsdl: loading wsdl ") || !strings.HasSuffix(got, " (line 5, column 5)\n") {
		t.Errorf("got exit %d, stderr\n%s\nwant 2 and a services[0].wsdl problem at line 5, column 5", code, got)
	}
}

// Where the key is absent, the position is that of the nearest enclosing
// key or list entry; with no document at all, there is none.
func TestExplainConfig_AbsentKeyAndNoDocument(t *testing.T) {
	fc := &fileConfig{}
	doc := "services:\n  - name: A\n    wsdl: a.wsdl\n"
	var err error
	if fc.doc, err = decodeDocument([]byte(doc), fc); err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway(".")
	want := "  services[0].cluster.partitions: no partitions (line 2, column 5)"
	if got := fc.explainConfig(cfg.Validate()); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	fc.doc = nil
	if got := fc.explainConfig(cfg.Validate()); got != "  services[0].cluster.partitions: no partitions" {
		t.Errorf("without a document: got %q, want no position", got)
	}
}

// The TLS and security sections map like the rest, promoted fields
// (security's bounds are wssecurity.Config's) included.
func TestExplainConfig_TLSAndSecurityKeys(t *testing.T) {
	want := "  tls: the certificate and key files are both required (line 1, column 1)\n" +
		"  security.max_age: negative (line 4, column 3)"
	if got := explainDoc(t, "tls:\n  cert_file: a.pem\nsecurity:\n  max_age: -1s\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// explainDoc validates the configuration file doc and explains its
// problems (explainConfig).
func explainDoc(t *testing.T, doc string) string {
	t.Helper()
	fc := &fileConfig{}
	var err error
	if fc.doc, err = decodeDocument([]byte(doc), fc); err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway(".")
	return fc.explainConfig(cfg.Validate())
}

// The broker's security section is the gateway's BrokerSecurity, kept
// under broker.security in the file: its problems are named there.
func TestExplainConfig_BrokerSecurityKeys(t *testing.T) {
	got := explainDoc(t, "broker:\n  security:\n    operations:\n      Publish: {}\n    topics:\n      - topic: \"{unclosed\"\n")
	for _, want := range []string{`broker.security.operations[Publish]: "Publish": want one of`, "(line 4, column 7)",
		"broker.security.topics[0].topic: ", "(line 6, column 9)"} {
		if !strings.Contains(got, want) {
			t.Errorf("got\n%s\nwant %q in it", got, want)
		}
	}
}

// The file format's structs carry the Go field names of the gateway's
// configuration (config_problems.go maps problem paths by them): every
// field of gateway.Config, and of the structs, slices and maps inside it,
// has a field of the same name in the matching file struct, save those
// the file deliberately does not set. So do the users file's, for
// wssecurity.User.
func TestFileFormat_MirrorsGatewayFieldNames(t *testing.T) {
	checkMirror(t, reflect.TypeFor[gateway.Config](), reflect.TypeFor[fileConfig](), map[string]bool{
		"ReadStage.Name":                   true, // defaulted by the gateway
		"Services[].Stage.Name":            true,
		"Services[].Cluster.Name":          true,
		"Security.Users":                   true, // from the users file (loadUsers)
		"Services[].ReliableStage.Name":    true,
		"BrokerStage.Name":                 true,
		"ReadStage.Limiter":                true, // only a partition's stage learns a limit
		"BrokerStage.Limiter":              true,
		"Services[].ReliableStage.Limiter": true,
		"AccessLogOff":                     true, // access_log
		"BrokerSecurity":                   true, // broker.security: checked below
		"BrokerReliable":                   true, // broker.reliable: checked below
		"ClusterReliable":                  true, // cluster.reliable: checked below
	})
	checkMirror(t, reflect.TypeFor[gateway.BrokerSecurity](), reflect.TypeFor[fileBrokerSecurity](), nil)
	checkMirror(t, reflect.TypeFor[gateway.ReliableLimits](), reflect.TypeFor[FileReliableLimits](), nil)
	checkMirror(t, reflect.TypeFor[wssecurity.User](), reflect.TypeFor[fileUser](), nil)
	checkMirror(t, reflect.TypeFor[natsnode.Config](), reflect.TypeFor[fileNode](), nil)
	checkMirror(t, reflect.TypeFor[gateway.ClusterTimings](), reflect.TypeFor[fileClusterTimings](), nil)
}

// checkMirror fails t for each field of lib (and of the types inside it)
// that file has no field of the same name for, save those in notInFile
// (paths such as "Services[].Stage.Name").
func checkMirror(t *testing.T, lib, file reflect.Type, notInFile map[string]bool) {
	t.Helper()
	var walk func(lib, file reflect.Type, path string)
	walk = func(lib, file reflect.Type, path string) {
		for lib.Kind() == reflect.Pointer {
			lib = lib.Elem()
		}
		for file.Kind() == reflect.Pointer {
			file = file.Elem()
		}
		switch lib.Kind() {
		case reflect.Slice, reflect.Map:
			if file.Kind() != lib.Kind() {
				t.Errorf("%s: the library has a %s, the file a %s", path, lib.Kind(), file.Kind())
				return
			}
			walk(lib.Elem(), file.Elem(), path+"[]")
		case reflect.Struct:
			if file.Kind() != reflect.Struct {
				t.Errorf("%s: the library has a struct, the file a %s", path, file.Kind())
				return
			}
			if lib.PkgPath() == "time" {
				return
			}
			for i := range lib.NumField() {
				lf := lib.Field(i)
				fpath := strings.TrimPrefix(path+"."+lf.Name, ".")
				ff, ok := file.FieldByName(lf.Name)
				switch {
				case lf.Anonymous: // promoted fields: the file has them at this level
					walk(lf.Type, file, path)
				case !lf.IsExported() || notInFile[fpath]:
				case !ok || ff.Tag.Get("yaml") == "":
					t.Errorf("%s: no field of that name with a yaml key in %s", fpath, file)
				default:
					walk(lf.Type, ff.Type, fpath)
				}
			}
		}
	}
	walk(lib, file, "")
}
