package testservice

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// FuzzService_Envelope sends arbitrary bytes to both endpoints: the service
// must never panic, and must answer with a SOAP envelope (a reply or a
// fault) or, for WS-Addressing one-way and discarded messages, HTTP 202
// without a body.
func FuzzService_Envelope(f *testing.F) {
	for _, dir := range []string{collectionDir, wsaBodies} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b, false)
				f.Add(b, true)
			}
		}
	}
	svc := New(Config{AllowAddress: func(*url.URL) bool { return false }})
	f.Fuzz(func(t *testing.T, body []byte, wsa bool) {
		path := "/soap12"
		if wsa {
			path = "/wsa"
		}
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", soap.MediaType12)
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, req)
		if rec.Code == http.StatusAccepted {
			if rec.Body.Len() != 0 {
				t.Fatalf("202 with a %d-byte body", rec.Body.Len())
			}
			return
		}
		if _, err := soap.ReadMessageBytes(rec.Body.Bytes(), defaultLimits); err != nil {
			t.Fatalf("reply (%d) is not an envelope: %v\n%s", rec.Code, err, rec.Body.Bytes())
		}
	})
}
