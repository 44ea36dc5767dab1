package gateway

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/fakeclock"
	"github.com/wsgw/wsgw/internal/loopback"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsreliable"
)

// doFrom is do from the loopback address ip: a client address of its own,
// so a caller of its own when it is not authenticated.
func doFrom(t *testing.T, ip, url string, h http.Header, body string) response {
	t.Helper()
	c := loopback.ClientFrom(ip)
	defer c.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

var soap11Header = http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`""`}}

// createSequenceFrom sends a CreateSequence from the address ip.
func createSequenceFrom(t *testing.T, ip, url string) response {
	t.Helper()
	hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>`
	return doFrom(t, ip, url, soap11Header, envelope(v11, hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+
		`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`))
}

// With a reliable section that sets no limit (`reliable: {}`), unused
// CreateSequence from one client fill that client's share of sequences
// only (100 by default): others still create theirs, also after a restart
// (the caller is stored with each sequence), and the unused sequences
// end after the default idle timeout (10m), which gives the client its
// share back.
func TestReliable_UnusedSequencesCannotLockOthersOut(t *testing.T) {
	b := newLogBackend(t)
	dir := t.TempDir()
	db := openTestDB(t, dir)
	defer func() { db.Close() }()
	clock := fakeclock.New(time.Now())
	svc := reliableQuote(b)
	svc.Reliable = &ReliableConfig{Egress: egress.Loopback()} // no limit set
	cfg := Config{Services: []ServiceConfig{svc}}
	addr, stop := serveAt(t, cfg, Options{DB: db, Now: clock.Now}, "127.0.0.1:0")
	url := "http://" + addr + "/services/Quotes"
	const stranger, other = "127.0.0.1", "127.0.0.2"
	for i := range 100 {
		if r := createSequenceFrom(t, stranger, url); r.status != http.StatusOK {
			t.Fatalf("the stranger's sequence %d: got %d %s", i+1, r.status, r.body)
		}
	}
	check := func(when string) {
		t.Helper()
		if r := createSequenceFrom(t, stranger, url); r.status < 400 || !strings.Contains(r.body, "CreateSequenceRefused") ||
			!strings.Contains(r.body, "caller") {
			t.Fatalf("%s: the stranger's 101st sequence: got %d %s, want CreateSequenceRefused for its share", when, r.status, r.body)
		}
		if r := createSequenceFrom(t, other, url); r.status != http.StatusOK {
			t.Fatalf("%s: another client's sequence: got %d %s, want 200", when, r.status, r.body)
		}
	}
	check("before a restart")
	stop()
	db.Close()
	db = openTestDB(t, dir)
	addr, stop = serveAt(t, cfg, Options{DB: db, Now: clock.Now}, "127.0.0.1:0")
	defer stop()
	url = "http://" + addr + "/services/Quotes"
	check("after a restart")
	clock.Advance(wsreliable.DefaultIdleTimeout + time.Second)
	checkfor.Until(t, 10*time.Second, func() error {
		if r := createSequenceFrom(t, stranger, url); r.status != http.StatusOK {
			return fmt.Errorf("the stranger's sequence after the idle timeout: got %d %.300s", r.status, r.body)
		}
		return nil
	})
}

// brokerGatewayIn serves a gateway with a broker over the store in dir,
// with the users of testUsers, until stop.
func brokerGatewayIn(t *testing.T, dir string, bc wsnotify.Config, sec *BrokerSecurity) (url string, stop func()) {
	t.Helper()
	db := openTestDB(t, filepath.Join(dir, "db"))
	cfg := Config{Broker: &bc, BrokerSecurity: sec, Security: SecurityConfig{Users: testUsers(t)}}
	addr, stopGateway := serveAt(t, cfg, Options{DB: db}, "127.0.0.1:0")
	var once sync.Once
	stop = func() { once.Do(func() { stopGateway(); db.Close() }) }
	t.Cleanup(stop)
	return "http://" + addr, stop
}

// wsnAs posts a broker request with alice's or bob's UsernameToken ("" for
// none) from 127.0.0.1.
func wsnAs(t *testing.T, user, url, payload string) response {
	t.Helper()
	hdr := ""
	if user != "" {
		hdr = token(user, false, "")
	}
	env := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsnt="` + wsntNS +
		`" xmlns:wsa="` + wsaNS + `" xmlns:tns="urn:topics"><s:Header>` + hdr + `</s:Header><s:Body>` + payload + `</s:Body></s:Envelope>`
	return doFrom(t, "127.0.0.1", url, soap11Header, env)
}

