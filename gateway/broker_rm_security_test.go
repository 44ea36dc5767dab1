package gateway

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wssecurity"
)

const actWSNNotify = "http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"

// rmAs posts a WS-RM request to the broker endpoint url with user's
// UsernameToken (PasswordText; "" for none) before the other headers.
func rmAs(t *testing.T, user, url, header, body string) response {
	t.Helper()
	if user != "" {
		header = token(user, false, "") + header
	}
	return rmFrom(t, "127.0.0.1", url, header, body)
}

// rmFrom posts a WS-RM request to the broker endpoint url from the
// loopback address ip.
func rmFrom(t *testing.T, ip, url, header, body string) response {
	t.Helper()
	env := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsnt="` + wsntNS + `" xmlns:wsa="` + wsaNS +
		`" xmlns:wsrm="` + wsreliable.NSRM + `"><s:Header>` + header + `</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
	return doFrom(t, ip, url, soap11Header, env)
}

// rmCreateAs opens a WS-RM sequence to the broker as user and returns its
// identifier, or the refusal.
func rmCreateAs(t *testing.T, user, url string) (string, response) {
	t.Helper()
	r := rmAs(t, user, url, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
		`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>`+wsaNS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := identRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		return "", r
	}
	return m[1], r
}

// rmNotifyAs sends message n of sequence seq as user: a Notify on topic
// carrying text.
func rmNotifyAs(t *testing.T, user, url, seq string, n int, topic, text string) response {
	t.Helper()
	return rmAs(t, user, url, fmt.Sprintf(`<wsa:Action>%s</wsa:Action><wsrm:Sequence><wsrm:Identifier>%s</wsrm:Identifier>`+
		`<wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, actWSNNotify, seq, n),
		`<wsnt:Notify xmlns:tns="urn:topics"><wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">`+
			topic+`</wsnt:Topic><wsnt:Message><m:x xmlns:m="urn:m">`+text+`</m:x></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`)
}

