package wsnotify

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// The broker's own senders: a Notify sent to the broker itself for a
// topic that has a channel is multicast once on the channel (one datagram
// for every direct subscriber instead of an HTTP post each), by a
// direct.Sender of the broker's own session on that channel, run through
// the driver while Run runs. Subscribers the channel does not reach (they
// asked for HTTP, or the Notify could not be sent on it) get it over HTTP
// as any subscriber does.

// senderShutdown bounds how long a stopping broker waits for its senders
// to send what they accepted (choice).
const senderShutdown = 2 * time.Second

type runningSender struct {
	drv    *driver.Sender
	cancel context.CancelFunc
	done   chan struct{}
}

// runDirect starts and stops the broker's senders as channels come and go,
// until ctx ends; then it shuts each down (what it accepted is sent, or
// reported to its receivers as a gap) and waits for them.
func (b *Broker) runDirect(ctx context.Context) {
	running := map[string]*runningSender{}
	for {
		b.reconcileSenders(ctx, running)
		select {
		case <-ctx.Done():
			for t, rs := range running {
				b.stopSender(t, rs)
			}
			return
		case <-b.directKick:
		}
	}
}

// reconcileSenders starts a sender for each channel without one and stops
// those whose channel is gone.
func (b *Broker) reconcileSenders(ctx context.Context, running map[string]*runningSender) {
	b.mu.RLock()
	var start []*channel
	for t, ch := range b.channels {
		if running[t] == nil {
			start = append(start, ch)
		}
	}
	var stop []string
	for t := range running {
		if b.channels[t] == nil {
			stop = append(stop, t)
		}
	}
	b.mu.RUnlock()
	for _, t := range stop {
		b.stopSender(t, running[t])
		delete(running, t)
	}
	for _, ch := range start {
		rs, err := b.startSender(ctx, ch)
		if err != nil {
			b.log.Error("wsnotify: the direct channel's sender did not start; its notifications go over HTTP", "topic", ch.rec.Topic, "err", err)
			continue
		}
		running[ch.rec.Topic] = rs
	}
}

// startSender stores the channel's next epoch (a restarted sender must
// have a greater one: receivers take it for a restart) and starts the
// broker's sender in it.
func (b *Broker) startSender(ctx context.Context, ch *channel) (*runningSender, error) {
	b.mu.RLock()
	rec, rev := ch.rec, ch.rev
	b.mu.RUnlock()
	rec.Epoch++
	nrev, err := updateJSON(context.WithoutCancel(ctx), b.st, kindChannel, rec.Topic, rec, rev)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	ch.rec, ch.rev = rec, nrev
	b.mu.Unlock()
	d := b.cfg.Direct
	nc := driver.NetConfig{Interface: d.Interface, TTL: d.TTL, Listen: d.control(rec.Slot), AllowedGroups: []netip.Prefix{d.groups}}
	if d.Transport == direct.TransportUnicast {
		nc.Unicast, nc.Allow = true, b.policy.AllowsIP
	} else {
		nc.Group = d.group(rec.Slot)
	}
	drv, err := driver.NewSender(d.senderConfig(rec), nc, b.log.With("channel", rec.Topic))
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	rs := &runningSender{drv: drv, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(rs.done)
		if err := drv.Run(rctx); err != nil && !errors.Is(err, context.Canceled) {
			b.log.Error("wsnotify: a direct channel's sender stopped; its notifications go over HTTP", "topic", rec.Topic, "err", err)
		}
		b.mu.Lock()
		if ch.sender == drv {
			ch.sender = nil
		}
		b.mu.Unlock()
	}()
	b.mu.Lock()
	ch.sender = drv
	b.mu.Unlock()
	return rs, nil
}

func (b *Broker) stopSender(topic string, rs *runningSender) {
	ctx, cancel := context.WithTimeout(context.Background(), senderShutdown)
	defer cancel()
	if err := rs.drv.Shutdown(ctx, 0); err != nil {
		b.log.Warn("wsnotify: a direct channel's sender stopped before sending everything (its receivers see a gap)", "topic", topic)
	}
	rs.cancel()
	<-rs.done
}

// sendOnChannels multicasts the notifications of ns whose topic has a
// channel, one Notify per channel, on the broker's own sender, and marks
// them sent (fanOut then leaves their direct subscribers out); each is
// logged for recovery. A channel whose sender cannot take it (not
// running, queue full) leaves its notifications unmarked: they go over
// HTTP to every subscriber, direct ones included.
func (b *Broker) sendOnChannels(ns []*notification) {
	if b.cfg.Direct == nil {
		return
	}
	groups := map[*channel][]*notification{}
	var order []*channel
	b.mu.RLock()
	for _, n := range ns {
		if !n.hasTopic {
			continue
		}
		ch := b.channels[n.topic.String()]
		if ch == nil || ch.sender == nil {
			if ch != nil {
				b.metrics.directFallback.Inc()
			}
			continue
		}
		if groups[ch] == nil {
			order = append(order, ch)
		}
		groups[ch] = append(groups[ch], n)
	}
	b.mu.RUnlock()
	for _, ch := range order {
		msgs := groups[ch]
		notify := channelNotify(msgs)
		b.mu.RLock()
		s := ch.sender
		b.mu.RUnlock()
		if s == nil {
			b.metrics.directFallback.Add(float64(len(msgs)))
			continue
		}
		pos, err := s.Publish(notify)
		if err != nil {
			b.metrics.directFallback.Add(float64(len(msgs)))
			b.log.Debug("wsnotify: a channel's sender refused a Notify; it goes over HTTP", "topic", ch.rec.Topic, "err", err)
			continue
		}
		ch.log.add(pos, notify)
		b.metrics.directSent.Add(float64(len(msgs)))
		for _, n := range msgs {
			n.onChannel = true
		}
	}
}

// channelNotify is the wsnt:Notify element a channel carries for msgs: a
// standalone element (its namespaces declared on it) whose
// NotificationMessages hold each message's Topic, ProducerReference and
// Message (no SubscriptionReference: every subscriber of the channel gets
// the same datagrams).
func channelNotify(msgs []*notification) []byte {
	var w bytes.Buffer
	w.WriteString(`<wsnt:Notify xmlns:wsnt="` + NSB + `">`)
	for _, n := range msgs {
		w.WriteString("<wsnt:NotificationMessage>")
		w.Write(n.msg.Wrapped)
		w.WriteString("</wsnt:NotificationMessage>")
	}
	w.WriteString("</wsnt:Notify>")
	return w.Bytes()
}
