package soap

// Version is a SOAP version. The zero Version means "not known" (for example
// a fault raised before the envelope namespace could be read); see
// Fault.VersionOr.
type Version uint8

const (
	V11 Version = 1
	V12 Version = 2
)

// Envelope namespaces (SOAP 1.1 note 4.1.2; SOAP 1.2 Part 1, 5.1).
const (
	NS11 = "http://schemas.xmlsoap.org/soap/envelope/"
	NS12 = "http://www.w3.org/2003/05/soap-envelope"
)

// Media types (SOAP 1.1 note 6.1; SOAP 1.2 Part 2, 7.1.4 and RFC 3902).
const (
	MediaType11 = "text/xml"
	MediaType12 = "application/soap+xml"
)

// Namespace returns the envelope namespace of v ("" for an unknown version).
func (v Version) Namespace() string {
	switch v {
	case V11:
		return NS11
	case V12:
		return NS12
	}
	return ""
}

// ContentType returns the media type (with charset=utf-8) used to send v.
// An unknown version is sent as SOAP 1.1.
func (v Version) ContentType() string {
	if v == V12 {
		return MediaType12 + "; charset=utf-8"
	}
	return MediaType11 + "; charset=utf-8"
}

// String returns "1.1" or "1.2" ("unknown" for any other value).
func (v Version) String() string {
	switch v {
	case V11:
		return "1.1"
	case V12:
		return "1.2"
	}
	return "unknown"
}

// VersionOf returns the SOAP version whose envelope namespace is ns, or 0.
func VersionOf(ns string) Version {
	switch ns {
	case NS11:
		return V11
	case NS12:
		return V12
	}
	return 0
}

// orDefault maps an unknown version to SOAP 1.1, the version a peer that
// sent something unreadable is most likely to understand.
func (v Version) orDefault() Version {
	if v == V12 {
		return V12
	}
	return V11
}
