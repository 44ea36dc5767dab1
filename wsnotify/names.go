package wsnotify

import "encoding/xml"

// Namespaces of WS-Notification 1.3 and the WSRF specifications it uses.
const (
	NSB    = "http://docs.oasis-open.org/wsn/b-2"   // WS-BaseNotification (b-2.xsd)
	NSBR   = "http://docs.oasis-open.org/wsn/br-2"  // WS-BrokeredNotification (br-2.xsd)
	NSBW   = "http://docs.oasis-open.org/wsn/bw-2"  // bw-2.wsdl
	NSBRW  = "http://docs.oasis-open.org/wsn/brw-2" // brw-2.wsdl
	NSTop  = "http://docs.oasis-open.org/wsn/t-1"   // WS-Topics (t-1.xsd)
	NSBF   = "http://docs.oasis-open.org/wsrf/bf-2" // WSRF BaseFaults
	NSR    = "http://docs.oasis-open.org/wsrf/r-2"  // WSRF Resource (ResourceUnknownFault)
	NSXSI  = "http://www.w3.org/2001/XMLSchema-instance"
	XPath1 = "http://www.w3.org/TR/1999/REC-xpath-19991116" // MessageContent / ProducerProperties dialect
)

func bn(local string) xml.Name  { return xml.Name{Space: NSB, Local: local} }
func brn(local string) xml.Name { return xml.Name{Space: NSBR, Local: local} }

// Body element names the broker dispatches on.
var (
	qNotify              = bn("Notify")
	qSubscribe           = bn("Subscribe")
	qGetCurrentMessage   = bn("GetCurrentMessage")
	qRenew               = bn("Renew")
	qUnsubscribe         = bn("Unsubscribe")
	qPauseSubscription   = bn("PauseSubscription")
	qResumeSubscription  = bn("ResumeSubscription")
	qCreatePullPoint     = bn("CreatePullPoint")
	qGetMessages         = bn("GetMessages")
	qDestroyPullPoint    = bn("DestroyPullPoint")
	qRegisterPublisher   = brn("RegisterPublisher")
	qDestroyRegistration = brn("DestroyRegistration")
)

// Response actions: the WS-Addressing default action pattern applied to
// bw-2.wsdl and brw-2.wsdl (WS-BaseNotification 1.3, 4 and 5; WS-Addressing
// 1.0 Metadata 4.4.4). Requests are dispatched on the body element, so any
// request action (the explicit "...Request" form, the bare operation name,
// or none) is accepted.
const (
	actNotify              = NSBW + "/NotificationConsumer/Notify"
	actSubscribeResp       = NSBW + "/NotificationProducer/SubscribeResponse"
	actSubscribeReq        = NSBW + "/NotificationProducer/SubscribeRequest"
	actGetCurrentResp      = NSBW + "/NotificationProducer/GetCurrentMessageResponse"
	actRenewResp           = NSBW + "/SubscriptionManager/RenewResponse"
	actRenewReq            = NSBW + "/SubscriptionManager/RenewRequest"
	actUnsubscribeResp     = NSBW + "/SubscriptionManager/UnsubscribeResponse"
	actUnsubscribeReq      = NSBW + "/SubscriptionManager/UnsubscribeRequest"
	actPauseResp           = NSBW + "/PausableSubscriptionManager/PauseSubscriptionResponse"
	actPauseReq            = NSBW + "/PausableSubscriptionManager/PauseSubscriptionRequest"
	actResumeResp          = NSBW + "/PausableSubscriptionManager/ResumeSubscriptionResponse"
	actResumeReq           = NSBW + "/PausableSubscriptionManager/ResumeSubscriptionRequest"
	actCreatePullPointResp = NSBW + "/CreatePullPoint/CreatePullPointResponse"
	actGetMessagesResp     = NSBW + "/PullPoint/GetMessagesResponse"
	actDestroyPPResp       = NSBW + "/PullPoint/DestroyPullPointResponse"
	actRegisterResp        = NSBRW + "/RegisterPublisher/RegisterPublisherResponse"
	actDestroyRegResp      = NSBRW + "/PublisherRegistrationManager/DestroyRegistrationResponse"
	actFault               = "http://docs.oasis-open.org/wsn/fault"
)

// Paths under the handler (the gateway mounts it at /wsn/).
const (
	pathBroker          = "/wsn/NotificationBroker"
	pathSubscriptions   = "/wsn/subscriptions/"
	pathCreatePullPoint = "/wsn/CreatePullPoint"
	pathPullPoints      = "/wsn/pullpoints/"
	pathRegistrations   = "/wsn/registrations/"
)
