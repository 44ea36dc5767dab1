package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Namespaces of the wire: SOAP 1.1 and 1.2, WS-Addressing 1.0 and
// WS-BaseNotification 1.3.
const (
	nsSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
	nsWSA    = "http://www.w3.org/2005/08/addressing"
	nsWSNT   = "http://docs.oasis-open.org/wsn/b-2"
)

// soapVersion is "1.1" or "1.2".
type soapVersion string

// post sends payload in a SOAP envelope of version v to url and returns the
// reply body; a status other than 200 or 202 is an error quoting the reply.
func post(ctx context.Context, c *http.Client, url string, v soapVersion, action, payload string) ([]byte, error) {
	ns := nsSOAP11
	if v == "1.2" {
		ns = nsSOAP12
	}
	env := `<s:Envelope xmlns:s="` + ns + `"><s:Body>` + payload + `</s:Body></s:Envelope>`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(env))
	if err != nil {
		return nil, err
	}
	if v == "1.2" {
		req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8; action="`+action+`"`)
	} else {
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `"`+action+`"`)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading reply from %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		return nil, fmt.Errorf("%s answered HTTP %d: %s", url, resp.StatusCode, body)
	}
	return body, nil
}

// subscribeRequest is a wsnt:Subscribe (WS-BaseNotification 1.3, 4.2) for
// consumer with a topic filter and, when content is not "", a
// MessageContent XPath filter.
func subscribeRequest(consumer, dialect, topicExpr, content string) string {
	var b strings.Builder
	b.WriteString(`<wsnt:Subscribe xmlns:wsnt="` + nsWSNT + `" xmlns:wsa="` + nsWSA + `">`)
	b.WriteString(`<wsnt:ConsumerReference><wsa:Address>` + escape(consumer) + `</wsa:Address></wsnt:ConsumerReference>`)
	b.WriteString(`<wsnt:Filter><wsnt:TopicExpression xmlns:feed="` + nsFeed + `" Dialect="` + dialect + `">` + escape(topicExpr) + `</wsnt:TopicExpression>`)
	if content != "" {
		b.WriteString(`<wsnt:MessageContent xmlns:q="` + nsQuote + `" Dialect="` + dialectXPath + `">` + escape(content) + `</wsnt:MessageContent>`)
	}
	b.WriteString(`</wsnt:Filter></wsnt:Subscribe>`)
	return b.String()
}

// subscribe subscribes consumer at the broker's NotificationBroker endpoint
// and returns the SubscriptionReference address.
func subscribe(ctx context.Context, c *http.Client, broker string, v soapVersion, consumer, dialect, topicExpr, content string) (string, error) {
	body, err := post(ctx, c, broker, v, nsWSNT+"/NotificationProducer/SubscribeRequest",
		subscribeRequest(consumer, dialect, topicExpr, content))
	if err != nil {
		return "", fmt.Errorf("subscribing %s at %s: %w", consumer, broker, err)
	}
	var env struct {
		Address string `xml:"Body>SubscribeResponse>SubscriptionReference>Address"`
	}
	if err := xml.Unmarshal(body, &env); err != nil || env.Address == "" {
		return "", fmt.Errorf("subscribing %s at %s: no SubscriptionReference in %s", consumer, broker, body)
	}
	return strings.TrimSpace(env.Address), nil
}

// notifyRequest is the wsnt:Notify a publisher sends for q, on topic
// feed:Quotes/{Market} (Concrete dialect).
func notifyRequest(q Quote) string {
	return `<wsnt:Notify xmlns:wsnt="` + nsWSNT + `"><wsnt:NotificationMessage>` +
		`<wsnt:Topic xmlns:feed="` + nsFeed + `" Dialect="` + dialectConcrete + `">feed:Quotes/` + q.Market + `</wsnt:Topic>` +
		`<wsnt:Message>` + q.payload() + `</wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`
}

// notification is what a consumer reads from a delivered wsnt:Notify.
type notification struct {
	Topic string `xml:"Topic"`
	Quote struct {
		Seq    int     `xml:"Seq"`
		Symbol string  `xml:"Symbol"`
		Price  float64 `xml:"Price"`
	} `xml:"Message>Quote"`
}

// readNotify returns the quotes of a wsnt:Notify envelope (SOAP 1.1 or
// 1.2), the market taken from each message's topic.
func readNotify(body []byte) ([]Quote, error) {
	var env struct {
		Messages []notification `xml:"Body>Notify>NotificationMessage"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("reading Notify: %w", err)
	}
	var qs []Quote
	for _, m := range env.Messages {
		topic := strings.TrimSpace(m.Topic)
		qs = append(qs, Quote{Seq: m.Quote.Seq, Market: topic[strings.LastIndexByte(topic, '/')+1:], Symbol: m.Quote.Symbol, Price: m.Quote.Price})
	}
	return qs, nil
}

func escape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a bytes.Buffer does not fail
	return b.String()
}
