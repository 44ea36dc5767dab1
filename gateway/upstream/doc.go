// Package upstream is the gateway's HTTP/1.1 client for forwarding
// requests to backends (RFC 9112): keep-alive connections per backend,
// each request written and its reply read on the caller's goroutine.
//
// Why not net/http's Transport: profiles of the request path (gateway
// BenchmarkProxyPath, `wsgw bench proxy`) showed the Transport's two
// goroutines per connection (readLoop, writeLoop) and their channel
// hand-offs per request, its per-request allocations (header copies for
// redirects, cancellation timers, a request clone) and the client
// trace the gateway needed to learn whether a request left, costing about
// as much CPU as the gateway's own work (envelope read, dispatch). A
// reverse proxy that forwards one request per connection at a time, never
// follows a redirect, never decompresses and speaks HTTP/1.1 only needs
// none of that. (choice) The health checks and the reliable driver's
// deliveries keep net/http: they are not on the request path.
//
// What it does:
//
//   - A connection is taken from the backend's idle stack (newest first)
//     after a non-blocking peek proves the peer has not closed it (an
//     idle connection has nothing to read; RFC 9112, 9.3.1 lets a server
//     close an idle connection at any time), or dialled (TLS for https).
//     For TLS the peek also reads, with a past deadline, what the TLS
//     layer holds: bytes after a reply's end or a close_notify can sit
//     there, unseen by the socket.
//   - The request head (request line, Host, Content-Length, the given
//     fields) and the body slices go out through one buffered writer: one
//     write for a small request.
//   - The reply is read with net/http's ReadResponse (1xx interim replies
//     skipped; RFC 9110, 15.2), its heads, interim ones included, within
//     Options.MaxHeaderBytes (net/http's MaxResponseHeaderBytes); a 101
//     is an error, as the request asked for no upgrade (RFC 9110,
//     15.2.2), and its connection is closed. Its body
//     returns the connection to the idle stack once read to its end,
//     unless the reply or its version asks for the connection to be
//     closed; a body closed early closes it.
//   - A backend that answers before it has read the whole request (a 413,
//     say) and closes is heard: after a write that failed, the reply is
//     still read (RFC 9112, 9.5), and the connection then closed.
//   - The context's end (deadline or cancellation) sets a past deadline on
//     the connection, which breaks off any read or write in progress, the
//     reply body's included; the error then wraps the context's.
//     Request.Deadline is set on the connection as it is taken (and
//     replaces the last exchange's): the same without a timer and a
//     context per request; the error then wraps context.DeadlineExceeded.
//   - Response.Sent says whether any byte of the request was written: a
//     request that never left may go to another replica whatever its
//     operation. A request marked Replayable that finds a reused
//     connection dead before any reply byte is sent once more on a new
//     connection (as net/http does for replayable requests).
package upstream
