package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// WS-ReliableMessaging 1.2 and WS-Addressing 1.0 namespaces, and the
// stock-quote example's, whose one-way-able SetQuote the WS-RM benchmark
// sends.
const (
	nsRM       = "http://docs.oasis-open.org/ws-rx/wsrm/200702"
	nsWSA      = "http://www.w3.org/2005/08/addressing"
	nsSOAP11   = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSOAP12   = "http://www.w3.org/2003/05/soap-envelope"
	nsQuote    = "urn:wsgw:examples:stockquote"
	wsaAnon    = nsWSA + "/anonymous"
	actionCS   = nsRM + "/CreateSequence"
	soapAction = nsQuote + "/SetQuote"
)

// rmSequence is one producer's WS-RM sequence.
type rmSequence struct {
	id   string
	next int // the last message number sent; touched by its producer only
}

// wsrmSend drives l through target, a service that speaks WS-RM 1.2 and
// takes the stock-quote example's SetQuote: one sequence per producer
// (created before the clock starts, AcksTo anonymous), each message a
// Sequence message whose HTTP reply must carry a SequenceAcknowledgement
// covering it. Envelopes are padded to l.Size bytes where they are
// shorter.
func wsrmSend(ctx context.Context, l Load, target string, client *http.Client) (Result, error) {
	seqs := make([]*rmSequence, l.Concurrency)
	for i := range seqs {
		id, err := createSequence(ctx, client, target)
		if err != nil {
			return Result{}, fmt.Errorf("creating sequence %d: %w", i, err)
		}
		seqs[i] = &rmSequence{id: id}
	}
	return drive(ctx, l, func(ctx context.Context, p int, body []byte) error {
		s := seqs[p]
		s.next++
		env := sequenceMessage(s.id, s.next, fmt.Sprintf("S%d", p), l.Size)
		reply, err := postSOAP(ctx, client, target, soapAction, env)
		if err != nil {
			return err
		}
		if !acknowledges(reply, s.id, s.next) {
			return fmt.Errorf("message %d of sequence %s: no SequenceAcknowledgement covering it in %.300q", s.next, s.id, reply)
		}
		return nil
	})
}

func createSequence(ctx context.Context, client *http.Client, target string) (string, error) {
	env := `<soap:Envelope xmlns:soap="` + nsSOAP11 + `" xmlns:wsa="` + nsWSA + `" xmlns:wsrm="` + nsRM + `">` +
		`<soap:Header><wsa:Action>` + actionCS + `</wsa:Action></soap:Header><soap:Body><wsrm:CreateSequence>` +
		`<wsrm:AcksTo><wsa:Address>` + wsaAnon + `</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence></soap:Body></soap:Envelope>`
	reply, err := postSOAP(ctx, client, target, actionCS, []byte(env))
	if err != nil {
		return "", err
	}
	var r struct {
		ID string `xml:"Body>CreateSequenceResponse>Identifier"`
	}
	if err := xml.Unmarshal(reply, &r); err != nil || r.ID == "" {
		return "", fmt.Errorf("no CreateSequenceResponse in %.300q", reply)
	}
	return r.ID, nil
}

// sequenceMessage is message n of sequence id: a SetQuote of symbol,
// padded with a Note element to size bytes.
func sequenceMessage(id string, n int, symbol string, size int) []byte {
	head := `<soap:Envelope xmlns:soap="` + nsSOAP11 + `" xmlns:wsrm="` + nsRM + `" xmlns:q="` + nsQuote + `">` +
		`<soap:Header><wsrm:Sequence soap:mustUnderstand="1"><wsrm:Identifier>` + id + `</wsrm:Identifier>` +
		fmt.Sprintf(`<wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence></soap:Header>`, n) +
		`<soap:Body><q:SetQuote><q:Symbol>` + symbol + `</q:Symbol><q:Price>1.5</q:Price>`
	tail := `</q:SetQuote></soap:Body></soap:Envelope>`
	const noteOpen, noteClose = `<q:Note>`, `</q:Note>`
	pad := size - len(head) - len(tail) - len(noteOpen) - len(noteClose)
	if pad <= 0 {
		return []byte(head + tail)
	}
	return []byte(head + noteOpen + strings.Repeat("x", pad) + noteClose + tail)
}

func postSOAP(ctx context.Context, client *http.Client, target, action string, env []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(env))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+action+`"`)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.300q", resp.StatusCode, body)
	}
	return body, nil
}

// acknowledges reports whether reply carries a SequenceAcknowledgement of
// sequence id whose ranges cover message n (WS-RM 1.2, 3.9). The reply is
// read with the gateway's own parser (soap/xmldoc), not encoding/xml: the
// producers share the process, and so the CPU, with the gateway they
// measure, and encoding/xml took about 4% of the run's CPU here.
func acknowledges(reply []byte, id string, n int) bool {
	doc, err := xmldoc.ParseBytes(reply, xmldoc.Limits{})
	if err != nil {
		return false
	}
	env := doc.Root()
	for _, ns := range []string{nsSOAP11, nsSOAP12} {
		for h := env.Child(ns, "Header").FirstChild(); h.Valid(); h = h.NextSibling() {
			if h.Name() != (xml.Name{Space: nsRM, Local: "SequenceAcknowledgement"}) ||
				strings.TrimSpace(h.Child(nsRM, "Identifier").Text()) != id {
				continue
			}
			for r := h.FirstChild(); r.Valid(); r = r.NextSibling() {
				if r.Name() == (xml.Name{Space: nsRM, Local: "AcknowledgementRange"}) && inRange(r, n) {
					return true
				}
			}
		}
	}
	return false
}

// inRange tells whether the AcknowledgementRange r covers n.
func inRange(r xmldoc.Element, n int) bool {
	lo, lok := r.Attr("", "Lower")
	hi, hok := r.Attr("", "Upper")
	if !lok || !hok {
		return false
	}
	l, lerr := strconv.Atoi(strings.TrimSpace(lo))
	u, uerr := strconv.Atoi(strings.TrimSpace(hi))
	return lerr == nil && uerr == nil && l <= n && n <= u
}
