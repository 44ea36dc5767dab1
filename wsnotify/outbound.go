package wsnotify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wsgw/wsgw/soap"
)

// call sends a SOAP 1.1 request (WS-Addressing 1.0 headers: Action, To,
// MessageID, the target's reference parameters) to addr through the egress
// client and returns the reply envelope. A SOAP fault reply
// or a non-2xx status is an error.
func (b *Broker) soapCall(ctx context.Context, addr string, refParams [][]byte, action, body string) (*soap.Message, error) {
	var env bytes.Buffer
	env.WriteString(envelopeOpen(soap.V11))
	env.WriteString("<s:Header><wsa:Action>" + action + "</wsa:Action><wsa:To>" + esc(addr) + "</wsa:To>")
	env.WriteString("<wsa:MessageID>urn:uuid:" + newID() + "</wsa:MessageID>")
	writeRefParams(&env, refParams)
	env.WriteString("</s:Header><s:Body>" + body + "</s:Body></s:Envelope>")
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, addr, &env)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", soap.V11.ContentType())
	hreq.Header.Set("SOAPAction", `"`+action+`"`)
	resp, err := b.client.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	m, err := soap.ReadMessage(io.LimitReader(resp.Body, 1<<20), b.cfg.Limits)
	if err != nil {
		return nil, fmt.Errorf("reading reply from %s (HTTP %d): %w", addr, resp.StatusCode, err)
	}
	if f, ok := m.Fault(); ok {
		return nil, fmt.Errorf("fault from %s: %s", addr, f.Reason)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("HTTP %d from %s", resp.StatusCode, addr)
	}
	return m, nil
}

// writeRefParams writes reference parameters as header blocks marked
// wsa:IsReferenceParameter (WS-Addressing 1.0 SOAP Binding 2.3).
func writeRefParams(w *bytes.Buffer, refParams [][]byte) {
	for _, rp := range refParams {
		ne := nameEnd(rp, 1)
		w.Write(rp[:ne])
		w.WriteString(` xmlns:wsgwa="` + soap.WSANS + `" wsgwa:IsReferenceParameter="true"`)
		w.Write(rp[ne:])
	}
}

// nameEnd returns the index after the element name starting at rp[i] (a
// fragment the broker wrote: the name ends at a space, '>' or '/').
func nameEnd(rp []byte, i int) int {
	for i < len(rp) && strings.IndexByte(" \t\r\n>/", rp[i]) < 0 {
		i++
	}
	return i
}
