// Package gateway is the wsgw router: the HTTP front (chi), the service
// registry built from Config and each service's WSDL, the staged request
// path, WSDL publication, and the health, readiness and metrics endpoints.
//
// # The request path
//
// A POST to /services/{name} (matched before the router) has its body
// read first, on its connection's goroutine, under Config.Clients (body.go:
// deadlines, a minimum body rate, a memory bound, connections per client
// address), into one buffer of the body's size. Then the gateway's read
// stage (queueing.Stage) checks the Content-Type (SOAP 1.1 text/xml +
// SOAPAction, SOAP 1.2 application/soap+xml; otherwise 415), indexes the
// envelope in place with the guarded reader (soap.ReadMessageBytes,
// bounded by Config.Limits), checks headers targeted at the gateway for
// mustUnderstand, reads WS-Addressing headers and finds the operation in
// the WSDL dispatch table by SOAPAction, wsa:Action and body element QName.
// The partition key is taken from the envelope by the service's XPath
// expression and the partition chosen by rendezvous hashing. The request
// then enters that partition's dispatch stage, whose concurrency limit is
// learned from the partition's round trips, each operation's (and its
// faults') against its own no-load round trip (queueing.Limiter;
// forward.go observeTry),
// where a replica is picked by power-of-two-choices (gateway/cluster) and
// the original request bytes are forwarded (never re-serialised, never
// copied) over package upstream's keep-alive connections; the reply is
// streamed back unchanged. A stage that cannot take a request refuses it
// at once with HTTP 503, Retry-After and a SOAP Receiver/Server fault with
// the wsgw:Busy subcode. Each request is logged at level info (the access
// log, accesslog.go) unless Config.AccessLogOff.
//
// # mustUnderstand
//
// For the services it forwards, the gateway is a SOAP intermediary and the
// backend the ultimate receiver (SOAP 1.2 Part 1, 2.7; SOAP 1.1, 4.2.2).
// Header blocks without a role (or for ultimateReceiver) are the
// backend's, and blocks for roles the gateway does not play pass through
// untouched, mustUnderstand or not. A block for role next (SOAP 1.1 actor
// next) is the gateway's: with mustUnderstand set it must be one the
// gateway understands, or the request gets a MustUnderstand fault; it
// understands the WS-Addressing 1.0 and 2004/08 headers and the names in
// ServiceConfig.UnderstoodHeaders, and lets those through to the backend.
// A next block it does not understand and that is not relayed (SOAP 1.2
// relay="true") is removed from what it forwards (2.7.2), by forwarding
// the request's bytes around the block, never re-serialising them.
//
// # Callers: WS-Security, client certificates, access rules
//
// A service with a security section (ServiceConfig.Security, security.go)
// has its callers checked after the operation is known and before the
// request is forwarded or taken by the reliable driver: the wsse:Security
// header targeted at the gateway (no role, or role next) is read and its
// UsernameToken and Timestamp verified by package wssecurity (WS-Security
// 1.1, UsernameToken Profile 1.1) against Config.Security's users; a TLS
// client certificate the listener verified (Config.TLS.ClientCAFiles) is
// an identity too. The operation's rule (or the service's) must allow one
// of the caller's identities; so must the rule of every operation one of
// the request's keys (wsa:Action, SOAPAction, body element) names on its
// own, should the keys disagree, since the backend may dispatch on any
// one of them; a reliable message passes the rule of the operation it
// carries, a CreateSequence (or another message the driver answers
// itself) the rule ReliableOperations gives it, else the service's. The
// consumed Security header is removed from what is forwarded, and from
// what the reliable driver stores (so that no password is kept at rest),
// unless ForwardSecurityHeader says to pass it on (choice: removed by
// default). A
// service without a security section leaves wsse:Security to the backend,
// as before. The broker's operations and
// topics obey Config.BrokerSecurity (broker_security.go), through the
// broker's wsnotify.Guard.
//
// Every request has one caller (callerOf, package caller): its first
// authenticated identity, else its client address (behind trusted
// proxies, from X-Forwarded-For). The reliable drivers and the broker
// bound what each caller creates (sequences and groups; subscriptions,
// pull points, registrations) and store the caller with it, so that no
// stranger can use up what others need, also after a restart.
//
// # TLS
//
// With Config.TLS the listener serves HTTPS; with ClientCAFiles it asks
// for client certificates (required, or optional for services to demand).
// ReloadTLS (SIGHUP in wsgw serve) swaps certificate, key and client CAs
// for new handshakes; open connections go on. Config.BackendTLS and
// EgressTLS give the CA bundle and client certificate for https backends
// and for consumers and callbacks (tls.go). The egress certificate goes
// to whatever https address a client names that the egress allow-list
// admits (with the system roots: any host with a public certificate), so
// it is refused when it is the backends' identity (choice): a stranger
// could otherwise have the gateway deliver, as itself, what the stranger
// wrote to an endpoint that trusts the gateway. The certificate itself
// tells such a host only who the gateway is; TLS's signatures bind it to
// that one handshake.
//
// # Failover and retries
//
// A try that fails is retried on another replica of the same partition only
// when the operation is marked idempotent (ServiceConfig.Operations), or
// when the request provably never reached the backend: the dial failed, or
// no request byte was written (httptrace WroteHeaders never fired). Tries
// are bounded by ServiceConfig.Retries, each by the operation's (or the
// service's) timeout, and all retries gateway-wide by a retry budget (at
// most 20% of requests over a 10s window, plus a small floor). A
// non-idempotent request whose outcome is unknown is never sent twice: the
// client gets a Receiver/Server fault with the wsgw:OutcomeUnknown subcode.
//
// # Faults the gateway raises
//
// Every refusal is a SOAP fault in the request's version (guessed from the
// Content-Type until the envelope is read), with the code and HTTP status
// of its subcode's row in soap's table:
//
//	wsgw:Busy                 Receiver  503 + Retry-After  stage queue full, queueing delay over target, over a
//	                                                       partition's adaptive limit, bodies being read at their memory
//	wsgw:UnsupportedMediaType Sender    415                not a SOAP media type, or the envelope's version differs
//	wsgw:MalformedMessage     Sender    400 (1.1: 500)     not well-formed, DOCTYPE, bad envelope
//	wsgw:LimitExceeded        Sender    400 (1.1: 500)     over Config.Limits (a declared Content-Length too);
//	                                    408                a body slower than Clients.MinBodyRate
//	MustUnderstand            -         500                a mandatory header block for the gateway not understood
//	VersionMismatch           -         500                a SOAP version the service's bindings do not take
//	wsa:ActionNotSupported    Sender    400 (1.1: 500)     wsa:Action present and no operation matches
//	wsgw:OperationNotFound    Sender    400 (1.1: 500)     no operation, or SOAPAction and body disagree
//	wsgw:PartitionKeyMissing  Sender    400 (1.1: 500)     no key, and KeyConfig.Missing is "reject"
//	wsse:InvalidSecurity      Sender    400 (1.1: 500)     a required Security header part missing, or malformed
//	wsse:InvalidSecurityToken Sender    400 (1.1: 500)     a malformed UsernameToken
//	wsse:UnsupportedSecurityToken Sender 400 (1.1: 500)    a password type the service does not accept
//	wsse:MessageExpired       Sender    400 (1.1: 500)     a stale or future Created, an expired Timestamp
//	wsse:FailedAuthentication Sender    400 (1.1: 500)     bad credentials, a replay, a missing client certificate, or a caller the rules refuse
//	wsgw:NonceCacheFull       Receiver  503 + Retry-After  the caller's share of the replay cache is used up
//	wsgw:NoRoute              Receiver  503 + Retry-After  no available replica in the partition
//	wsgw:BackendUnavailable   Receiver  500                every permitted try failed
//	wsgw:BackendTimeout       Receiver  500                the last permitted try timed out
//	wsgw:OutcomeUnknown       Receiver  500                a non-idempotent request failed after it was sent
//
// An unknown service gets a Sender fault with HTTP 404. A backend's reply,
// SOAP faults included, is relayed unchanged.
//
// # Endpoints
//
//	POST /services/{name}            SOAP 1.1 / 1.2 requests
//	GET  /services/{name}?wsdl       the WSDL, endpoint rewritten to the gateway
//	GET  /services/{name}?wsdl=N     imported WSDL documents
//	GET  /services/{name}?xsd=N      imported or included schemas
//	GET  /services/{name}            a short text description of the service
//	GET  /healthz                    200 while serving
//	GET  /readyz                     200 when every cluster has an available replica per partition
//	GET  /metrics                    Prometheus metrics
//
// # Lifecycle
//
// New builds the gateway and starts nothing. Run runs every background
// part (reliable drivers, the broker's deliveries and sweeps, health
// checks) until its context ends, and returns when they have all stopped;
// Serve is Run plus HTTP, and stops the parts only after the HTTP drain.
// Close releases queues, the broker and idle connections, after Run or
// Serve has returned. A gateway that is built and not run delivers
// nothing, not even what its queues held from an earlier run. A caller
// that serves Handler itself must run Run beside it: a reliable request
// waits for its driver.
package gateway
