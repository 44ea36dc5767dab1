package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// The WS-Notification calls the agents make to the broker (the control
// plane): RegisterPublisher and DestroyRegistration for a send agent;
// CreatePullPoint, Subscribe, Renew, Unsubscribe, GetMessages,
// DestroyPullPoint and wsgw's Recover for a receive agent; Notify for
// both (the poster to its consumer, the forwarder to the broker). The
// requests are SOAP 1.2 with WS-Addressing Action and To
// (WS-BaseNotification 1.3 and WS-BrokeredNotification 1.3 messages). The
// channel's key comes back in these answers: give the agents an https
// broker URL wherever the network between them is not trusted.

// Namespaces of the messages.
const (
	nsB  = "http://docs.oasis-open.org/wsn/b-2"
	nsBR = "http://docs.oasis-open.org/wsn/br-2"
	nsBW = "http://docs.oasis-open.org/wsn/bw-2"
)

// Client makes the agents' calls.
type Client struct {
	HTTP    *http.Client
	Version soap.Version  // of the requests; default SOAP 1.2
	Limits  xmldoc.Limits // of the answers; xmldoc's defaults when zero
}

// FaultError is a SOAP fault the broker answered.
type FaultError struct {
	Status int
	Fault  *soap.Fault
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("HTTP %d: SOAP fault: %s", e.Status, e.Fault.Reason)
}