// A publisher that sends its Notify in a WS-RM sequence to the broker
// obeys broker.security as a plain Notify does (issue 13): who may
// CreateSequence, and who may publish on which topic, checked when the
// message arrives (a refused one is not acknowledged, so nothing stored
// can fail later). Its sequence is its own (WS-RM 1.2, 5.1.3): another
// user's message or TerminateSequence on it gets UnknownSequence. The
// checked wsse:Security header (its PasswordText) is not stored: after
// the gateway stops, no file of its store holds the password, while the
// Notify's own text is there (the scan can see what is stored).
func TestBroker_PublisherSequenceObeysSecurity(t *testing.T) {
	sec := &BrokerSecurity{
		Operations: map[string]wssecurity.Rule{"CreateSequence": {Users: []string{"alice", "bob"}}},
		Topics:     []TopicRule{{Topic: "{urn:topics}stock", Notify: wssecurity.Rule{Users: []string{"alice"}}}},
	}
	dir := t.TempDir()
	url, stop := brokerGatewayIn(t, dir, wsnotify.Config{Egress: egress.Loopback()}, sec)
	broker := url + "/wsn/NotificationBroker"
	consumer := newRecorder(t)
	if r := wsnAs(t, "admin", broker, `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>`+consumer.URL+
		`</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe>`); r.status != http.StatusOK {
		t.Fatalf("admin's Subscribe: got %d %s", r.status, r.body)
	}

	if _, r := rmCreateAs(t, "", broker); r.status != http.StatusInternalServerError || !strings.Contains(r.body, "FailedAuthentication") {
		t.Errorf("an anonymous CreateSequence: got %d %s, want wsse:FailedAuthentication", r.status, r.body)
	}
	if _, r := rmCreateAs(t, "admin", broker); r.status != http.StatusInternalServerError || !strings.Contains(r.body, "FailedAuthentication") {
		t.Errorf("admin's CreateSequence (not in its rule): got %d %s, want wsse:FailedAuthentication", r.status, r.body)
	}
	aliceSeq, r := rmCreateAs(t, "alice", broker)
	if aliceSeq == "" {
		t.Fatalf("alice's CreateSequence: got %d %s", r.status, r.body)
	}
	bobSeq, r := rmCreateAs(t, "bob", broker)
	if bobSeq == "" {
		t.Fatalf("bob's CreateSequence: got %d %s", r.status, r.body)
	}

	// bob may not publish on tns:stock/ibm: refused at arrival, not
	// acknowledged.
	r = rmNotifyAs(t, "bob", broker, bobSeq, 1, "tns:stock/ibm", "bob-stock")
	failedAuthentication(t, "bob's Notify on tns:stock/ibm in his sequence", r)
	if strings.Contains(r.body, "SequenceAcknowledgement") {
		t.Errorf("bob's refused Notify: got an acknowledgement %s, want none", r.body)
	}
	// Nor in alice's sequence, which is not his: UnknownSequence, whatever
	// the topic; nor may he end it.
	if r := rmNotifyAs(t, "bob", broker, aliceSeq, 1, "tns:weather", "bob-in-alices"); !strings.Contains(r.body, "UnknownSequence") {
		t.Errorf("bob's Notify in alice's sequence: got %d %s, want wsrm:UnknownSequence", r.status, r.body)
	}
	if r := rmAs(t, "bob", broker, `<wsa:Action>`+wsreliable.ActionTerminateSequence+`</wsa:Action>`,
		`<wsrm:TerminateSequence><wsrm:Identifier>`+aliceSeq+`</wsrm:Identifier></wsrm:TerminateSequence>`); !strings.Contains(r.body, "UnknownSequence") {
		t.Errorf("bob's TerminateSequence of alice's sequence: got %d %s, want wsrm:UnknownSequence", r.status, r.body)
	}

	for i, m := range []struct{ user, seq, topic, text string }{
		{"bob", bobSeq, "tns:weather", "bob-weather"},
		{"alice", aliceSeq, "tns:stock/ibm", "alice-stock-ibm-42"},
	} {
		r := rmNotifyAs(t, m.user, broker, m.seq, 1, m.topic, m.text)
		if r.status != http.StatusOK || !strings.Contains(r.body, "SequenceAcknowledgement") {
			t.Fatalf("Notify %d (%s on %s): got %d %s, want its acknowledgement", i, m.user, m.topic, r.status, r.body)
		}
	}
	checkfor.True(t, 10*time.Second, "alice's and bob's allowed Notifies at the consumer", func() bool {
		all := consumer.all()
		return strings.Contains(all, "alice-stock-ibm-42") && strings.Contains(all, "bob-weather")
	})
	if all := consumer.all(); strings.Contains(all, "bob-stock") || strings.Contains(all, "bob-in-alices") {
		t.Errorf("the consumer got %s, want none of bob's refused Notifies", all)
	}

	// The store's write-ahead log holds what was written, uncompressed,
	// while the gateway runs.
	if !storeHolds(t, filepath.Join(dir, "db"), "alice-stock-ibm-42") {
		t.Fatalf("the store's files do not hold the Notify alice sent in her sequence: the scan sees nothing")
	}
	if storeHolds(t, filepath.Join(dir, "db"), "s3cret!") {
		t.Errorf("the store's files hold the PasswordText of a checked wsse:Security header, want it never stored")
	}
	stop()
}

