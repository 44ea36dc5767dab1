package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ErrUnreachable wraps the error of an AMQP peer that could not be
// connected to: the peer is then not measured, which is not a failure of
// the benchmark.
var ErrUnreachable = errors.New("peer unreachable")

// AMQPOptions say where the AMQP peer is and what queue to use.
type AMQPOptions struct {
	// URL of the broker, e.g. amqp://guest:guest@127.0.0.1:5672/.
	URL string
	// QueueType is the x-queue-type of the queue declared for the run:
	// "" for the broker's default (a classic queue), or "quorum".
	QueueType string
	// DialTimeout bounds connecting; 0 means 5s.
	DialTimeout time.Duration
}

// AMQP measures durable publishing to an AMQP 0-9-1 broker (see the
// package documentation): a durable queue declared for the run and deleted
// after it, persistent messages, one confirm-mode channel per producer, each
// waiting for its confirm. A broker that cannot be connected to yields an
// error wrapping ErrUnreachable.
func AMQP(ctx context.Context, l Load, o AMQPOptions) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	timeout := o.DialTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	conn, err := amqp.DialConfig(o.URL, amqp.Config{Dial: amqp.DefaultDial(timeout)})
	if err != nil {
		return Result{}, fmt.Errorf("%w: dialing %s: %w", ErrUnreachable, RedactURL(o.URL), err)
	}
	defer conn.Close()
	queue, err := declareQueue(conn, o.QueueType)
	if err != nil {
		return Result{}, err
	}
	defer deleteQueue(conn, queue)
	res, err := publishAll(ctx, l, conn, queue)
	if err != nil {
		return Result{}, err
	}
	res.System = brokerName(conn)
	if o.QueueType != "" {
		res.System += " (" + o.QueueType + " queue)"
	}
	return res, nil
}

// publishAll opens one confirm-mode channel per producer and drives l
// through them.
func publishAll(ctx context.Context, l Load, conn *amqp.Connection, queue string) (Result, error) {
	chans := make([]*amqp.Channel, l.Concurrency)
	defer func() {
		for _, ch := range chans {
			if ch != nil {
				ch.Close()
			}
		}
	}()
	for i := range chans {
		ch, err := conn.Channel()
		if err != nil {
			return Result{}, fmt.Errorf("opening channel %d: %w", i, err)
		}
		chans[i] = ch
		if err := ch.Confirm(false); err != nil {
			return Result{}, fmt.Errorf("putting channel %d in confirm mode: %w", i, err)
		}
	}
	return drive(ctx, l, func(ctx context.Context, p int, body []byte) error {
		dc, err := chans[p].PublishWithDeferredConfirmWithContext(ctx, "", queue, false, false, amqp.Publishing{
			DeliveryMode: amqp.Persistent,
			ContentType:  "application/octet-stream",
			Body:         body,
		})
		if err != nil {
			return err
		}
		ok, err := dc.WaitContext(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("the broker nacked the message, or the channel closed")
		}
		return nil
	})
}

// declareQueue declares a durable queue with a fresh name.
func declareQueue(conn *amqp.Connection, queueType string) (string, error) {
	ch, err := conn.Channel()
	if err != nil {
		return "", fmt.Errorf("opening a channel: %w", err)
	}
	defer ch.Close()
	var args amqp.Table
	if queueType != "" {
		args = amqp.Table{"x-queue-type": queueType}
	}
	var b [6]byte
	rand.Read(b[:])
	name := "wsgw-bench-" + hex.EncodeToString(b[:])
	if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		return "", fmt.Errorf("declaring queue %s: %w", name, err)
	}
	return name, nil
}

// deleteQueue deletes the run's queue and its messages, best effort.
func deleteQueue(conn *amqp.Connection, name string) {
	if ch, err := conn.Channel(); err == nil {
		ch.QueueDelete(name, false, false, false)
		ch.Close()
	}
}

// brokerName is the broker's product and version as it announces them.
func brokerName(conn *amqp.Connection) string {
	product, _ := conn.Properties["product"].(string)
	version, _ := conn.Properties["version"].(string)
	if product == "" {
		product = "AMQP broker"
	}
	if version != "" {
		product += " " + version
	}
	return product
}

// RedactURL returns u with its password replaced by "xxxxx", or "(invalid
// URL)" when u does not parse.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	return p.Redacted()
}
