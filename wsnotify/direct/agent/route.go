package agent

import (
	"bytes"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// Router is a send agent's Sink: it hands each publisher's Notify to the
// channel its messages' topic has, and tells the broker (Forward) of
// everything, so that the broker logs what the channel carried (for
// receivers that lose it), records the current message and delivers to
// its subscribers the channel does not reach.
//
//   - All set (an agent configured with one channel and no broker): the
//     Notify goes whole on All.
//   - Otherwise each NotificationMessage goes on the channel of its Topic
//     (Channels, by topic in Clark notation): all of a Notify's messages
//     on one channel, the Notify as it came; otherwise one Notify per
//     channel, of its messages. A message whose topic has no channel is
//     forwarded to the broker without a position (the broker publishes
//     it, on its own sender where its topic has a channel).
//   - A full channel refuses the Notify (HTTP 503) when it is the first
//     channel of the Notify; a later one's messages are forwarded to the
//     broker without a position instead (choice: what another channel
//     took is not taken back), which sends them on its own session.
type Router struct {
	All      Publisher
	Channels map[string]Publisher
	Forward  *Forwarder // nil: nothing is forwarded (no broker)
}

var _ Sink = (*Router)(nil)

// Take routes notify.
func (r *Router) Take(notify xmldoc.Element) error {
	if r.All != nil {
		b := notify.Standalone(soap.NS11, soap.NS12)
		pos, err := r.All.Publish(b)
		if err != nil {
			return err
		}
		r.forward(b, &pos)
		return nil
	}
	groups, order, rest := r.group(notify)
	for i, t := range order {
		msgs := groups[t]
		var b []byte
		if len(order) == 1 && len(rest) == 0 {
			b = notify.Standalone(soap.NS11, soap.NS12)
		} else {
			b = wrapNotify(msgs)
		}
		pos, err := r.Channels[t].Publish(b)
		switch {
		case err != nil && i == 0:
			return err
		case err != nil:
			rest = append(rest, msgs...)
		default:
			r.forward(b, &pos)
		}
	}
	if len(rest) > 0 {
		r.forward(wrapNotify(rest), nil)
	}
	return nil
}

func (r *Router) forward(notify []byte, pos *direct.Position) {
	if r.Forward != nil {
		r.Forward.Forward(notify, pos)
	}
}

// group sorts notify's NotificationMessages (standalone) by the channel of
// their topic, in the order the channels are first met; rest are those
// whose topic has no channel.
func (r *Router) group(notify xmldoc.Element) (map[string][][]byte, []string, [][]byte) {
	groups := map[string][][]byte{}
	var order []string
	var rest [][]byte
	for nm := notify.FirstChild(); nm.Valid(); nm = nm.NextSibling() {
		if nm.Name() != notificationMessageName {
			continue
		}
		b := nm.Standalone(soap.NS11, soap.NS12)
		t, ok := messageTopic(nm)
		if _, has := r.Channels[t]; !ok || !has {
			rest = append(rest, b)
			continue
		}
		if groups[t] == nil {
			order = append(order, t)
		}
		groups[t] = append(groups[t], b)
	}
	return groups, order, rest
}

// messageTopic is the concrete topic of a NotificationMessage in Clark
// notation (WS-BaseNotification 1.3, 3.2: its wsnt:Topic names one).
func messageTopic(nm xmldoc.Element) (string, bool) {
	t := nm.Child(direct.NSNotification, "Topic")
	if !t.Valid() {
		return "", false
	}
	dialect, _ := t.Attr("", "Dialect")
	e, err := topic.Parse(strings.TrimSpace(dialect), t.Text(), t.LookupNamespace)
	if err != nil {
		return "", false
	}
	p, ok := e.Topic()
	if !ok {
		return "", false
	}
	return p.String(), true
}

// wrapNotify makes one wsnt:Notify of standalone NotificationMessages.
func wrapNotify(msgs [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString(`<wsnt:Notify xmlns:wsnt="` + nsB + `">`)
	for _, m := range msgs {
		b.Write(m)
	}
	b.WriteString(`</wsnt:Notify>`)
	return b.Bytes()
}
