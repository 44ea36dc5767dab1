package gateway

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wssecurity"
)

// guessVersion names the SOAP version a request's Content-Type suggests,
// for faults raised before the envelope is read: SOAP 1.2 for
// application/soap+xml, SOAP 1.1 otherwise.
func guessVersion(h http.Header) soap.Version {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err == nil && mt == soap.MediaType12 {
		return soap.V12
	}
	return soap.V11
}

// writeFault writes err as a SOAP fault: in its own version when known,
// else in hint. An error that is not a *soap.Fault becomes a Receiver fault
// that does not reveal it.
func writeFault(w http.ResponseWriter, err error, hint soap.Version) {
	var none *unsentFault
	if errors.As(err, &none) {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var f *soap.Fault
	if !errors.As(err, &f) {
		f = soap.Receiver("internal gateway error").WithCause(err)
	}
	var ra *wssecurity.RetryAfterError
	if errors.As(err, &ra) {
		retryAfter(w, ra.After)
	}
	f.WriteHTTP(w, f.VersionOr(hint))
}

// relate makes a fault about a request that used WS-Addressing a reply to
// it (WS-Addressing 1.0 Core 3.4; SOAP Binding 6): the fault Action and a
// RelatesTo naming its MessageID. A fault goes to the [fault endpoint], or
// without one to the [reply endpoint] (Core 3.4); when that is none the
// fault is not sent: it becomes an *unsentFault, answered with 202 and no
// body.
func relate(err error, a soap.Addressing) error {
	var f *soap.Fault
	if a.NS == "" || !errors.As(err, &f) {
		return err
	}
	f = f.WithAddressing(a)
	to := a.FaultTo
	if to == nil {
		to = a.ReplyTo
	}
	if to.IsNone() {
		return &unsentFault{f}
	}
	return f
}

// unsentFault is a fault the request asked not to be sent.
type unsentFault struct{ *soap.Fault }

func (u *unsentFault) Unwrap() error { return u.Fault }

// retryAfter sets the Retry-After header (RFC 9110, 10.2.3) in whole
// seconds, at least one.
func retryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int(math.Ceil(d.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
}

// The gateway's own faults, from the one table in soap/faultcodes.go (its
// code and HTTP status per subcode); v is the request's version, 0 when
// not known yet.

func busyFault(v soap.Version, stage, reason string) *soap.Fault {
	return soap.NewFault(v, soap.FaultBusy, fmt.Sprintf("the gateway is busy (%s: %s); retry later", stage, reason))
}

// unknownServiceFault answers a request for a service the gateway does not
// have: HTTP 404, as for any unknown resource.
func unknownServiceFault(name string) *soap.Fault {
	f := soap.Sender(fmt.Sprintf("no service %q at this gateway", name))
	f.Status = http.StatusNotFound
	return f
}

func noRouteFault(v soap.Version, service, partition string) *soap.Fault {
	return soap.NewFault(v, soap.FaultNoRoute,
		fmt.Sprintf("service %s: no available replica in partition %s", service, partition))
}

func keyMissingFault(v soap.Version, service string) *soap.Fault {
	return soap.NewFault(v, soap.FaultPartitionKeyMissing,
		fmt.Sprintf("service %s: the request has no partition key", service))
}

func outcomeUnknownFault(v soap.Version, op string, cause error) *soap.Fault {
	return soap.NewFault(v, soap.FaultOutcomeUnknown, fmt.Sprintf("operation %s may or may not have been performed: "+
		"the backend failed after the request was sent, and the operation is not idempotent, so it was not retried", op)).
		WithCause(cause)
}

func backendFault(v soap.Version, op string, timedOut bool, cause error) *soap.Fault {
	if timedOut {
		return soap.NewFault(v, soap.FaultBackendTimeout,
			fmt.Sprintf("operation %s: the backend did not reply in time", op)).WithCause(cause)
	}
	return soap.NewFault(v, soap.FaultBackendUnavailable,
		fmt.Sprintf("operation %s: the backend is unavailable", op)).WithCause(cause)
}
