package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/wsreliable"
)

// An AcksTo the service's egress allow-list refuses could never receive an
// acknowledgement: the CreateSequence is refused (CreateSequenceRefused),
// rather than answered with a sequence whose acknowledgements are all
// dropped by the egress client.
func TestReliable_AcksToRefusedByEgress(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db) // egress: loopback only
	defer stop()
	hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>`
	r := postRM(t, url+"/services/Quotes", hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>http://192.0.2.7/acks</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "CreateSequenceRefused") || !strings.Contains(r.body, "Client") {
		t.Fatalf("CreateSequence with a refused AcksTo: got %d %s, want 500 Client fault CreateSequenceRefused", r.status, r.body)
	}
	// Anonymous AcksTo still works.
	newRMClient(t, url+"/services/Quotes")
}
