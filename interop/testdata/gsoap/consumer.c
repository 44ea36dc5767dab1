/*
 * consumer.c: a WS-ReliableMessaging 1.2 destination written with gSOAP's
 * wsrm plugin (plugin/wsrmapi.c of Debian's gsoap package): a
 * WS-Notification consumer of one-way wsnt:Notify, for the interop test of
 * durable WS-RM subscriptions (interop/gsoap_test.go). build_consumer.sh
 * builds it.
 *
 * Usage: consumer PORT
 *
 * Serves on 127.0.0.1:PORT and prints "listening PORT", then one line per
 * new sequence message: "notify SEQUENCE NUMBER PAYLOAD". The plugin
 * answers CreateSequence, CloseSequence and TerminateSequence itself,
 * acknowledges on the HTTP response (AcksTo anonymous: soap_wsrm_reply
 * carries the SequenceAcknowledgement header) and rejects a duplicate
 * (soap_wsrm_check returns SOAP_STOP): a duplicate is never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soapH.h"
#include "wsaapi.h"
#include "wsrmapi.h"
#include "Consumer.nsmap"

int main(int argc, char **argv)
{
	struct soap *soap = soap_new();
	soap_register_plugin(soap, soap_wsa);
	soap_register_plugin(soap, soap_wsrm);
	soap->bind_flags = SO_REUSEADDR;
	if (!soap_valid_socket(soap_bind(soap, "127.0.0.1", atoi(argv[1]), 100))) {
		soap_print_fault(soap, stderr);
		return 1;
	}
	printf("listening %s\n", argv[1]);
	fflush(stdout);
	for (;;) {
		if (!soap_valid_socket(soap_accept(soap)))
			continue;
		if (soap_serve(soap))
			soap_print_fault(soap, stderr);
		soap_destroy(soap);
		soap_end(soap);
	}
}

int wsnt__Notify(struct soap *soap, char *any, struct wsnt__NotifyAck *ack)
{
	const char *id = "";
	ULONG64 num = 0;
	if (soap->header && soap->header->wsrm__Sequence) {
		id = soap->header->wsrm__Sequence->Identifier;
		num = soap->header->wsrm__Sequence->MessageNumber;
	}
	if (soap_wsrm_check(soap))
		return soap->error;
	printf("notify %s %llu %s\n", id, (unsigned long long)num, any ? any : "");
	fflush(stdout);
	return soap_wsrm_reply(soap, NULL, "urn:wsgw:interop:consumer/NotifyAck");
}

/* SOAP_ENV__Fault takes a fault sent to the consumer as a one-way
 * message (the wsrm plugin's dispatch needs it): nothing to do. */
int SOAP_ENV__Fault(struct soap *soap, char *faultcode, char *faultstring, char *faultactor,
	struct SOAP_ENV__Detail *detail, struct SOAP_ENV__Code *code, struct SOAP_ENV__Reason *reason,
	char *node, char *role, struct SOAP_ENV__Detail *detail12)
{
	return soap_send_empty_response(soap, SOAP_OK);
}
