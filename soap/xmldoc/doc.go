// Package xmldoc is the guarded XML reader: a single-pass scanner that reads
// untrusted XML from a stream into one retained byte buffer, enforcing size,
// depth, count and length limits while it reads, refusing DOCTYPE and
// processing instructions, never expanding entities beyond the five
// predefined ones and character references, and never fetching anything.
//
// The result is a Doc: the raw bytes (held once) and a compact index of the
// elements in them (offsets into the raw bytes, not copies). Element values
// are decoded lazily. A Doc can be queried with XPath 1.0 (antchfx/xpath)
// through Navigator.
//
// # Specifications
//
// Extensible Markup Language (XML) 1.0 (Fifth Edition), W3C Recommendation
// 26 November 2008, for the subset a SOAP message may use (SOAP 1.2 Part 1,
// 5: no DTD, no processing instructions):
//
//   - 2.1 and 2.8 document and prolog: one root element, only whitespace
//     and comments around it; the XML declaration (2.8) only at the very
//     start (after an optional UTF-8 byte order mark, 4.3.3), elsewhere it
//     is a syntax error; version 1.0 only; encoding absent or UTF-8 (or its
//     common alias UTF8), anything else is refused (4.3.3).
//   - 2.2 characters: the input must be valid UTF-8 of legal Char code
//     points.
//   - 2.3 names (ASCII fast path, the full NameStartChar/NameChar ranges
//     otherwise), 2.4 character data ("]]>" is not allowed), 2.5 comments
//     ("--" not allowed inside), 2.7 CDATA sections.
//   - 2.11 end-of-line handling and 3.3.3 attribute-value normalisation,
//     applied when values are decoded.
//   - 3 and 3.1: start/end tags match, attribute specifications are unique,
//     no '<' in attribute values.
//   - 4.1 character references (must name a legal Char) and entity
//     references: only the five predefined entities of 4.6. Any other
//     reference is undeclared (there is no DTD) and a syntax error.
//   - 2.8 document type declarations and 2.6 processing instructions are
//     refused with *ForbiddenError, before any of their content is used.
//
// Namespaces in XML 1.0 (Third Edition), W3C Recommendation 8 December
// 2009: 3 (declaring namespaces, the reserved xml and xmlns prefixes and
// names), 4 (QName syntax: at most one colon), 5 (scoping, defaulting and
// undeclaring the default namespace; undeclaring a prefix is an error in
// 1.0), 6.3 (attribute uniqueness by expanded name), and 7 (every prefix
// used must be declared).
//
// # Memory
//
// Parse keeps one growing byte buffer; the index refers to it by offset.
// Names, namespace URIs and values that need no decoding are returned as
// strings that share the buffer's memory, so the bytes given to ParseBytes
// and the slice returned by Raw must never be modified.
//
// # XPath
//
// Navigator implements xpath.NodeNavigator with root, element, attribute and
// text nodes (the XPath 1.0 data model, 5; comments are not exposed). A text
// node is all character data between two neighbouring tags, CDATA sections
// included and comments left out. Namespace declarations are not attribute
// nodes. Name tests with prefixes match by namespace URI when the
// expression is compiled with xpath.CompileWithNS and the prefix is in its
// map; otherwise antchfx/xpath compares prefixes as written. So an
// unprefixed name test matches elements written without a prefix, whatever
// their default namespace (antchfx/xpath's behaviour, not XPath 1.0's).
//
// An *xpath.Expr holds iteration state, so antchfx/xpath does not let two
// goroutines evaluate one at once; Element.EvalString serialises such
// evaluations, and XPath (CompileXPath) evaluates in parallel.
package xmldoc
