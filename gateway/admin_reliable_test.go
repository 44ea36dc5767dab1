package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/fakeclock"
)

// adminState is the admin API's state as a test reads it.
type adminState struct {
	Tables map[string]struct {
		Rows []struct {
			K string `json:"k"`
			C []struct {
				T string `json:"t"`
			} `json:"c"`
		} `json:"rows"`
	} `json:"tables"`
	Charts map[string]struct {
		Kind string    `json:"kind"`
		V    []float64 `json:"v"`
		H    *histData `json:"h"`
	} `json:"charts"`
}

// getAdminState reads the admin API's state at base.
func getAdminState(t *testing.T, base string) adminState {
	t.Helper()
	var st adminState
	r := do(t, http.MethodGet, base+"/admin/api/state", nil, "")
	if err := json.Unmarshal([]byte(r.body), &st); err != nil {
		t.Fatalf("decoding the admin state: %v\n%s", err, r.body)
	}
	return st
}

// cell returns the text of column col of the row key of table id.
func (st adminState) cell(id, key string, col int) (string, bool) {
	for _, row := range st.Tables[id].Rows {
		if row.K == key {
			return row.C[col].T, true
		}
	}
	return "", false
}

// A reliable message waiting for a backend that is down shows in the
// queue with its age on the drivers' clock (wsgw_reliable_oldest_age_seconds
// and the page), its sequence in the sequences table; once delivered the
// queue has no oldest message.
func TestAdmin_ReliableQueueAgeAndSequences(t *testing.T) {
	b := newLogBackend(t)
	b.stop()
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	clock := fakeclock.New(time.Now())
	addr, stop := serveAt(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, Options{DB: db, Now: clock.Now}, "127.0.0.1:0")
	defer stop()
	base := "http://" + addr
	c := newRMClient(t, base+"/services/Quotes")
	c.send(1, "A")
	clock.Advance(90 * time.Second)

	if age := reliableMetric(t, base, "oldest_age_seconds", "Quotes"); age != 90 {
		t.Fatalf("wsgw_reliable_oldest_age_seconds: got %v, want 90", age)
	}
	if got, _ := getAdminState(t, base).cell("rel/Quotes/queue", "oldest waiting", 1); got != "1m30s" {
		t.Fatalf("oldest waiting on the page: got %q, want 1m30s", got)
	}
	for col, want := range map[int]string{0: shownID(c.seq), 1: "wsrm", 2: "open", 3: "1", 4: "1", 5: "0", 7: "1m30s", 8: "23h58m30s"} { // 8: within the default lifetime, 24h
		if got, ok := getAdminState(t, base).cell("rel/Quotes/sequences", rowKeyOf(c.seq), col); got != want {
			t.Fatalf("sequence %s column %d: got %q (row found: %v), want %q", c.seq, col, got, ok, want)
		}
	}
	// The identifier, which is all anyone needs to send into, close or
	// terminate the sequence, is on neither the page nor the API.
	for _, path := range []string{"/admin", "/admin/api/state"} {
		if r := do(t, http.MethodGet, base+path, nil, ""); strings.Contains(r.body, c.seq) {
			t.Errorf("%s shows the sequence identifier %s", path, c.seq)
		}
	}

	b.start(t)
	checkfor.Until(t, 15*time.Second, func() error {
		clock.Advance(time.Second) // past the redelivery delay
		if got := b.received(); len(got) != 1 {
			return fmt.Errorf("delivered: got %v, want [A]", got)
		}
		return nil
	})
	checkfor.Until(t, 5*time.Second, func() error {
		if age := reliableMetric(t, base, "oldest_age_seconds", "Quotes"); age != 0 {
			return fmt.Errorf("oldest age after the delivery: got %v, want 0", age)
		}
		return nil
	})
}
