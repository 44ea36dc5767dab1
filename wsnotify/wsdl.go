package wsnotify

import (
	"net/http"
	"strings"
)

// brokerFaults lists the wsdl:fault names of each NotificationBroker
// operation (brw-2.wsdl portType NotificationBroker).
var brokerFaults = []struct {
	op, input, output string
	faults            []string
}{
	{"Notify", "Notify", "", nil},
	{"Subscribe", "SubscribeRequest", "SubscribeResponse", []string{"ResourceUnknownFault", "InvalidFilterFault",
		"TopicExpressionDialectUnknownFault", "InvalidTopicExpressionFault", "TopicNotSupportedFault",
		"InvalidProducerPropertiesExpressionFault", "InvalidMessageContentExpressionFault",
		"UnacceptableInitialTerminationTimeFault", "UnrecognizedPolicyRequestFault", "UnsupportedPolicyRequestFault",
		"NotifyMessageNotSupportedFault", "SubscribeCreationFailedFault"}},
	{"GetCurrentMessage", "GetCurrentMessageRequest", "GetCurrentMessageResponse", []string{"ResourceUnknownFault",
		"TopicExpressionDialectUnknownFault", "InvalidTopicExpressionFault", "TopicNotSupportedFault",
		"NoCurrentMessageOnTopicFault", "MultipleTopicsSpecifiedFault"}},
	{"RegisterPublisher", "RegisterPublisherRequest", "RegisterPublisherResponse", []string{"ResourceUnknownFault",
		"InvalidTopicExpressionFault", "TopicNotSupportedFault", "PublisherRegistrationRejectedFault",
		"PublisherRegistrationFailedFault", "UnacceptableInitialTerminationTimeFault"}},
}

// serveWSDL publishes the broker's WSDL: a SOAP 1.1 document/literal binding
// of the NotificationBroker portType of brw-2.wsdl (imported from its OASIS
// location) and a service whose soap:address is this broker's public URL.
func (b *Broker) serveWSDL(w http.ResponseWriter, _ *http.Request) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="WsgwNotificationBroker" targetNamespace="urn:wsgw:wsn"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:wsn-brw="` + NSBRW + `" xmlns:tns="urn:wsgw:wsn">
  <wsdl:import namespace="` + NSBRW + `" location="http://docs.oasis-open.org/wsn/brw-2.wsdl"/>
  <wsdl:binding name="NotificationBrokerBinding" type="wsn-brw:NotificationBroker">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
`)
	for _, op := range brokerFaults {
		ns := NSBW + "/NotificationProducer/"
		switch op.op {
		case "Notify":
			ns = NSBW + "/NotificationConsumer/"
		case "RegisterPublisher":
			ns = NSBRW + "/RegisterPublisher/"
		}
		sb.WriteString(`    <wsdl:operation name="` + op.op + `">
      <soap:operation soapAction="` + ns + op.input + `"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
`)
		if op.output != "" {
			sb.WriteString("      <wsdl:output><soap:body use=\"literal\"/></wsdl:output>\n")
		}
		for _, f := range op.faults {
			sb.WriteString(`      <wsdl:fault name="` + f + `"><soap:fault name="` + f + `" use="literal"/></wsdl:fault>` + "\n")
		}
		sb.WriteString("    </wsdl:operation>\n")
	}
	sb.WriteString(`  </wsdl:binding>
  <wsdl:service name="NotificationBroker">
    <wsdl:port name="NotificationBrokerPort" binding="tns:NotificationBrokerBinding">
      <soap:address location="` + esc(b.url(pathBroker)) + `"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write([]byte(sb.String())) //nolint:errcheck // client gone
}
