package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/wsgw/wsgw/wsdl"
)

// maxPublications bounds the publications cached for forwarded base URLs.
const maxPublications = 16

// pubCache holds a service's WSDL publication for the configured public URL
// and, on demand, for base URLs named by trusted proxies.
type pubCache struct {
	defs     *wsdl.Definitions
	name     string // wsdl:service local name
	base     string // the configured public URL of the service
	fallback *wsdl.Publication

	mu sync.Mutex // guards byURL
	// byURL maps a forwarded public URL to its publication.
	byURL map[string]*wsdl.Publication
}

func newPubCache(defs *wsdl.Definitions, name, publicURL string) (*pubCache, error) {
	pub, err := defs.Publish(name, publicURL)
	if err != nil {
		return nil, err
	}
	return &pubCache{defs: defs, name: name, base: publicURL, fallback: pub,
		byURL: make(map[string]*wsdl.Publication)}, nil
}

// get returns the publication for publicURL.
func (c *pubCache) get(publicURL string) (*wsdl.Publication, error) {
	if publicURL == c.base {
		return c.fallback, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.byURL[publicURL]; ok {
		return p, nil
	}
	p, err := c.defs.Publish(c.name, publicURL)
	if err != nil {
		return nil, err
	}
	if len(c.byURL) >= maxPublications {
		for k := range c.byURL { // evict one at random
			delete(c.byURL, k)
			break
		}
	}
	c.byURL[publicURL] = p
	return p, nil
}

// publicBase returns the gateway's public base URL for r: the configured
// one, with its scheme and host replaced by X-Forwarded-Proto and
// X-Forwarded-Host when r comes from a trusted proxy and they are sane.
func (g *Gateway) publicBase(r *http.Request) string {
	if !isTrusted(remoteIP(r), g.trusted) {
		return g.cfg.PublicURL
	}
	host := firstValue(r.Header.Get("X-Forwarded-Host"))
	proto := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto")))
	if host == "" && proto == "" {
		return g.cfg.PublicURL
	}
	u, err := url.Parse(g.cfg.PublicURL)
	if err != nil {
		return g.cfg.PublicURL
	}
	if host != "" && validHost(host) {
		u.Host = host
	}
	if proto == "http" || proto == "https" {
		u.Scheme = proto
	}
	return u.String()
}

// firstValue returns the first element of a comma-separated header value
// (the one the outermost proxy added is the last; the first is the
// client-facing one).
func firstValue(v string) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// validHost accepts host[:port] with a DNS name, IPv4 or bracketed IPv6
// literal: nothing that could break out of a URL.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, r := range h {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '.' || r == ':' || r == '[' || r == ']'
		if !ok {
			return false
		}
	}
	return true
}

// handleGet serves GET /services/{name}: ?wsdl, ?wsdl=N and ?xsd=N from the
// publication, otherwise a short description of the service.
func (g *Gateway) handleGet(w http.ResponseWriter, r *http.Request) {
	s := g.serviceFor(w, r, chi.URLParam(r, "name"))
	if s == nil {
		return
	}
	q := r.URL.Query()
	if !q.Has("wsdl") && !q.Has("WSDL") && !q.Has("xsd") {
		g.describe(w, s)
		return
	}
	pub, err := s.pubs.get(g.publicBase(r) + "/services/" + s.cfg.Name)
	if err != nil {
		s.log.Error("publishing wsdl", "err", err)
		http.Error(w, "cannot publish the WSDL", http.StatusInternalServerError)
		return
	}
	doc, ok := pub.Lookup(q)
	if !ok {
		http.Error(w, "no such document", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(doc) //nolint:errcheck // the client is gone
}

// describe writes a plain-text page naming the service and its operations.
func (g *Gateway) describe(w http.ResponseWriter, s *service) {
	var b strings.Builder
	b.WriteString("wsgw service " + s.cfg.Name + " (wsdl:service " + s.wsdlName + ")\n\n")
	b.WriteString("POST SOAP requests to this URL. WSDL: ?wsdl\n\nOperations:\n")
	seen := make(map[string]bool)
	for _, op := range s.dispatch.Operations() {
		if !seen[op.Name] {
			seen[op.Name] = true
			b.WriteString("  " + op.Name + "\n")
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(b.String())) //nolint:errcheck // the client is gone
}
