/*
 * client.c: a WS-ReliableMessaging source written with gSOAP's wsrm
 * plugin (plugin/wsrmapi.c of Debian's gsoap package), for the interop
 * test (interop/gsoap_test.go). build.sh generates the stubs from the
 * Orders WSDL and links this file with the plugin sources, for WS-RM 1.2
 * (import/wsrm.h) or WS-RM February 2005 (import/wsrm5.h, which defines
 * SOAP_WSRM_2005).
 *
 * Usage: client ENDPOINT CUSTOMER N 1.1|1.2
 *
 * Creates a sequence, sends SubmitOrder N times (OrderId CUSTOMER-1 ..
 * CUSTOMER-N), each with AckRequested, reads the acknowledgement the
 * destination returns on the HTTP response, resends what stays
 * unacknowledged, ends the sequence (1.2: CloseSequence; February 2005:
 * the empty-bodied message N+1 of the LastMessage action) and terminates
 * it. It prints one line per step ("created ok", "sent I unacked K",
 * "resend K" when K stay unacknowledged, "closed unacked K" or
 * "lastmessage unacked K", "terminated") and exits 0 only when every
 * message was acknowledged.
 * The last argument is the SOAP version of every message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soapH.h"
#include "wsaapi.h"
#include "wsrmapi.h"
#include "OrdersSoap11Binding.nsmap"

#define SUBMIT_ACTION "urn:wsgw:examples:orders/SubmitOrder"

/*
 * unacked is the number of messages of seq the plugin still keeps for
 * resending: it frees a message when an acknowledgement covers it
 * (soap_wsrm_process_ack). soap_wsrm_nack counts only messages the
 * destination nacked explicitly, so it cannot tell this.
 */
static unsigned long unacked(soap_wsrm_sequence_handle seq)
{
	unsigned long n = 0;
	struct soap_wsrm_message *p;

	for (p = seq->messages; p; p = p->next)
		n++;
	return n;
}

/* fail prints the gSOAP fault or error and ends the client. */
static int fail(struct soap *soap, const char *step)
{
	fprintf(stdout, "error %s: %d\n", step, soap->error);
	soap_print_fault(soap, stderr);
	return 1;
}

/*
 * recv_ack reads the response to a one-way message sent with the
 * generated soap_send_ stub: HTTP 202 with no body, or an envelope whose
 * header carries wsrm:SequenceAcknowledgement. Parsing the header runs
 * the plugin's fpreparefinalrecv hook, which records the acknowledgement
 * (soap_wsrm_process_ack); soap_recv_empty_response would not parse a
 * 200 response's header.
 */
static int recv_ack(struct soap *soap)
{
	if (soap_begin_recv(soap)) {
		if (soap->error == SOAP_NO_DATA || soap->error == 202)
			soap->error = SOAP_OK;
		return soap_closesock(soap);
	}
	if (soap_envelope_begin_in(soap)
	 || soap_recv_header(soap)
	 || soap_body_begin_in(soap)) {
		return soap_closesock(soap);
	}
	if (soap_recv_fault(soap, 1))
		return soap->error;
	if (soap_body_end_in(soap)
	 || soap_envelope_end_in(soap)
	 || soap_end_recv(soap))
		return soap_closesock(soap);
	return soap_closesock(soap);
}

#ifdef SOAP_WSRM_2005
/*
 * lastmessage ends a WS-RM February 2005 sequence as soap_wsrm_close does
 * in that mode (a message of the LastMessage action with an empty Body, a
 * Sequence header with LastMessage, and AckRequested), but reads the
 * acknowledgement the destination returns (recv_ack): soap_wsrm_close
 * reads the answer with soap_recv_empty_response, which does not parse a
 * 200 response's header, so the plugin would keep the message as
 * unacknowledged.
 */
