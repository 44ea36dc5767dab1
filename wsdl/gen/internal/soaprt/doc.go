// Package soaprt is the source of the transport that wsgw gen writes into
// every generated client package (as transport.go, with the package clause
// changed). It lives here as a real package so that it is compiled, vetted
// and tested like any other code; nothing imports it.
//
// Its files must therefore import only the standard library and
// github.com/hooklift/gowsdl/soap, and declare only names unlikely to
// collide with what gowsdl generates: the exported SOAPTransport and
// SOAPFaultOf, and unexported names starting with "wsgw" (gen refuses a
// package where one collides). Every file but this one and the tests is
// embedded.
package soaprt