// call posts body (with header blocks hdr) to url with the WS-Addressing
// action, and returns the answer (nil for a one-way 202).
func (c *Client) call(ctx context.Context, url, action string, hdr, body []byte) (*soap.Message, error) {
	v := c.Version
	if v == 0 {
		v = soap.V12
	}
	resp, err := postEnvelope(ctx, c.HTTP, url, v, action, hdr, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drained for connection reuse
		return nil, nil
	}
	m, err := soap.ReadMessage(resp.Body, c.Limits.WithDefaults())
	if err != nil {
		return nil, fmt.Errorf("HTTP %d: reading the answer: %w", resp.StatusCode, err)
	}
	if f, ok := m.Fault(); ok {
		return nil, &FaultError{Status: resp.StatusCode, Fault: f}
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return m, nil
}

// postEnvelope posts an envelope of version v holding hdr and body, with
// wsa:Action and wsa:To, as WS-Notification messages are sent.
func postEnvelope(ctx context.Context, client *http.Client, url string, v soap.Version, action string, hdr, body []byte) (*http.Response, error) {
	var env bytes.Buffer
	env.WriteString(`<s:Envelope xmlns:s="` + v.Namespace() + `" xmlns:wsa="` + soap.WSANS + `"><s:Header><wsa:Action>`)
	xmlEscape(&env, action)
	env.WriteString(`</wsa:Action><wsa:To>`)
	xmlEscape(&env, url)
	env.WriteString(`</wsa:To>`)
	env.Write(hdr)
	env.WriteString(`</s:Header><s:Body>`)
	env.Write(body)
	env.WriteString(`</s:Body></s:Envelope>`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, &env)
	if err != nil {
		return nil, err
	}
	if v == soap.V12 {
		req.Header.Set("Content-Type", soap.MediaType12+`; charset=utf-8; action="`+action+`"`)
	} else {
		req.Header.Set("Content-Type", soap.V11.ContentType())
		req.Header.Set("SOAPAction", `"`+action+`"`)
	}
	return client.Do(req)
}

// address returns the wsa:Address of the EPR child local of e.
func address(e xmldoc.Element, ns, local string) string {
	return strings.TrimSpace(e.Child(ns, local).Child(soap.WSANS, "Address").Text())
}

// topicXML writes a concrete topic in Clark notation ("{ns}a/b") as a
// Concrete dialect expression element named el (WS-Topics 1.3, 7.2).
func topicXML(el, clarkTopic string) (string, error) {
	ns, path := "", clarkTopic
	if strings.HasPrefix(clarkTopic, "{") {
		end := strings.IndexByte(clarkTopic, '}')
		if end < 0 {
			return "", fmt.Errorf("topic %q: unclosed {namespace}", clarkTopic)
		}
		ns, path = clarkTopic[1:end], clarkTopic[end+1:]
	}
	if path == "" {
		return "", fmt.Errorf("topic %q names no topic", clarkTopic)
	}
	var b bytes.Buffer
	b.WriteString(`<` + el + ` Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"`)
	if ns != "" {
		b.WriteString(` xmlns:tns="`)
		xmlEscape(&b, ns)
		b.WriteString(`">tns:`) // the root's QName; the children are NCNames of its namespace
	} else {
		b.WriteString(`>`)
	}
	xmlEscape(&b, path)
	b.WriteString(`</` + el + `>`)
	return b.String(), nil
}

// Registration is what RegisterPublisher granted a send agent.
type Registration struct {
	Manager  string // PublisherRegistrationReference address
	Consumer string // ConsumerReference address: where Notifies go
	Channels []direct.Channel
}

// RegisterPublisher registers the agent as the publisher of topics
// (Clark notation) at the broker, asking for the direct path with req,
// until termination from now (0: the broker's default).
func (c *Client) RegisterPublisher(ctx context.Context, broker string, topics []string, req direct.Request, termination time.Duration) (*Registration, error) {
	var b bytes.Buffer
	b.WriteString(`<wsn-br:RegisterPublisher xmlns:wsn-br="` + nsBR + `">`)
	for _, t := range topics {
		x, err := topicXML("wsn-br:Topic", t)
		if err != nil {
			return nil, err
		}
		b.WriteString(x)
	}
	if termination > 0 {
		b.WriteString(`<wsn-br:InitialTerminationTime>` + time.Now().Add(termination).UTC().Format(time.RFC3339) + `</wsn-br:InitialTerminationTime>`)
	}
	b.Write(req.AppendXML(nil))
	b.WriteString(`</wsn-br:RegisterPublisher>`)
	m, err := c.call(ctx, broker, "http://docs.oasis-open.org/wsn/brw-2/RegisterPublisher/RegisterPublisherRequest", nil, b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("RegisterPublisher: %w", err)
	}
	if m == nil {
		return nil, errors.New("RegisterPublisher: no answer")
	}
	r := &Registration{Manager: address(m.Payload, nsBR, "PublisherRegistrationReference"), Consumer: address(m.Payload, nsBR, "ConsumerReference")}
	for e := m.Payload.Child(nsBR, "ConsumerReference").Child(soap.WSANS, "Metadata").FirstChild(); e.Valid(); e = e.NextSibling() {
		if e.Name() != direct.NameChannel {
			continue
		}
		ch, err := direct.ParseChannel(e)
		if err != nil {
			return nil, fmt.Errorf("RegisterPublisher: %w", err)
		}
		r.Channels = append(r.Channels, ch)
	}
	if r.Manager == "" || r.Consumer == "" {
		return nil, errors.New("RegisterPublisher: the answer lacks its references")
	}
	return r, nil
}

// DestroyRegistration ends a registration.
func (c *Client) DestroyRegistration(ctx context.Context, manager string) error {
	_, err := c.call(ctx, manager, "http://docs.oasis-open.org/wsn/brw-2/PublisherRegistrationManager/DestroyRegistrationRequest", nil,
		[]byte(`<wsn-br:DestroyRegistration xmlns:wsn-br="`+nsBR+`"/>`))
	return err
}

// CreatePullPoint creates a pull point at factory and returns its address.
func (c *Client) CreatePullPoint(ctx context.Context, factory string) (string, error) {
	m, err := c.call(ctx, factory, nsBW+"/CreatePullPoint/CreatePullPointRequest", nil, []byte(`<wsnt:CreatePullPoint xmlns:wsnt="`+nsB+`"/>`))
	if err != nil {
		return "", fmt.Errorf("CreatePullPoint: %w", err)
	}
	if m == nil || address(m.Payload, nsB, "PullPoint") == "" {
		return "", errors.New("CreatePullPoint: the answer names no pull point")
	}
	return address(m.Payload, nsB, "PullPoint"), nil
}

// Subscription is what Subscribe granted a receive agent.
type Subscription struct {
	Manager     string // SubscriptionReference address
	Termination time.Time
	Channel     *direct.Channel // nil: not granted (delivered over HTTP)
}

// Subscribe subscribes consumer to one concrete topic (Clark notation),
// asking for the direct path with req, until termination from now (0:
// the broker's default).
func (c *Client) Subscribe(ctx context.Context, broker, consumer, topic string, req direct.Request, termination time.Duration) (*Subscription, error) {
	te, err := topicXML("wsnt:TopicExpression", topic)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`<wsnt:Subscribe xmlns:wsnt="` + nsB + `" xmlns:wsa="` + soap.WSANS + `"><wsnt:ConsumerReference><wsa:Address>`)
	xmlEscape(&b, consumer)
	b.WriteString(`</wsa:Address></wsnt:ConsumerReference><wsnt:Filter>` + te + `</wsnt:Filter>`)
	if termination > 0 {
		b.WriteString(`<wsnt:InitialTerminationTime>` + xsdSeconds(termination) + `</wsnt:InitialTerminationTime>`)
	}
	b.WriteString(`<wsnt:SubscriptionPolicy>`)
	b.Write(req.AppendXML(nil))
	b.WriteString(`</wsnt:SubscriptionPolicy></wsnt:Subscribe>`)
	m, err := c.call(ctx, broker, nsBW+"/NotificationProducer/SubscribeRequest", nil, b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("Subscribe: %w", err)
	}
	if m == nil {
		return nil, errors.New("Subscribe: no answer")
	}
	s := &Subscription{Manager: address(m.Payload, nsB, "SubscriptionReference")}
	s.Termination, _ = time.Parse(time.RFC3339Nano, strings.TrimSpace(m.Payload.Child(nsB, "TerminationTime").Text()))
	if e := m.Payload.Child(direct.NS, direct.NameChannel.Local); e.Valid() {
		ch, err := direct.ParseChannel(e)
		if err != nil {
			return nil, fmt.Errorf("Subscribe: %w", err)
		}
		s.Channel = &ch
	}
	if s.Manager == "" {
		return nil, errors.New("Subscribe: the answer names no subscription")
	}
	return s, nil
}

