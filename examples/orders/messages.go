package orders

import "fmt"

// Namespaces of the reliable messaging examples.
const (
	nsSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	nsWSA    = "http://www.w3.org/2005/08/addressing"
	nsRM     = "http://docs.oasis-open.org/ws-rx/wsrm/200702"
)

// CreateSequence11 is a SOAP 1.1 WS-RM 1.2 CreateSequence with an
// anonymous AcksTo: acknowledgements come back on each reply.
func CreateSequence11() string {
	return `<soap:Envelope xmlns:soap="` + nsSOAP11 + `" xmlns:wsa="` + nsWSA + `" xmlns:wsrm="` + nsRM + `">` +
		`<soap:Header><wsa:Action>` + nsRM + `/CreateSequence</wsa:Action></soap:Header>` +
		`<soap:Body><wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>` + nsWSA + `/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence></soap:Body></soap:Envelope>`
}

// SubmitOrder11 is a SOAP 1.1 SubmitOrder for customer and orderID; with a
// sequence Identifier it is message number n of that WS-RM sequence, with
// AckRequested.
func SubmitOrder11(seq string, n int, customer, orderID string) string {
	hdr := ""
	if seq != "" {
		hdr = fmt.Sprintf(`<soap:Header><wsa:Action>%s/SubmitOrder</wsa:Action>`+
			`<wsrm:Sequence soap:mustUnderstand="1"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`+
			`<wsrm:AckRequested><wsrm:Identifier>%[2]s</wsrm:Identifier></wsrm:AckRequested></soap:Header>`, Namespace, seq, n)
	}
	return `<soap:Envelope xmlns:soap="` + nsSOAP11 + `" xmlns:wsa="` + nsWSA + `" xmlns:wsrm="` + nsRM + `" xmlns:o="` + Namespace + `">` + hdr +
		`<soap:Body><o:SubmitOrder><o:Customer>` + customer + `</o:Customer><o:OrderId>` + orderID +
		`</o:OrderId><o:Item>widget</o:Item><o:Quantity>1</o:Quantity></o:SubmitOrder></soap:Body></soap:Envelope>`
}

// GetOrderLog11 is a SOAP 1.1 GetOrderLog for customer.
func GetOrderLog11(customer string) string {
	return `<soap:Envelope xmlns:soap="` + nsSOAP11 + `" xmlns:o="` + Namespace + `"><soap:Body><o:GetOrderLog><o:Customer>` +
		customer + `</o:Customer></o:GetOrderLog></soap:Body></soap:Envelope>`
}
