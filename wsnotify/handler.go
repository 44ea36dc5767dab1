package wsnotify

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// request is one SOAP request to a broker endpoint.
type request struct {
	r   *http.Request
	msg *soap.Message
	raw []byte
	wsa soap.Addressing
	v   soap.Version
	id  string // resource id from the path; "" for the broker endpoints
	now time.Time
	// caller sent the request (Guard.Admit): what it creates counts
	// against the caller's bounds.
	caller caller.ID
	rm     bool // a WS-RM request for the RM destination (publish.go)
	// topicsChecked: the caller's rights on the topics of its Notify were
	// checked when it arrived in a WS-RM sequence (publish.go), and
	// Deliver publishes it later without its caller.
	topicsChecked bool
}

// storeCtx is the context of the request's store calls. (choice) It is
// not cancelled when the client goes away: by then the broker's memory may
// have changed, and a write abandoned half-way would leave the store
// behind it. The store bounds its own calls.
func (req *request) storeCtx() context.Context { return context.WithoutCancel(req.r.Context()) }

// op handles one operation; an empty action means a one-way operation
// (HTTP 202, no body).
type op func(*request) (action string, body []byte, err error)

// Handler returns the broker's HTTP handler; it serves paths under /wsn/:
//
//	/wsn/NotificationBroker      Notify, Subscribe, GetCurrentMessage, RegisterPublisher; GET ?wsdl, ?wsdl=N, ?xsd=N
//	/wsn/subscriptions/{id}      Renew, Unsubscribe, PauseSubscription, ResumeSubscription; wsgwd:Recover (direct paths)
//	/wsn/CreatePullPoint         CreatePullPoint
//	/wsn/pullpoints/{id}         GetMessages, DestroyPullPoint, Notify
//	/wsn/registrations/{id}      DestroyRegistration; Notify (a registration granted direct paths)
//	/wsn/xml.xsd                 GET: the xml: schema the WSDL's bf-2.xsd imports
//
// Operations are chosen by the QName of the body's first element, whatever
// the SOAPAction or wsa:Action.
func (b *Broker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(pathBroker, b.endpoint(map[xml.Name]op{
		qNotify: b.notifyOp, qSubscribe: b.subscribeOp,
		qGetCurrentMessage: b.getCurrentMessageOp, qRegisterPublisher: b.registerPublisherOp,
	}))
	mux.Handle(pathSubscriptions+"{id}", b.endpoint(map[xml.Name]op{
		qRenew: b.renewOp, qUnsubscribe: b.unsubscribeOp,
		qPauseSubscription: b.pauseOp, qResumeSubscription: b.resumeOp, direct.NameRecover: b.recoverOp,
	}))
	mux.Handle(pathCreatePullPoint, b.endpoint(map[xml.Name]op{qCreatePullPoint: b.createPullPointOp}))
	mux.Handle(pathPullPoints+"{id}", b.endpoint(map[xml.Name]op{
		qGetMessages: b.getMessagesOp, qDestroyPullPoint: b.destroyPullPointOp, qNotify: b.pullPointNotifyOp,
	}))
	mux.Handle(pathRegistrations+"{id}", b.endpoint(map[xml.Name]op{qDestroyRegistration: b.destroyRegistrationOp, qNotify: b.registrationNotifyOp}))
	mux.HandleFunc("GET "+pathXMLSchema, serveXMLSchema)
	return mux
}

func (b *Broker) endpoint(ops map[xml.Name]op) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == pathBroker && r.URL.RawQuery != "" {
			b.serveWSDL(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST a SOAP envelope", http.StatusMethodNotAllowed)
			return
		}
		req, f := b.readRequest(r)
		if f != nil {
			f.WriteHTTP(w, f.Version)
			return
		}
		if req.rm {
			b.serveRM(w, req) // publish.go
			return
		}
		fn, ok := ops[req.msg.Payload.Name()]
		if !ok {
			n := req.msg.Payload.Name()
			writeFault(w, req, soap.NewFault(req.v, soap.FaultOperationNotFound, "no operation "+clark(n.Space, n.Local)+" at "+r.URL.Path))
			return
		}
		if err := b.admit(req); err != nil { // guard.go
			writeFault(w, req, asFault(err, req.v))
			return
		}
		action, body, err := b.call(fn, req)
		if err != nil {
			var f *soap.Fault
			if !errors.As(err, &f) {
				b.log.Error("wsnotify: operation failed", "path", r.URL.Path, "err", err)
				f = soap.Receiver("internal error")
			}
			writeFault(w, req, f)
			return
		}
		if action == "" {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		writeEnvelope(w, req, action, body)
	}
}

