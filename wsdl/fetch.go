package wsdl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Fetcher reads one document. location is absolute: an http(s) URL or an
// absolute file path (slash-separated on every OS). Load bounds what it reads
// from the returned reader and closes it.
type Fetcher interface {
	Fetch(ctx context.Context, location string) (io.ReadCloser, error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, location string) (io.ReadCloser, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, location string) (io.ReadCloser, error) {
	return f(ctx, location)
}

var _ Fetcher = FetcherFunc(nil)

// defaultFetcher reads files from disk and http(s) URLs with client.
type defaultFetcher struct{ client *http.Client }

var _ Fetcher = defaultFetcher{}

func (f defaultFetcher) Fetch(ctx context.Context, location string) (io.ReadCloser, error) {
	if !isURL(location) {
		return os.Open(filepath.FromSlash(location))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: HTTP status %s", location, resp.Status)
	}
	return resp.Body, nil
}

func defaultClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

// isURL reports whether loc is an http(s) URL.
func isURL(loc string) bool {
	l := strings.ToLower(loc)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// absLocation makes the location given to Load absolute.
func absLocation(loc string) (string, error) {
	if isURL(loc) {
		u, err := url.Parse(loc)
		if err != nil {
			return "", err
		}
		u.Fragment = ""
		return u.String(), nil
	}
	if strings.HasPrefix(strings.ToLower(loc), "file:") {
		u, err := url.Parse(loc)
		if err != nil {
			return "", err
		}
		loc = u.Path
	}
	if i := strings.Index(loc, ":"); i > 1 && !filepath.IsAbs(loc) {
		return "", fmt.Errorf("unsupported location scheme %q", loc[:i])
	}
	a, err := filepath.Abs(loc)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(a), nil
}

// resolveRef resolves ref (an import location attribute) against the
// absolute location base of the importing document (RFC 3986 5.2 for URLs;
// path join for files). A document read over HTTP may only refer to HTTP(S)
// locations: it never makes the loader read local files.
func resolveRef(base, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", errors.New("empty location")
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("bad location %q: %w", ref, err)
	}
	scheme := strings.ToLower(r.Scheme)
	if isURL(base) {
		if scheme != "" && scheme != "http" && scheme != "https" {
			return "", fmt.Errorf("location %q: a document read over HTTP may only import http(s) locations", ref)
		}
		b, err := url.Parse(base)
		if err != nil {
			return "", err
		}
		u := b.ResolveReference(r)
		u.Fragment = ""
		return u.String(), nil
	}
	switch {
	case scheme == "http" || scheme == "https":
		r.Fragment = ""
		return r.String(), nil
	case scheme == "file":
		return path.Clean(r.Path), nil
	case len(scheme) > 1: // one letter: a Windows drive
		return "", fmt.Errorf("location %q: unsupported scheme %q", ref, r.Scheme)
	}
	p := ref
	if r.Path != "" && (r.RawQuery != "" || r.Fragment != "") {
		p = r.Path
	}
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return path.Clean(filepath.ToSlash(p)), nil
	}
	return path.Join(path.Dir(base), filepath.ToSlash(p)), nil
}

// readBounded reads at most max bytes from rc and closes it.
func readBounded(rc io.ReadCloser, max int64) ([]byte, error) {
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("document larger than %d bytes", max)
	}
	return b, nil
}
