package agent

import (
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// Publisher takes a wsnt:Notify element and says where it went on its
// channel (driver.Sender).
type Publisher interface {
	Publish(notify []byte) (direct.Position, error)
}

var _ Publisher = (*driver.Sender)(nil)

var (
	notifyName              = xml.Name{Space: direct.NSNotification, Local: "Notify"}
	notificationMessageName = xml.Name{Space: direct.NSNotification, Local: "NotificationMessage"}
)

// Sink takes the wsnt:Notify of a publisher's request (Router).
type Sink interface {
	Take(notify xmldoc.Element) error
}

// PublishHandler accepts POSTed SOAP 1.1 or 1.2 envelopes whose body is a
// wsnt:Notify and hands the Notify (with the namespace bindings it
// inherits from the envelope) to s: HTTP 202. Notify is one-way, so
// nothing else is answered. A request that is not a Notify gets a Sender
// fault in its own SOAP version, one with a mandatory header other than
// WS-Addressing a MustUnderstand fault; a full send queue (or a closed
// channel: the agent is stopping) a Receiver fault wsgw:Busy with HTTP
// 503 and Retry-After.
func PublishHandler(s Sink, lim xmldoc.Limits, log *slog.Logger) http.Handler {
	lim = lim.WithDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST a wsnt:Notify", http.StatusMethodNotAllowed)
			return
		}
		v, _, err := soap.ParseContentType(r.Header)
		if err != nil {
			writeFault(w, v, err)
			return
		}
		m, err := soap.ReadMessageSized(io.LimitReader(r.Body, lim.MaxBytes+1), r.ContentLength, lim)
		if err != nil {
			writeFault(w, v, err)
			return
		}
		// The agent is the envelope's ultimate receiver: only the Notify
		// travels on, so a mandatory header it does not process is a fault
		// (SOAP 1.2 Part 1, 5.2.3; SOAP 1.1 note 4.2.3).
		if err := m.CheckMustUnderstand(true, soap.IsAddressingHeader); err != nil {
			writeFault(w, m.Version, err)
			return
		}
		if m.Payload.Name() != notifyName || m.Payload.NextSibling().Valid() {
			soap.Sender("the body must be one wsnt:Notify (WS-BaseNotification 1.3, 3.2)").WriteHTTP(w, m.Version)
			return
		}
		switch err := s.Take(m.Payload); {
		case err == nil:
			w.WriteHeader(http.StatusAccepted)
		case errors.Is(err, direct.ErrFull), errors.Is(err, direct.ErrClosed), errors.Is(err, driver.ErrNotRunning):
			f := soap.NewFault(m.Version, soap.FaultBusy, "the direct path's send queue is full; retry later")
			f.Status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "1")
			f.WriteHTTP(w, m.Version)
		default:
			log.Debug("direct: Notify refused", "err", err)
			soap.Sender(err.Error()).WriteHTTP(w, m.Version)
		}
	})
}

func writeFault(w http.ResponseWriter, v soap.Version, err error) {
	var f *soap.Fault
	if !errors.As(err, &f) {
		f = soap.Sender(err.Error())
	}
	f.WriteHTTP(w, f.VersionOr(v))
}
