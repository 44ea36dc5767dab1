package driver

import (
	"fmt"
	"strings"
	"testing"
)

func sendOrder(t *testing.T, d *Driver, seq string, n int, pad string) (int, string) {
	t.Helper()
	return call(t, d, fmt.Sprintf(`<wsrm:Sequence><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, seq, n),
		fmt.Sprintf(`<o:Order xmlns:o="urn:order"><o:Id>%d</o:Id><o:Pad>%s</o:Pad></o:Order>`, n, pad))
}

// When the gap of an ordered sequence fills, everything held is delivered
// at once: one Ready whose deliveries can exceed one queue batch (1000
// messages or 4 MiB). They must still be stored and delivered, not fail
// the step again on every retransmission of the gap-filling message.
func TestDriver_GapFillBiggerThanOneQueueBatch(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &fakeBackend{}
	d := start(t, db, b)
	defer d.stop()
	seq := createSequence(t, d.Driver)
	pad := strings.Repeat("x", 48<<10)
	const n = 100 // 99 held messages of 48 KiB: more than 4 MiB
	for i := 2; i <= n; i++ {
		if st, body := sendOrder(t, d.Driver, seq, i, pad); st != 200 {
			t.Fatalf("message %d: got %d %s", i, st, body)
		}
	}
	st, body := sendOrder(t, d.Driver, seq, 1, pad)
	if st != 200 || !strings.Contains(body, fmt.Sprintf(`Upper="%d"`, n)) {
		t.Fatalf("gap-filling message: got %d %.300s, want 200 acknowledging 1-%d", st, body, n)
	}
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprint(i + 1)
	}
	waitReceived(t, b, want)
}
