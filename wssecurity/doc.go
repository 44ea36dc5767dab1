// Package wssecurity reads and checks the WS-Security header of SOAP
// requests: who the caller is (wsse:UsernameToken) and whether the message
// is fresh (wsu:Timestamp, wsu:Created, a nonce replay cache), against a
// set of users with hashed passwords. It signs and encrypts nothing and
// verifies no signature.
//
// # Specifications
//
//   - OASIS Web Services Security: SOAP Message Security 1.1 (WS-Security
//     2004), OASIS Standard, 1 February 2006: 5 (the wsse:Security header
//     block, one per recipient), 6.2 (UsernameToken), 10 (Security
//     Timestamps), 12 (Error Handling: the fault codes, which are in soap's
//     fault table).
//   - OASIS Web Services Security UsernameToken Profile 1.1, 1 February
//     2006: 3.1 (Username, Password of Type PasswordText or PasswordDigest,
//     Nonce, Created; Password_Digest = Base64(SHA-1(nonce + created +
//     password)), the nonce hashed as its decoded octets, created as its
//     text; a nonce cache bounded by a freshness period).
//   - WS-I Basic Security Profile 1.1: the receiver's checks R4201 (a
//     Password has a Type), R4212 (the digest formula), R4220/R4221 (a
//     Nonce has EncodingType Base64Binary), R4222, R4223, R4225 (at most
//     one Password, Created, Nonce), R3203, R3221, R3222, R3224, R3227 (a
//     Timestamp has one Created, then at most one Expires, nothing else;
//     one Timestamp per header), R3213/R3215 (seconds below 60), R3217/R3223
//     (times in UTC; a time with another zone offset is converted, choice,
//     see Freshness below).
//
// # Faults
//
// Every refusal is a *soap.Fault in the request's SOAP version, from
// soap's fault table (SOAP 1.1: the code is the faultcode; SOAP 1.2: the
// Subcode of env:Sender; HTTP 500 and 400):
//
//	wsse:InvalidSecurity           two Security headers for this node; a malformed Timestamp;
//	                               a required Timestamp or UsernameToken missing
//	wsse:InvalidSecurityToken      a malformed UsernameToken (no Username, two Passwords, no
//	                               Type, a Type other than Text or Digest, a bad Nonce or
//	                               Created); a PasswordDigest without Nonce and Created
//	wsse:UnsupportedSecurityToken  a password type the service does not accept
//	wsse:MessageExpired            a Created older than MaxAge or ahead by more than MaxSkew;
//	                               a Timestamp past its Expires (plus MaxSkew)
//	wsse:FailedAuthentication      unknown user, wrong password or digest, no password,
//	                               a replayed nonce (and, in the gateway, a caller the
//	                               service's rules do not allow)
//	wsgw:NonceCacheFull            the identity's (or everyone's) share of the replay cache is
//	                               used up; Receiver, 503 with Retry-After
//
// A failed authentication gives the spec's fault string only, the same for
// an unknown user and a wrong password, and takes as long: an unknown user,
// and a user with no password hash, are checked against a dummy argon2id
// hash with HashPassword's parameters. A user whose hash is bcrypt, or
// argon2id with other parameters, takes that hash's time (choice: one
// dummy; keep a users file to one kind of hash to make all times alike).
//
// # Choices
//
//   - Which header. The block with no role (or ultimateReceiver), or for
//     role next: clients write their Security header for the service, and
//     the gateway checks it on the service's behalf. Blocks for other roles
//     are left alone.
//   - Strict receiver. BSP 1.1's rules are enforced although the profile
//     lets Type and EncodingType default: WSS4J does the same by default,
//     and the toolkits tried (zeep, PHP, Spring-WS) send them.
//   - PasswordDigest needs Nonce and Created; without them the digest is a
//     static password equivalent anyone can replay.
//   - Freshness. A Created may be MaxAge old (5m) and MaxSkew (1m) ahead of
//     the gateway's clock; an Expires is honoured up to MaxSkew late. A
//     Created's zone is applied ("+00:00" as zeep writes it); one without a
//     zone is refused.
//   - The replay cache is keyed by identity and filled only with nonces of
//     tokens that authenticated, so a stranger cannot fill it for others;
//     each identity has its own bound besides the global one; a nonce is
//     kept until its token's Created is too old to pass (a token without
//     Created: MaxAge+MaxSkew from arrival). The cache lives in memory: a
//     restarted gateway accepts once more, until they are stale, the tokens
//     of the last MaxAge.
//   - A replayed nonce is wsse:FailedAuthentication (WSS4J says
//     InvalidSecurity): the token no longer authenticates its sender.
//   - Passwords. PasswordText is checked against an argon2id or bcrypt hash
//     (golang.org/x/crypto); a match is cached (an HMAC under a per-process
//     key, 5 minutes, 10000 entries) so that a client pays for the slow hash
//     once, not per request. PasswordDigest needs the server to hold the
//     secret itself: a user's DigestSecret (see User), compared in constant
//     time, as is every password and digest.
//   - Identity. A UsernameToken proves the user it names; a TLS client
//     certificate (verified by the TLS layer) proves the user whose Subjects
//     list its subject, else an identity named by the subject. Rule allows
//     by user, group or subject; the identity of a certificate no user
//     lists by subject only, so that a subject spelt like a user's name
//     is not that user.
package wssecurity
