package gateway

import (
	"net/http"
	"sync/atomic"
	"testing"
)

// A backend (or the proxy in front of it) that answers 429 Too Many
// Requests or 408 Request Timeout in plain text is pushing back, not
// refusing the message: a stored, acknowledged message must be retried,
// not dropped as a non-SOAP 4xx refusal.
func TestReliable_BackendPushbackRetried(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusRequestTimeout} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			b := newLogBackend(t)
			var calls atomic.Int32
			front := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", "0")
					http.Error(w, "slow down", status)
					return
				}
				b.handle(w, r)
			})
			db := openTestDB(t, t.TempDir())
			defer db.Close()
			svc := reliableQuote(b)
			svc.Cluster.Partitions[0].Replicas = []string{front}
			url, stop := serveWithDB(t, Config{Services: []ServiceConfig{svc}}, db)
			defer stop()
			c := newRMClient(t, url+"/services/Quotes")
			c.send(1, "A")
			b.waitLog(t, "A")
		})
	}
}