static int lastmessage(struct soap *soap, soap_wsrm_sequence_handle seq)
{
	struct _wsrm__UsesSequenceSSL *last;

	if (soap_wsrm_request_acks(soap, seq, soap_wsa_rand_uuid(soap), SOAP_NAMESPACE_OF_wsrm "/LastMessage"))
		return soap->error;
	last = (struct _wsrm__UsesSequenceSSL *)soap_malloc(soap, sizeof *last);
	if (!last)
		return soap->error = SOAP_EOM;
	soap_default__wsrm__UsesSequenceSSL(soap, last);
	soap->header->wsrm__Sequence->LastMessage = last;
	if (soap_send___wsrm__LastMessage(soap, soap_wsrm_to(seq), soap->header->wsa5__Action)
	 || recv_ack(soap))
		return soap->error;
	return SOAP_OK;
}
#endif

int main(int argc, char **argv)
{
	struct soap *soap;
	soap_wsrm_sequence_handle seq;
	int i, n;
	char orderid[128];

	if (argc != 5 || (strcmp(argv[4], "1.1") && strcmp(argv[4], "1.2"))) {
		fprintf(stderr, "usage: %s ENDPOINT CUSTOMER N 1.1|1.2\n", argv[0]);
		return 2;
	}
	n = atoi(argv[3]);
	/*
	 * soapcpp2 made SOAP 1.2 the default (the WSDL has a SOAP 1.2 port),
	 * and soap_set_version does not last: each soap_begin restores the
	 * namespace table. For SOAP 1.1, swap the table's first two entries
	 * (the namespace sent; the pattern accepted stays the other version).
	 */
	if (!strcmp(argv[4], "1.1")) {
		namespaces[0].in = namespaces[0].ns;
		namespaces[0].ns = "http://schemas.xmlsoap.org/soap/envelope/";
		namespaces[1].in = namespaces[1].ns;
		namespaces[1].ns = "http://schemas.xmlsoap.org/soap/encoding/";
	}
	soap = soap_new1(SOAP_XML_STRICT);
	soap->send_timeout = soap->recv_timeout = 10;
	soap->connect_timeout = 10;
	if (soap_register_plugin(soap, soap_wsa) || soap_register_plugin(soap, soap_wsrm))
		return fail(soap, "registering plugins");

	/* CreateSequence; AcksTo anonymous: acks come back on the response. */
	if (soap_wsrm_create(soap, argv[1], NULL, 60000, NULL, &seq))
		return fail(soap, "CreateSequence");
	printf("created %s\n", soap_wsrm_seq_created(soap, seq) ? "ok" : "no");

	for (i = 1; i <= n; i++) {
		struct _ns1__SubmitOrder req;
		soap_default__ns1__SubmitOrder(soap, &req);
		snprintf(orderid, sizeof orderid, "%s-%d", argv[2], i);
		req.Customer = argv[2];
		req.OrderId = orderid;
		req.Item = "widget";
		req.Quantity = "1";
		if (soap_wsrm_request_acks(soap, seq, soap_wsa_rand_uuid(soap), SUBMIT_ACTION))
			return fail(soap, "soap_wsrm_request_acks");
		if (soap_send___ns1__SubmitOrder(soap, soap_wsrm_to(seq), SUBMIT_ACTION, &req)
		 || recv_ack(soap))
			return fail(soap, "SubmitOrder");
		printf("sent %d unacked %lu\n", i, unacked(seq));
		soap_destroy(soap);
		soap_end(soap);
	}

	/* Resend what is unacknowledged (nothing, on a good day). */
	if (unacked(seq)) {
		printf("resend %lu\n", unacked(seq));
		if (soap_wsrm_resend(soap, seq, 0, 0))
			return fail(soap, "resend");
	}
#ifdef SOAP_WSRM_2005
	if (lastmessage(soap, seq))
		return fail(soap, "LastMessage");
	printf("lastmessage unacked %lu\n", unacked(seq));
	soap_destroy(soap);
	soap_end(soap);
#else
	if (soap_wsrm_close(soap, seq, NULL))
		return fail(soap, "CloseSequence");
	printf("closed unacked %lu\n", unacked(seq));
#endif
	if (unacked(seq)) {
		printf("error: %lu messages unacknowledged\n", unacked(seq));
		return 1;
	}
	if (soap_wsrm_terminate(soap, seq, NULL))
		return fail(soap, "TerminateSequence");
	printf("terminated\n");
	soap_wsrm_seq_free(soap, seq);
	soap_destroy(soap);
	soap_end(soap);
	soap_free(soap);
	return 0;
}
