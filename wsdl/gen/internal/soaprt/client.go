package soaprt

import (
	"net/http"
	"time"
)

// wsgwHTTPClient returns a copy of hc (nil: a client with gowsdl's default
// 90 s timeout) whose transport is a SOAPTransport for one port.
func wsgwHTTPClient(hc *http.Client, soap12 bool, actions map[string]string) *http.Client {
	c := &http.Client{Timeout: 90 * time.Second}
	if hc != nil {
		cp := *hc
		c = &cp
	}
	c.Transport = &SOAPTransport{Base: c.Transport, SOAP12: soap12, Actions: actions}
	return c
}