// call runs fn, turning a panic into an error (a fault, never a crash).
func (b *Broker) call(fn op, req *request) (action string, body []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("wsnotify: panic in operation", "panic", p)
			action, body, err = "", nil, soap.Receiver("internal error")
		}
	}()
	return fn(req)
}

// readRequest reads and checks the envelope of r. A returned fault has its
// Version set to the version to answer in.
func (b *Broker) readRequest(r *http.Request) (*request, *soap.Fault) {
	v, _, err := soap.ParseContentType(r.Header)
	if err != nil {
		return nil, asFault(err, v)
	}
	// A body declared over the limit is refused before any of it is read,
	// as the gateway's services do.
	if limit := b.cfg.Limits.WithDefaults().MaxBytes; r.ContentLength > limit {
		return nil, asFault(soap.NewFault(0, soap.FaultLimitExceeded, fmt.Sprintf(
			"the request has %d bytes; the limit is %d", r.ContentLength, limit)), v)
	}
	m, err := soap.ReadMessageSized(r.Body, r.ContentLength, b.cfg.Limits)
	if err != nil {
		return nil, asFault(err, v)
	}
	v = m.Version
	if b.isRM(r, m) {
		a, _ := soap.ReadAddressing(m) // the RM destination checks it; here, to relate a refusal
		return &request{r: r, msg: m, raw: m.Doc.Raw(), wsa: a, v: v, now: b.now(), rm: true}, nil
	}
	understood := func(n xml.Name) bool {
		return soap.IsAddressingHeader(n) || b.guard != nil && b.guard.Understood(n)
	}
	if err := m.CheckMustUnderstand(true, understood); err != nil {
		return nil, asFault(err, v)
	}
	a, err := soap.ReadAddressing(m)
	if err != nil {
		return nil, asFault(err, v)
	}
	if !m.Payload.Valid() {
		return nil, asFault(soap.NewFault(v, soap.FaultOperationNotFound, "empty Body"), v)
	}
	return &request{r: r, msg: m, raw: m.Doc.Raw(), wsa: a, v: v, id: r.PathValue("id"), now: b.now()}, nil
}

func asFault(err error, v soap.Version) *soap.Fault {
	var f *soap.Fault
	if !errors.As(err, &f) {
		f = soap.Sender(err.Error())
	}
	f.Version = f.VersionOr(v)
	return f
}

func writeFault(w http.ResponseWriter, req *request, f *soap.Fault) {
	if req.wsa.NS != "" && len(f.Detail) > 0 && !strings.Contains(string(f.Header), ":Action") {
		f.Header = append(f.Header, `<wsa:Action xmlns:wsa="`+req.wsa.NS+`">`+actFault+`</wsa:Action>`...)
	}
	f.WithAddressing(req.wsa).WriteHTTP(w, req.v)
}

// envelopeOpen is the start of every envelope the broker writes; it
// declares the prefixes bodies use (wsnt, wsn-br, wsa).
func envelopeOpen(v soap.Version) string {
	return `<s:Envelope xmlns:s="` + v.Namespace() + `" xmlns:wsa="` + soap.WSANS +
		`" xmlns:wsnt="` + NSB + `" xmlns:wsn-br="` + NSBR + `">`
}

// writeEnvelope writes a reply envelope in the request's version; WS-A
// headers (Action, RelatesTo) when the request used WS-Addressing.
func writeEnvelope(w http.ResponseWriter, req *request, action string, body []byte) {
	var sb strings.Builder
	sb.WriteString(envelopeOpen(req.v))
	if req.wsa.NS != "" {
		ns := `xmlns:h="` + req.wsa.NS + `"`
		sb.WriteString(`<s:Header><h:Action ` + ns + `>` + action + `</h:Action>`)
		if req.wsa.MessageID != "" {
			sb.WriteString(`<h:RelatesTo ` + ns + `>` + esc(req.wsa.MessageID) + `</h:RelatesTo>`)
		}
		sb.WriteString(`</s:Header>`)
	}
	sb.WriteString(`<s:Body>`)
	sb.Write(body)
	sb.WriteString(`</s:Body></s:Envelope>`)
	w.Header().Set("Content-Type", req.v.ContentType())
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(sb.String())) //nolint:errcheck // client gone
}