// storeHolds reports whether a file under dir contains s, as it is or
// base64-encoded (a JSON []byte) at any alignment. Files are read in
// chunks that overlap by the longest form's length, never whole: badger
// preallocates its logs (sparse files of up to gigabytes), and reading
// them into memory took a whole run's time and memory.
func storeHolds(t *testing.T, dir, s string) bool {
	t.Helper()
	forms := [][]byte{[]byte(s)}
	for k := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), s...))
		// The characters that depend on s's bytes alone.
		forms = append(forms, []byte(enc[(k*4+2)/3:(k+len(s))*4/3]))
	}
	overlap := 0
	for _, f := range forms {
		overlap = max(overlap, len(f)-1)
	}
	found := false
	buf := make([]byte, 1<<20)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		kept := 0 // bytes at buf's start carried over from the last chunk
		for {
			n, err := io.ReadFull(f, buf[kept:])
			chunk := buf[:kept+n]
			for _, form := range forms {
				if bytes.Contains(chunk, form) {
					found = true
					return nil
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil
			}
			if err != nil {
				return err
			}
			kept = min(overlap, len(chunk))
			copy(buf, chunk[len(chunk)-kept:])
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// A publisher's WS-RM sequences to the broker are bounded per caller (the
// RM destination's default, 100) with nothing configured: unused
// CreateSequence from one address fill its share only, others still
// create theirs, also after a restart over the same store.
func TestBroker_PublisherSequencesBoundedPerCallerAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	url, stop := brokerGatewayIn(t, dir, wsnotify.Config{Egress: egress.Loopback()}, nil)
	create := func(ip string) response {
		t.Helper()
		return rmFrom(t, ip, url+"/wsn/NotificationBroker", `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
			`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>`+wsaNS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	}
	const stranger, other = "127.0.0.1", "127.0.0.2"
	for i := range wsreliable.DefaultMaxGroupsPerCaller {
		if r := create(stranger); r.status != http.StatusOK {
			t.Fatalf("the stranger's sequence %d: got %d %s", i+1, r.status, r.body)
		}
	}
	check := func(when string) {
		t.Helper()
		if r := create(stranger); !strings.Contains(r.body, "CreateSequenceRefused") || !strings.Contains(r.body, "caller") {
			t.Errorf("%s: the stranger's next sequence: got %d %s, want CreateSequenceRefused for its share", when, r.status, r.body)
		}
		if r := create(other); r.status != http.StatusOK {
			t.Errorf("%s: another client's sequence: got %d %s, want 200", when, r.status, r.body)
		}
	}
	check("before a restart")
	stop()
	url, _ = brokerGatewayIn(t, dir, wsnotify.Config{Egress: egress.Loopback()}, nil)
	check("after a restart")
}

// broker.reliable reaches the broker's driver: with one sequence per
// caller and a one-second idle timeout, a publisher's second sequence is
// refused for its share, and once its first has been idle past the
// timeout the sweep ends it (a message on it gets SequenceTerminated,
// WS-RM 1.2, 4.3) and frees the share for a new one.
func TestBroker_PublisherSequenceIdleExpiryFreesTheShare(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "db"))
	t.Cleanup(func() { db.Close() })
	bc := wsnotify.Config{Egress: egress.Loopback()}
	cfg := Config{Broker: &bc, BrokerReliable: ReliableLimits{IdleTimeout: time.Second, MaxSequencesPerCaller: 1}}
	addr, stop := serveAt(t, cfg, Options{DB: db}, "127.0.0.1:0")
	t.Cleanup(stop)
	url := "http://" + addr + "/wsn/NotificationBroker"
	create := func() response {
		t.Helper()
		return rmFrom(t, "127.0.0.1", url, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
			`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>`+wsaNS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	}
	first := create()
	m := identRE.FindStringSubmatch(first.body)
	if first.status != http.StatusOK || m == nil {
		t.Fatalf("first sequence: got %d %s", first.status, first.body)
	}
	if r := create(); !strings.Contains(r.body, "CreateSequenceRefused") {
		t.Fatalf("second sequence at a share of 1: got %d %s, want CreateSequenceRefused", r.status, r.body)
	}
	checkfor.Until(t, 30*time.Second, func() error {
		if r := create(); r.status != http.StatusOK {
			return fmt.Errorf("a new sequence after the first one idled: got %d %s", r.status, r.body)
		}
		return nil
	})
	r := rmFrom(t, "127.0.0.1", url, fmt.Sprintf(`<wsa:Action>%s</wsa:Action><wsrm:Sequence><wsrm:Identifier>%s</wsrm:Identifier>`+
		`<wsrm:MessageNumber>1</wsrm:MessageNumber></wsrm:Sequence>`, actWSNNotify, m[1]),
		`<wsnt:Notify><wsnt:NotificationMessage><wsnt:Message><m:x xmlns:m="urn:m">late</m:x></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`)
	if !strings.Contains(r.body, "wsrm:SequenceTerminated") {
		t.Fatalf("a message on the expired sequence: got %d %s, want SequenceTerminated", r.status, r.body)
	}
}
