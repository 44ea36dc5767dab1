// Package soaprt is the source of the transport that wsgw gen writes into
// every generated client package (as transport.go, with the package clause
// changed). It lives here as a real package so that it is compiled, vetted
// and tested like any other code; nothing imports it.
//
// The file transport.go must therefore import only the standard library
// and use only identifiers that cannot collide with what gowsdl generates:
// the exported SOAPTransport and unexported names starting with "wsgw".
package soaprt
