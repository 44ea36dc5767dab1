package gateway

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The admin page, /admin: read-only, server-rendered HTML (html/template,
// which escapes every name the page shows) with one small script that
// polls /admin/api/state and updates the tables and charts in place. The
// page, its script, style sheet and icon are embedded in the binary
// (admin/); nothing is loaded from elsewhere, and a strict
// Content-Security-Policy says so to the browser. The page shows no
// configuration value beyond names (services, partitions, replicas,
// stages): no backend address, no file path, no credential.
//
// /admin and /metrics are served on the main listener, or on their own
// (AdminConfig.Listen), behind the admin token when there is one
// (admin_config.go).

//go:embed admin
var adminFiles embed.FS

var adminPage = template.Must(template.ParseFS(adminFiles, "admin/page.html"))

// adminStatic serves the page's script, style sheet and icon.
var adminStatic = func() http.Handler {
	sub, err := fs.Sub(adminFiles, "admin")
	if err != nil {
		panic(err) // the embedded tree has the directory
	}
	return http.StripPrefix("/admin/static/", http.FileServerFS(sub))
}()

// adminCSP allows the page its own script, style sheet, icon and API
// calls, and nothing else: no inline script or style, no frame, no form,
// no base URL.
const adminCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// mountAdmin adds /admin, its API and assets, and /metrics to r, behind
// the admin token.
func (g *Gateway) mountAdmin(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(g.adminGate)
		r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{
			Registry: g.reg, ErrorLog: slogPrintln{g}}))
		r.Group(func(r chi.Router) {
			r.Use(adminHeaders)
			r.Get("/admin", g.handleAdminPage)
			r.Get("/admin/api/state", g.handleAdminState)
			r.Get("/admin/static/*", adminStatic.ServeHTTP)
		})
	})
}

// adminRoutes is the handler of the admin listener: the admin endpoints,
// and / sending a browser to /admin.
func (g *Gateway) adminRoutes() http.Handler {
	r := chi.NewRouter()
	g.mountAdmin(r)
	r.Get("/", toAdmin)
	return r
}

// toAdmin sends a browser at / to the admin page.
func toAdmin(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin", http.StatusFound)
}

// AdminHandler returns the admin endpoints (/admin, /admin/api/state,
// /admin/static/, /metrics) behind the admin token: what Serve serves on
// the admin listener when Config.Admin.Listen is set, for a caller that
// serves Handler itself. Without Config.Admin.Listen, Handler serves them
// too.
func (g *Gateway) AdminHandler() http.Handler { return g.adminHandler }

// adminHeaders sets the headers of every admin response: the
// Content-Security-Policy, no framing (X-Frame-Options for browsers
// without frame-ancestors), no MIME sniffing, no referrer, no caching.
func adminHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", adminCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// pageData is the template's view of a snapshot.
type pageData struct {
	*adminView
	Clock string
}

func (g *Gateway) handleAdminPage(w http.ResponseWriter, r *http.Request) {
	v := g.adminView()
	var buf bytes.Buffer
	err := adminPage.Execute(&buf, pageData{adminView: v, Clock: time.UnixMilli(v.Time).UTC().Format("2006-01-02 15:04:05 UTC")})
	if err != nil {
		g.log.Error("admin: rendering the page", "err", err)
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes()) //nolint:errcheck // client gone
}

func (g *Gateway) handleAdminState(w http.ResponseWriter, r *http.Request) {
	b, err := json.Marshal(g.adminView())
	if err != nil {
		g.log.Error("admin: encoding the state", "err", err)
		http.Error(w, "encoding the state failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b) //nolint:errcheck // client gone
}

// Headed reports whether some column has a title (key-value tables have
// none).
func (t *viewTable) Headed() bool {
	for _, c := range t.Cols {
		if c.Title != "" {
			return true
		}
	}
	return false
}
