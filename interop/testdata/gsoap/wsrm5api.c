/*
 * wsrm5api.c compiles gSOAP's WS-RM plugin (plugin/wsrmapi.c of Debian's
 * gsoap package) for WS-RM February 2005 (import/wsrm5.h, which defines
 * SOAP_WSRM_2005), for the interop test's client (build.sh).
 *
 * In that mode gSOAP 2.8.124's plugin/wsrmapi.h declares the server-side
 * operation __wsrm__TerminateSequence with the request's type as its
 * response type, while plugin/wsrmapi.c defines it with the response's:
 * the compiler refuses the conflicting types. The client never serves
 * that operation, so the header's declaration is renamed out of the way
 * while it is read (the definition keeps its name), and the plugin is
 * compiled unchanged.
 */
#include "soapH.h"
#define __wsrm__TerminateSequence wsgw_misdeclared___wsrm__TerminateSequence
#include "wsrmapi.h"
#undef __wsrm__TerminateSequence
#include "wsrmapi.c"
