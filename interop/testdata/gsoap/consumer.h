// consumer.h: the gSOAP service definitions of consumer.c, a WS-Notification
// consumer of one-way wsnt:Notify (its content kept as literal XML) that is a
// WS-RM 1.2 destination: the WS-Addressing and WS-RM headers are bound to
// Notify as plugin/wsrmapi.c documents.
#import "wsrm.h"
//gsoap wsnt schema namespace: http://docs.oasis-open.org/wsn/b-2
//gsoap wsnt schema form: qualified
//gsoap wsnt service name: Consumer
//gsoap wsnt service style: document
//gsoap wsnt service encoding: literal
//gsoap wsnt service method-action: Notify http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify
//gsoap wsnt service method-header-part: Notify wsa5__MessageID
//gsoap wsnt service method-header-part: Notify wsa5__RelatesTo
//gsoap wsnt service method-header-part: Notify wsa5__From
//gsoap wsnt service method-header-part: Notify wsa5__ReplyTo
//gsoap wsnt service method-header-part: Notify wsa5__FaultTo
//gsoap wsnt service method-header-part: Notify wsa5__To
//gsoap wsnt service method-header-part: Notify wsa5__Action
//gsoap wsnt service method-header-part: Notify wsrm__Sequence
//gsoap wsnt service method-header-part: Notify wsrm__AckRequested
//gsoap wsnt service method-header-part: Notify wsrm__SequenceAcknowledgement
// (choice) Notify is one-way in WS-BaseNotification (3.2); it is declared
// here with an empty response so that the plugin acknowledges on the HTTP
// response (AcksTo anonymous): a one-way operation answers 202 with no
// envelope to carry the acknowledgement.
struct wsnt__NotifyAck { char dummy; };
int wsnt__Notify(_XML __any, struct wsnt__NotifyAck *ack);
