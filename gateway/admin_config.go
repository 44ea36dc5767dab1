package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// AdminConfig says where the admin page (/admin, admin.go) and the
// metrics (/metrics) are served and who may read them. The zero value
// serves both on the main listener to anyone, as before the page existed.
type AdminConfig struct {
	// Listen, when set, serves /admin and /metrics on a listener of their
	// own at this host:port, with the main listener's TLS when Config.TLS
	// is set (choice: one certificate, and mTLS keeps the admin side to
	// callers with a client certificate too), and no longer on the main
	// listener. Serve listens on it unless Options.AdminListener is given.
	Listen string
	// TokenFile, when set, names a file holding the token /admin and
	// /metrics require: "Authorization: Bearer TOKEN" (scrapers, scripts),
	// or Basic authentication with the token as password and any user
	// name, which browsers ask for themselves (choice: no login form, no
	// session cookie). The token is the file's content without surrounding
	// white space, at least minTokenLen characters. ReloadAdminToken reads
	// it again.
	TokenFile string
}

// minTokenLen is the shortest token accepted (choice: 16 characters, e.g.
// 12 random bytes in base64, out of reach of guessing over HTTP).
const minTokenLen = 16

// validateAdmin checks the admin section at path: an address, and a token
// file that reads.
func validateAdmin(l *fielderr.List, path fielderr.Path, c *Config) {
	a := c.Admin
	if a.Listen != "" {
		if _, port, err := net.SplitHostPort(a.Listen); err != nil {
			l.Add(path.Field("Listen"), "not a host:port address: %v", err)
		} else if port != "0" && a.Listen == c.withDefaults().Listen { // port 0: a free port each
			l.Add(path.Field("Listen"), "%q is the main listener's address; leave admin.listen empty to serve /admin and /metrics there", a.Listen)
		}
	}
	if a.TokenFile != "" {
		if _, err := readToken(a.TokenFile); err != nil {
			l.Add(path.Field("TokenFile"), "%v", err)
		}
	}
}

// readToken reads and checks the token in file.
func readToken(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	switch {
	case len(tok) < minTokenLen:
		return "", fmt.Errorf("the token in %s has %d characters; at least %d are needed", file, len(tok), minTokenLen)
	case strings.IndexFunc(tok, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "", fmt.Errorf("the token in %s holds white space or control characters", file)
	}
	return tok, nil
}

// adminToken is the token the admin endpoints require: its SHA-256, so
// that comparisons take the same time whatever the length of what a
// caller sends. nil: no token required.
type adminToken struct {
	file string
	sum  atomic.Pointer[[sha256.Size]byte]
}

// load reads the token file; on an error the old token stays.
func (t *adminToken) load() error {
	if t.file == "" {
		return nil
	}
	tok, err := readToken(t.file)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(tok))
	t.sum.Store(&sum)
	return nil
}

// allows reports whether r carries the token, or none is required.
func (t *adminToken) allows(r *http.Request) bool {
	want := t.sum.Load()
	if want == nil {
		return true
	}
	given, ok := credentials(r)
	if !ok {
		return false
	}
	got := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// credentials returns the token of a Bearer Authorization (RFC 6750,
// 2.1) or the password of a Basic one (RFC 7617); schemes are
// case-insensitive (RFC 9110, 11.1).
func credentials(r *http.Request) (string, bool) {
	scheme, rest, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return rest, rest != ""
	case strings.EqualFold(scheme, "Basic"):
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return "", false
		}
		_, pass, ok := strings.Cut(string(b), ":")
		return pass, ok
	}
	return "", false
}

// adminGate answers 401 to requests without the admin token.
func (g *Gateway) adminGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.adminToken.allows(r) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("WWW-Authenticate", `Bearer realm="wsgw admin"`)
		h.Add("WWW-Authenticate", `Basic realm="wsgw admin", charset="UTF-8"`)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("401 Unauthorized: the admin token is required (Authorization: Bearer TOKEN, or the token as a Basic password)\n")) //nolint:errcheck // client gone
	})
}

// ReloadAdminToken reads Config.Admin.TokenFile again (on SIGHUP in
// `wsgw serve`); on an error the old token stays. Without a token file it
// does nothing.
func (g *Gateway) ReloadAdminToken() error {
	if err := g.adminToken.load(); err != nil {
		return fmt.Errorf("reloading admin token: %w", err)
	}
	return nil
}
