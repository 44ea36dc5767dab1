package demo

import (
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/examples/orders"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
)

// startOrders starts the orders backend.
func (d *Demo) startOrders() (*backend, error) {
	return d.startBackend("orders r0", orders.NewBackend("r0", d.log))
}

// ordersService is the reliable Orders service over ord: WS-RM exactly
// once, in order, retried until the backend takes it; acknowledgements may
// go to loopback AcksTo addresses only.
func ordersService(ord *backend) gateway.ServiceConfig {
	return gateway.ServiceConfig{
		Name: "Orders",
		WSDL: ord.url + "/?wsdl",
		Cluster: cluster.Config{
			Partitions: []cluster.PartitionConfig{{Name: "p0", Replicas: []string{ord.url}}},
			Health:     cluster.HealthConfig{Path: "/health", Interval: healthInterval},
		},
		Operations: map[string]gateway.OperationConfig{"GetOrderLog": {Idempotent: true}},
		Reliable: &gateway.ReliableConfig{Assurance: "ExactlyOnce", InOrder: true, Egress: egress.Loopback(),
			Retry: gateway.ReliableRetry{Backoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second, MaxAttempts: -1}},
	}
}

func ordersInfo(base string) Service {
	ep := base + "/services/Orders"
	return Service{Name: "Orders", Endpoint: ep, WSDL: ep + "?wsdl",
		Shape: "reliable (WS-RM 1.2 and February 2005, exactly once, in order), 1 backend"}
}
