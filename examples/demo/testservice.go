package demo

import (
	"github.com/wsgw/wsgw/conformance/testservice"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
)

// startTestService starts the conformance kit's test service (the SOAP 1.2
// test collection's node C and the WS-Addressing test suite's echo and
// notify services), so that `wsgw conformance --target <demo>` finds
// every suite's endpoints behind the gateway.
func (d *Demo) startTestService() (*backend, error) {
	return d.startBackend("conformance test service", testservice.New(testservice.Config{Logger: d.log}))
}

// testServices are the gateway services in front of the test service:
// SOAP12Test, where the gateway is the collection's node B and lets the
// header blocks node C understands through to it, and forwards requests
// naming no WSDL operation (the collection's messages often have an empty
// Body); and WSATest.
func testServices(ts *backend) []gateway.ServiceConfig {
	health := cluster.HealthConfig{Path: "/health", Interval: healthInterval}
	one := func(path string) cluster.Config {
		return cluster.Config{Partitions: []cluster.PartitionConfig{{Name: "p0", Replicas: []string{ts.url + path}}}, Health: health}
	}
	return []gateway.ServiceConfig{
		{
			Name: "SOAP12Test", WSDL: ts.url + "/soap12?wsdl", Cluster: one("/soap12"),
			Unmatched: gateway.UnmatchedForward, UnderstoodHeaders: testservice.HeaderBlocks(),
		},
		{Name: "WSATest", WSDL: ts.url + "/wsa?wsdl", Cluster: one("/wsa")},
	}
}

func testServicesInfo(base string) []Service {
	svc := func(name, shape string) Service {
		ep := base + "/services/" + name
		return Service{Name: name, Endpoint: ep, WSDL: ep + "?wsdl", Shape: shape}
	}
	return []Service{
		svc("SOAP12Test", "the conformance kit's SOAP 1.2 node C, 1 backend"),
		svc("WSATest", "the conformance kit's WS-Addressing echo/notify, 1 backend"),
	}
}
