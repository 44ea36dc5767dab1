package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

func TestFileAdmin_TokenFileRelativeToConfig(t *testing.T) {
	a := fileAdmin{Listen: "127.0.0.1:9090", TokenFile: "admin-token"}.toGateway("/etc/wsgw")
	if a.Listen != "127.0.0.1:9090" || a.TokenFile != "/etc/wsgw/admin-token" {
		t.Fatalf("got %+v, want listen 127.0.0.1:9090 and token file /etc/wsgw/admin-token", a)
	}
}

var adminServingRE = regexp.MustCompile(`"serving admin" addr=(\S+)`)

// With admin.listen and admin.token_file, serve moves /admin and /metrics
// to their own listener, behind the token; the main listener serves
// neither.
func TestServe_AdminListenerAndToken(t *testing.T) {
	const token = "serve-admin-token-0123456789"
	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g := startServe(t, "listen: 127.0.0.1:0\ndata_dir: "+filepath.Join(t.TempDir(), "data")+"\nbroker: {}\n"+
		"admin:\n  listen: 127.0.0.1:0\n  token_file: "+tokenFile+"\n")
	var admin string
	checkfor.True(t, 10*time.Second, "the admin listener's address in the log", func() bool {
		m := adminServingRE.FindStringSubmatch(g.stderr.String())
		if m != nil {
			admin = m[1]
		}
		return m != nil
	})
	for _, path := range []string{"/admin", "/metrics"} {
		if status, _, _ := get(t, "http://"+g.addr+path); status != http.StatusNotFound {
			t.Errorf("main listener GET %s: got %d, want 404", path, status)
		}
		if status, _, _ := get(t, "http://"+admin+path); status != http.StatusUnauthorized {
			t.Errorf("admin listener GET %s without the token: got %d, want 401", path, status)
		}
		req, _ := http.NewRequest(http.MethodGet, "http://"+admin+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if status, _, body := roundTrip(t, req); status != http.StatusOK || !strings.Contains(body, "wsgw_") && !strings.Contains(body, "Broker") {
			t.Errorf("admin listener GET %s with the token: got %d, want 200 with the gateway's figures\n%s", path, status, body)
		}
	}
	if code := g.stop(t); code != 0 {
		t.Errorf("exit code: got %d, want 0; stderr %s", code, g.stderr.String())
	}
}
