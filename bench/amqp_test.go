package bench

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
)

func TestAMQP_Broker(t *testing.T) {
	url := os.Getenv("WSGW_TEST_AMQP_URL")
	if url == "" {
		t.Skip("WSGW_TEST_AMQP_URL is not set (e.g. amqp://guest:guest@127.0.0.1:5672/; .ci/bench starts a RabbitMQ)")
	}
	l := Load{Messages: 50, Size: 1024, Concurrency: 4}
	r, err := AMQP(context.Background(), l, AMQPOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if r.Load != l || r.Throughput <= 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max || r.System == "" {
		t.Errorf("got %+v, want the load, a throughput, 0 < p50 <= p99 <= max and the broker's name", r)
	}
}

func TestAMQP_Unreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = AMQP(context.Background(), Load{Messages: 1, Size: 8, Concurrency: 1},
		AMQPOptions{URL: "amqp://guest:secret@" + addr + "/"})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("got %v, want ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("got %q, want the password redacted", err)
	}
}
