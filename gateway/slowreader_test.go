package gateway

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
)

// A client that asks for a large reply and stops reading it holds no
// worker of the partition's stage past the try's timeout: the write to
// it is bounded as the backend's side is. It held the slot for as long as
// it kept its connection open (no write deadline), so that as many such
// clients as the stage has workers shut the partition.
func TestGateway_SlowReaderReleasesItsWorker(t *testing.T) {
	// Past every socket buffer on the way.
	reply := `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><!--` +
		strings.Repeat("x", 32<<20) + `--></e:Body></e:Envelope>`
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Header().Set("Content-Length", fmt.Sprint(len(reply)))
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		io.WriteString(w, reply)
	}))
	t.Cleanup(backend.Close)
	svc := quoteService("StockQuote", cluster.PartitionConfig{Replicas: []string{backend.URL}})
	svc.Timeout = 2 * time.Second
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})

	nc, err := net.Dial("tcp", strings.TrimPrefix(g.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetReadBuffer(4 << 10)
	body := envelope(v11, "", getQuote("BIG"))
	fmt.Fprintf(nc, "POST /services/StockQuote HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml; charset=utf-8\r\n"+
		"SOAPAction: \"%s/GetQuote\"\r\nContent-Length: %d\r\n\r\n%s", quoteNS, len(body), body)
	// Nothing read from here on.
	s := g.byName["StockQuote"]
	stage := s.parts[s.cluster.Partitions()[0]]
	checkfor.True(t, 10*time.Second, "the request running", func() bool { return stage.Stats().Admitted == 1 })
	checkfor.True(t, 10*time.Second, "the worker released", func() bool { return stage.Stats().Running == 0 })
}
