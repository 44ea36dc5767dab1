package agent

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

func message(topic, body string) string {
	return `<wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">` + topic +
		`</wsnt:Topic><wsnt:Message><m>` + body + `</m></wsnt:Message></wsnt:NotificationMessage>`
}

func notifyOf(t *testing.T, msgs ...string) xmldoc.Element {
	t.Helper()
	m, err := soap.ReadMessageBytes([]byte(`<e:Envelope xmlns:e="`+soap.NS12+`" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tns="urn:t"><e:Body><wsnt:Notify>`+
		strings.Join(msgs, "")+`</wsnt:Notify></e:Body></e:Envelope>`), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m.Payload
}

// broker is a NotificationConsumer standing in for the broker's
// registration endpoint: it records each Notify's position header and
// messages.
type broker struct {
	mu   sync.Mutex
	got  []string // "SEQ:bodies" or "-:bodies"
	fail bool
}

func (b *broker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m, err := soap.ReadMessage(r.Body, xmldoc.Limits{})
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail {
		http.Error(w, "down", 503)
		return
	}
	pos := "-"
	for _, h := range m.Headers {
		if h.Name == direct.NameSeq {
			p, err := direct.ParseSeqHeader(h.Element)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			pos = string(rune('0' + p.Seq))
		}
	}
	var bodies []string
	for nm := m.Payload.FirstChild(); nm.Valid(); nm = nm.NextSibling() {
		bodies = append(bodies, nm.Child(direct.NSNotification, "Message").FirstChild().Text())
	}
	b.got = append(b.got, pos+":"+strings.Join(bodies, ","))
	w.WriteHeader(http.StatusAccepted)
}

func (b *broker) calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.got...)
}

// TestRouter_SplitsByChannel: a Notify whose messages are on two channels
// and on a topic without one goes out as one Notify per channel, each
// forwarded to the broker with its position, and the rest forwarded
// without one, in the order they were met. A Notify all on one channel
// goes as it came. A full first channel refuses the Notify (503); a full
// later one's messages are forwarded without a position instead.
func TestRouter_SplitsByChannel(t *testing.T) {
	b := &broker{}
	srv := httptest.NewServer(b)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fw := NewForwarder(&Client{HTTP: srv.Client()}, srv.URL, 16, nil)
	done := make(chan struct{})
	go func() { fw.Run(ctx); close(done) }()
	a, bb := &recorder{}, &recorder{}
	r := &Router{Channels: map[string]Publisher{"{urn:t}a": a, "{urn:t}b": bb}, Forward: fw}
	if err := r.Take(notifyOf(t, message("tns:a", "1"), message("tns:c", "2"), message("tns:b", "3"), message("tns:a", "4"))); err != nil {
		t.Fatal(err)
	}
	if err := r.Take(notifyOf(t, message("tns:a", "5"))); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	if len(a.got) != 2 || strings.Count(string(a.got[0]), "</wsnt:NotificationMessage>") != 2 || !strings.Contains(string(a.got[1]), "<m>5</m>") {
		t.Errorf("channel a: got %q, want a Notify of 1 and 4, then the second Notify as it came", a.got)
	}
	a.mu.Unlock()
	bb.err = direct.ErrFull
	if err := r.Take(notifyOf(t, message("tns:b", "6"))); err != direct.ErrFull {
		t.Errorf("a full first channel: got %v, want ErrFull", err)
	}
	if err := r.Take(notifyOf(t, message("tns:a", "7"), message("tns:b", "8"))); err != nil {
		t.Errorf("a full second channel: got %v, want the Notify taken", err)
	}
	fw.Close()
	<-done
	want := []string{"1:1,4", "1:3", "-:2", "2:5", "3:7", "-:8"}
	if got := b.calls(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("forwarded %q, want %q", got, want)
	}
}

// TestForwarder_CountsWhatItCannotForward: a broker that keeps failing
// costs each Notify its attempts, then it is counted as failed; one
// beyond the queue is counted as overflown; Close lets Run finish what is
// queued.
func TestForwarder_CountsWhatItCannotForward(t *testing.T) {
	b := &broker{fail: true}
	srv := httptest.NewServer(b)
	defer srv.Close()
	fw := NewForwarder(&Client{HTTP: srv.Client()}, srv.URL, 1, nil)
	fw.Backoff = time.Millisecond
	fw.Forward([]byte(`<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"/>`), nil)
	fw.Forward([]byte(`<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"/>`), nil)
	fw.Close()
	fw.Run(context.Background())
	checkfor.True(t, time.Second, "the counts", func() bool { return fw.Counters() == ForwarderCounters{Failed: 1, Overflown: 1} })
}