// Renew extends a subscription by d from now and returns its new
// termination time.
func (c *Client) Renew(ctx context.Context, manager string, d time.Duration) (time.Time, error) {
	m, err := c.call(ctx, manager, nsBW+"/SubscriptionManager/RenewRequest", nil,
		[]byte(`<wsnt:Renew xmlns:wsnt="`+nsB+`"><wsnt:TerminationTime>`+xsdSeconds(d)+`</wsnt:TerminationTime></wsnt:Renew>`))
	if err != nil {
		return time.Time{}, fmt.Errorf("Renew: %w", err)
	}
	if m == nil {
		return time.Time{}, errors.New("Renew: no answer")
	}
	return time.Parse(time.RFC3339Nano, strings.TrimSpace(m.Payload.Child(nsB, "TerminationTime").Text()))
}

// Unsubscribe ends a subscription.
func (c *Client) Unsubscribe(ctx context.Context, manager string) error {
	_, err := c.call(ctx, manager, nsBW+"/SubscriptionManager/UnsubscribeRequest", nil, []byte(`<wsnt:Unsubscribe xmlns:wsnt="`+nsB+`"/>`))
	return err
}

// DestroyPullPoint destroys a pull point.
func (c *Client) DestroyPullPoint(ctx context.Context, pp string) error {
	_, err := c.call(ctx, pp, nsBW+"/PullPoint/DestroyPullPointRequest", nil, []byte(`<wsnt:DestroyPullPoint xmlns:wsnt="`+nsB+`"/>`))
	return err
}

// GetMessages takes up to max messages from a pull point (0: as many as
// the broker gives): each wsnt:NotificationMessage, standalone.
func (c *Client) GetMessages(ctx context.Context, pp string, max int) ([][]byte, error) {
	body := `<wsnt:GetMessages xmlns:wsnt="` + nsB + `">`
	if max > 0 {
		body += fmt.Sprintf(`<wsnt:MaximumNumber>%d</wsnt:MaximumNumber>`, max)
	}
	m, err := c.call(ctx, pp, nsBW+"/PullPoint/GetMessagesRequest", nil, []byte(body+`</wsnt:GetMessages>`))
	if err != nil {
		return nil, fmt.Errorf("GetMessages: %w", err)
	}
	if m == nil {
		return nil, errors.New("GetMessages: no answer")
	}
	var out [][]byte
	for e := m.Payload.FirstChild(); e.Valid(); e = e.NextSibling() {
		if e.Name() == notificationMessageName {
			out = append(out, e.Standalone(soap.NS11, soap.NS12))
		}
	}
	return out, nil
}

// Recover asks the broker for the notifications of rs (wsgwd:Recover at
// the subscription's manager).
func (c *Client) Recover(ctx context.Context, manager string, rs []direct.RecoverRange) ([]direct.RecoverResult, error) {
	m, err := c.call(ctx, manager, direct.NS+"/Recover/RecoverRequest", nil, direct.AppendRecover(nil, rs))
	if err != nil {
		return nil, fmt.Errorf("Recover: %w", err)
	}
	if m == nil || m.Payload.Name() != direct.NameRecoverResponse {
		return nil, errors.New("Recover: no RecoverResponse")
	}
	return direct.ParseRecoverResponse(m.Payload)
}

// Notify posts a wsnt:Notify element to url, with a wsgwd:Seq header
// when pos is set (where it was sent on its channel).
func (c *Client) Notify(ctx context.Context, url string, notify []byte, pos *direct.Position) error {
	var hdr []byte
	if pos != nil {
		hdr = direct.AppendSeqHeader(nil, *pos)
	}
	_, err := c.call(ctx, url, direct.ActionNotify, hdr, notify)
	return err
}

// xsdSeconds writes d as an xsd:duration in whole seconds (at least 1).
func xsdSeconds(d time.Duration) string { return fmt.Sprintf("PT%dS", max(1, int64(d/time.Second))) }
