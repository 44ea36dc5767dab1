package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxReplyBytes is the most of a reply the runner reads.
const MaxReplyBytes = 32 << 20

// reply is a reply as read, for the checks.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// buildRequest makes the HTTP request of exchange x with the values v.
func buildRequest(ctx context.Context, fsys fs.FS, c *Case, x *Exchange, v *vars) (*http.Request, []byte, error) {
	fills := map[string]string{}
	for name, f := range x.Fill {
		fills[name] = strings.Repeat(v.expand(f.Text), f.Count)
	}
	v = v.with(fills)
	body, err := c.ReadBody(fsys, x)
	if err != nil {
		return nil, nil, err
	}
	body = v.expandBytes(body)
	method := x.Method
	if method == "" {
		method = http.MethodGet
		if len(body) > 0 {
			method = http.MethodPost
		}
	}
	u, err := resolveURL(v.values["target"], v.expand(x.Base), v.expand(x.Path))
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("building request: %w", err)
	}
	setSOAPHeaders(req.Header, x, v)
	for k, val := range x.Headers {
		setRaw(req.Header, k, v.expand(val))
	}
	return req, body, nil
}

// resolveURL resolves a path against base (RFC 3986 5.2) when base is
// set, else joins it to the target unless it is absolute already.
func resolveURL(target, base, p string) (string, error) {
	switch {
	case base != "":
		b, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("base %q: %w", base, err)
		}
		ref, err := url.Parse(p)
		if err != nil {
			return "", fmt.Errorf("path %q: %w", p, err)
		}
		return b.ResolveReference(ref).String(), nil
	case strings.HasPrefix(p, "http://"), strings.HasPrefix(p, "https://"):
		return p, nil
	case p == "", strings.HasPrefix(p, "/"), strings.HasPrefix(p, "?"):
		return target + p, nil
	}
	return target + "/" + p, nil
}

// setSOAPHeaders sets Content-Type and SOAPAction as the SOAP version and
// action of x ask (SOAP 1.1 6.1.1; SOAP 1.2 Part 2, 7.1.4 and RFC 3902).
func setSOAPHeaders(h http.Header, x *Exchange, v *vars) {
	switch x.SOAP {
	case "1.1":
		h.Set("Content-Type", "text/xml; charset=utf-8")
		if x.Action != nil {
			setRaw(h, "SOAPAction", `"`+v.expand(*x.Action)+`"`)
		}
	case "1.2":
		ct := "application/soap+xml; charset=utf-8"
		if x.Action != nil {
			ct += `; action="` + v.expand(*x.Action) + `"`
		}
		h.Set("Content-Type", ct)
	}
}

// send performs req and reads its reply, filling rec.
func send(client *http.Client, req *http.Request, body []byte, rec *Record) (*reply, error) {
	rec.Method, rec.URL = req.Method, req.URL.String()
	rec.Header = req.Header.Clone()
	rec.Body, rec.BodySize = truncate(body, MaxRecordedBody), len(body)
	start := time.Now()
	defer func() { rec.Duration = time.Since(start) }()
	resp, err := client.Do(req)
	if err != nil {
		rec.Err = err.Error()
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxReplyBytes))
	rec.Status, rec.RespHeader = resp.StatusCode, resp.Header.Clone()
	rec.RespBody, rec.RespSize = truncate(b, MaxRecordedBody), len(b)
	if err != nil {
		rec.Err = fmt.Sprintf("reading reply: %v", err)
		return nil, fmt.Errorf("reading reply: %w", err)
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// setRaw sets a header under the name as written (SOAPAction, not
// Soapaction: some servers compare case-sensitively), replacing any
// spelling of it; an empty value removes it.
func setRaw(h http.Header, name, value string) {
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
	if value != "" {
		h[name] = []string{value}
	}
}
