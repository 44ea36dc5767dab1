// Package interop holds interoperability tests: real SOAP toolkits driving
// the gateway as it runs in the demo. They need the toolkits installed
// (.ci/run installs them) and skip without them, unless CI is set.
//
// With python3-zeep: the StockQuote service over both ports
// (testdata/zeep_client.py), and the WS-Notification broker
// (testdata/wsn_client.py): zeep loads the broker's WSDL with every
// non-loopback connection refused, subscribes a Go consumer, notifies,
// renews and unsubscribes.
package interop