// The broker bounds what each caller creates, the caller being the
// authenticated user when there is one (gateway/security.go, callerOf):
// alice at her bound is refused with each kind's fault while bob, from
// the same address, and an anonymous client there still create; it holds
// after the gateway restarts over the same store.
func TestBroker_ResourcesBoundedPerCallerAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	bc := wsnotify.Config{Egress: egress.Loopback(), MaxSubscriptionsPerCaller: 2, MaxPullPointsPerCaller: 2,
		MaxRegistrationsPerCaller: 2}
	sec := &BrokerSecurity{} // authenticates tokens, restricts nobody
	url, stop := brokerGatewayIn(t, dir, bc, sec)
	consumer := newRecorder(t)
	kinds := []struct{ name, path, body, fault string }{
		{"subscriptions", "/wsn/NotificationBroker", `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>` + consumer.URL +
			`</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe>`, "SubscribeCreationFailedFault"},
		{"pull points", "/wsn/CreatePullPoint", `<wsnt:CreatePullPoint/>`, "UnableToCreatePullPointFault"},
		{"registrations", "/wsn/NotificationBroker", `<wsn-br:RegisterPublisher xmlns:wsn-br="http://docs.oasis-open.org/wsn/br-2"/>`,
			"PublisherRegistrationRejectedFault"},
	}
	for _, k := range kinds {
		for i := range 2 {
			if r := wsnAs(t, "alice", url+k.path, k.body); r.status != http.StatusOK {
				t.Fatalf("%s: alice's %d: got %d %s", k.name, i+1, r.status, r.body)
			}
		}
	}
	check := func(when string) {
		t.Helper()
		for _, k := range kinds {
			if r := wsnAs(t, "alice", url+k.path, k.body); !strings.Contains(r.body, k.fault) || !strings.Contains(r.body, "caller") {
				t.Errorf("%s %s: alice's third: got %d %s, want %s for her bound", k.name, when, r.status, r.body, k.fault)
			}
			for _, who := range []string{"bob", ""} {
				if r := wsnAs(t, who, url+k.path, k.body); r.status != http.StatusOK {
					t.Errorf("%s %s: %q from the same address: got %d %s, want 200", k.name, when, who, r.status, r.body)
				}
			}
		}
	}
	check("before a restart")
	stop()
	url, _ = brokerGatewayIn(t, dir, bc, sec)
	for _, k := range kinds { // bob and the anonymous client are at their bounds too now
		if r := wsnAs(t, "alice", url+k.path, k.body); !strings.Contains(r.body, k.fault) {
			t.Errorf("%s after a restart: alice's third: got %d %s, want %s", k.name, r.status, r.body, k.fault)
		}
	}
	for _, k := range kinds {
		if r := wsnAs(t, "admin", url+k.path, k.body); r.status != http.StatusOK {
			t.Errorf("%s after a restart: admin's first: got %d %s, want 200", k.name, r.status, r.body)
		}
	}
}

// WS-Reliability groups count against their caller's share as WS-RM
// sequences do: a client that opened its share of groups gets
// MessageProcessingFailure for a message opening one more, while another
// client still opens its own, also after a restart.
func TestReliable_RelGroupsBoundedPerCallerAcrossRestart(t *testing.T) {
	b := newLogBackend(t)
	dir := t.TempDir()
	db := openTestDB(t, dir)
	defer func() { db.Close() }()
	svc := reliableQuote(b)
	svc.Reliable = &ReliableConfig{Egress: egress.Loopback(), ReliableLimits: ReliableLimits{MaxSequencesPerCaller: 2}}
	cfg := Config{Services: []ServiceConfig{svc}}
	addr, stop := serveAt(t, cfg, Options{DB: db}, "127.0.0.1:0")
	url := "http://" + addr + "/services/Quotes"
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`"` + quoteNS + `/SetQuote"`}}
	const stranger, other = "127.0.0.1", "127.0.0.2"
	open := func(ip, group string) response {
		t.Helper()
		return doFrom(t, ip, url, h, envelope(v11, relHeader(group, 0, ""), setQuote(group)))
	}
	for _, g := range []string{"urn:g:s1", "urn:g:s2"} {
		relAck(t, "the stranger's group "+g, open(stranger, g), g, 0, "")
	}
	relAck(t, "the stranger's third group", open(stranger, "urn:g:s3"), "urn:g:s3", 0, "MessageProcessingFailure")
	relAck(t, "another client's group", open(other, "urn:g:o1"), "urn:g:o1", 0, "")
	stop()
	db.Close()
	db = openTestDB(t, dir)
	addr, stop = serveAt(t, cfg, Options{DB: db}, "127.0.0.1:0")
	defer stop()
	url = "http://" + addr + "/services/Quotes"
	relAck(t, "after a restart: the stranger's third group", open(stranger, "urn:g:s4"), "urn:g:s4", 0, "MessageProcessingFailure")
	relAck(t, "after a restart: another client's second group", open(other, "urn:g:o2"), "urn:g:o2", 0, "")
}
