// Package wsdl loads WSDL 1.1 descriptions, derives the gateway's dispatch
// table from them and prepares them for publication.
//
// Specifications and the sections used:
//
//   - WSDL 1.1 (W3C Note, 15 March 2001): 2.1.1 import; 2.2 types; 2.3
//     messages and parts; 2.4 port types, the four transmission primitives
//     (2.4.1-2.4.4) and the default input/output names (2.4.5); 2.5
//     bindings; 2.6-2.7 ports and services; 3 the SOAP 1.1 binding
//     (3.3 soap:binding, 3.4 soap:operation, 3.5 soap:body, 3.7 soap:header,
//     3.8 soap:address); 4 the HTTP binding (recognised, not dispatched).
//   - WSDL 1.1 Binding Extension for SOAP 1.2 (W3C Member Submission, 2006):
//     the soap12: elements, same shape as WSDL 1.1, 3.
//   - Web Services Addressing 1.0 - Metadata (W3C Recommendation, 2007):
//     3.1 the Addressing policy assertion, 4.4.1 explicit wsam:Action (and
//     the SOAPAction rule), 4.4.4 the default action pattern for WSDL 1.1;
//     wsaw:UsingAddressing and wsaw:Action of the 2006 WSDL Binding CR are
//     read too.
//   - WS-I Basic Profile 1.1: R2710 (operation signatures must differ: the
//     ambiguity report), R2717 (rpc soap:body namespace), R2204 (document
//     parts use element=), R2702 (SOAP over HTTP only), R2001/R2002
//     (what imports may import).
//   - XML Schema 1.0 Part 1, 4.2 (include, redefine, import) for the
//     schemas inside wsdl:types and the documents they reach.
//
// Loading. Load reads a file or an http(s) URL and, breadth first, every
// document reached through wsdl:import, xsd:import (with a schemaLocation,
// except built-in namespaces such as SOAP encoding) and xsd:include /
// xsd:redefine. Relative locations resolve against the importing
// document. Each location is loaded once, so cycles (mutual XSD imports,
// mutual WSDL imports) end, and bytes identical to a loaded document's
// (one document under two URLs, e.g. ?wsdl and ?wsdl=0) are that document; depth, document count and bytes are bounded;
// DOCTYPE is refused and no entity is expanded; an unbound namespace
// prefix is an error. A document read over HTTP never makes the loader
// read a local file. An import whose target cannot be read is an error
// (publication would hand clients a broken reference). All names of all
// loaded WSDL documents form one set of definitions: QName references
// resolve in the namespace scope of the element holding them and may
// cross documents.
//
// Dispatch. NewDispatch lists every operation of the SOAP/HTTP ports of a
// service, once per SOAP version, with its SOAPAction, wsa:Action, body
// QName, style, use and direction; Dispatch.Lookup documents the key
// rules, NewDispatch the ambiguity policy.
//
// Publication. Definitions.Publish rewrites the service's addresses and
// every import location so that a client fetching publicURL?wsdl sees the
// whole description through the gateway.
package wsdl
