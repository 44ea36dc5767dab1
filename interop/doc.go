// Package interop holds interoperability tests: real SOAP toolkits driving
// the gateway as it runs in the demo. They need the toolkits installed
// (.ci/run installs them) and skip without them, unless CI is set.
//
// With python3-zeep: the StockQuote service over both ports
// (testdata/zeep_client.py), and the WS-Notification broker
// (testdata/wsn_client.py): zeep loads the broker's WSDL with every
// non-loopback connection refused, subscribes a Go consumer, notifies,
// renews and unsubscribes.
//
// With python3-spyne: the conformance kit judging a server the project did
// not write. A small SOAP 1.1 service written with spyne
// (testdata/spyne_server.py, on a loopback port the system picks) is run
// through the kit's soap11 and wsdl suites, and the verdicts of the cases
// that used to pass falsely, of extension cases and of a suite without an
// endpoint are checked.
//
// WS-Security UsernameToken (wsse_test.go): a StockQuote behind a gateway
// that requires one, called with zeep's own zeep.wsse.username.UsernameToken
// (PasswordText, PasswordDigest, PasswordDigest with a wsu:Timestamp;
// testdata/zeep_wsse_client.py) and with PHP's SoapClient carrying a
// hand-built Security SoapHeader (php-cli, php-soap;
// testdata/php_wsse_client.php), over SOAP 1.1 and 1.2: accepted with the
// right password, wsse:FailedAuthentication with a wrong one,
// wsse:InvalidSecurity without a token.
//
// With gSOAP (gsoap, libgsoap-dev): a C client generated from the Orders
// WSDL and linked with gSOAP's WS-RM plugin sends a WS-RM 1.2 sequence of
// SubmitOrder messages through the gateway over SOAP 1.1 and 1.2, once with
// a message lost on the way (testdata/gsoap); the backend's order log must
// hold every order once, in order. The same client built for WS-RM
// February 2005 (gSOAP's import/wsrm5.h; testdata/gsoap/wsrm5api.c works
// around a mismatched declaration in gSOAP 2.8.124's plugin) sends 2005/02
// sequences with a lost message over SOAP 1.1 and 1.2, ended by the
// LastMessage action's empty message and TerminateSequence.
package interop
