package soap

import (
	"errors"
	"mime"
	"net/http"
	"strings"
)

// ParseContentType checks a request's Content-Type (and for SOAP 1.1 its
// SOAPAction header). It returns the version the media type names and the
// action (SOAP 1.1: SOAPAction with its quotes removed; SOAP 1.2: the action
// parameter, "" when absent), or a *Fault.
//
//   - text/xml is SOAP 1.1 (SOAP 1.1 note 6.1.1); application/soap+xml is
//     SOAP 1.2 (Part 2, 7.1.4; RFC 3902, action parameter optional).
//   - Any other or unparsable media type, or a charset other than utf-8
//     (case-insensitive; an absent charset means utf-8): Sender fault
//     wsgw:UnsupportedMediaType with HTTP 415. Its Version is the version
//     of the media type when that is known, else 0.
//   - SOAP 1.1 without a SOAPAction header: refused, Client fault
//     wsgw:MalformedMessage with HTTP 400 (WS-I Basic Profile 1.1 R1113).
//     SOAP 1.1 note 6.1.1 says a client MUST send the header; BP 1.1 R2744
//     requires it. An empty value (`SOAPAction: ""` or `SOAPAction:`) is
//     accepted and returns "": the intent is not given by the header.
//     A value without quotes (BP 1.1 R1109 requires them) is accepted as is.
//   - A Content-Type or SOAPAction field given twice, or a media type
//     parameter given twice, is refused as unsupported media (415) or
//     malformed (400): the gateway and the backend it forwards to could
//     each read another action from it.
func ParseContentType(h http.Header) (v Version, action string, err error) {
	if len(h.Values("Content-Type")) > 1 {
		return 0, "", unsupportedMedia(0, "more than one Content-Type field (RFC 9110, 5.3: it is not a list)")
	}
	ct := h.Get("Content-Type")
	if v, ok := plainContentType(ct); ok {
		return finishContentType(h, v, nil)
	}
	mt, params, perr := mime.ParseMediaType(ct)
	if errors.Is(perr, mime.ErrInvalidMediaParameter) {
		// Toolkits send unquoted URIs (action=urn:x), which RFC 2045
		// forbids: accept them.
		params, perr = lenientParams(ct)
	}
	switch {
	case perr != nil:
		return 0, "", unsupportedMedia(0, "unreadable Content-Type \""+ct+"\": "+perr.Error())
	case mt == MediaType11:
		v = V11
	case mt == MediaType12:
		v = V12
	default:
		return 0, "", unsupportedMedia(0, "Content-Type "+mt+" is not a SOAP media type (text/xml for SOAP 1.1, application/soap+xml for SOAP 1.2)")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return v, "", unsupportedMedia(v, "charset "+cs+" is not supported; send utf-8")
	}
	return finishContentType(h, v, params)
}

// plainContentTypes are the Content-Type values toolkits send most, with
// no parameter but charset=utf-8, which ParseContentType recognises
// without the allocations of a full media type parse.
var plainContentTypes = [...]struct {
	ct string
	v  Version
}{
	{MediaType11 + "; charset=utf-8", V11}, {MediaType11 + ";charset=utf-8", V11}, {MediaType11, V11},
	{MediaType12 + "; charset=utf-8", V12}, {MediaType12 + ";charset=utf-8", V12}, {MediaType12, V12},
}

func plainContentType(ct string) (Version, bool) {
	for _, p := range plainContentTypes {
		if len(ct) == len(p.ct) && strings.EqualFold(ct, p.ct) {
			return p.v, true
		}
	}
	return 0, false
}

// finishContentType returns the action of a request of version v with the
// media type parameters params.
func finishContentType(h http.Header, v Version, params map[string]string) (Version, string, error) {
	if v == V12 {
		return v, params["action"], nil
	}
	vals, ok := h[http.CanonicalHeaderKey("SOAPAction")]
	if !ok || len(vals) != 1 {
		reason := "SOAP 1.1 request without a SOAPAction header (SOAP 1.1 note 6.1.1); send SOAPAction: \"\" when there is no action"
		if len(vals) > 1 {
			reason = "SOAP 1.1 request with more than one SOAPAction header (SOAP 1.1 note 6.1.1: one intent)"
		}
		f := NewFault(v, FaultMalformedMessage, reason)
		f.Status = http.StatusBadRequest
		return v, "", f
	}
	return v, unquote(strings.Trim(vals[0], " \t")), nil
}

func unsupportedMedia(v Version, reason string) *Fault {
	return NewFault(v, FaultUnsupportedMediaType, reason)
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// lenientParams splits the parameters of a media type on ';' without
// RFC 2045 token rules; names are lower-cased, values unquoted. A name
// given twice is an error, as mime.ParseMediaType makes it: which one a
// receiver takes is anybody's guess.
func lenientParams(ct string) (map[string]string, error) {
	params := map[string]string{}
	parts := strings.Split(ct, ";")
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := params[k]; dup {
			return nil, errors.New("parameter " + k + " given twice")
		}
		if k != "" {
			params[k] = unquote(strings.TrimSpace(v))
		}
	}
	return params, nil
}
