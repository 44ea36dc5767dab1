package soap

import (
	"encoding/xml"
	"strings"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// HeaderBlock is one header entry with its SOAP processing attributes.
type HeaderBlock struct {
	Element        xmldoc.Element
	Name           xml.Name
	MustUnderstand bool
	// Role is the SOAP 1.2 role or SOAP 1.1 actor URI; "" means the ultimate
	// receiver (an absent attribute, an empty one, or SOAP 1.2's
	// RoleUltimateReceiver, which ReadMessage normalises to "").
	Role  string
	Relay bool // SOAP 1.2 relay attribute
}

// Role URIs (SOAP 1.2 Part 1, 2.2; SOAP 1.1 note 4.2.2).
const (
	RoleNext             = "http://www.w3.org/2003/05/soap-envelope/role/next"
	RoleNone             = "http://www.w3.org/2003/05/soap-envelope/role/none"
	RoleUltimateReceiver = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"
	ActorNext            = "http://schemas.xmlsoap.org/soap/actor/next"
)

// readHeaders reads the header blocks of h and checks their SOAP
// attributes (SOAP 1.1 note 4.2; SOAP 1.2 Part 1, 5.2).
func readHeaders(v Version, h xmldoc.Element) ([]HeaderBlock, *Fault) {
	var hs []HeaderBlock
	ns := v.Namespace()
	for e := h.FirstChild(); e.Valid(); e = e.NextSibling() {
		b := HeaderBlock{Element: e, Name: e.Name()}
		if b.Name.Space == "" {
			return nil, malformed(v, "header block "+b.Name.Local+" must be namespace-qualified")
		}
		var ok bool
		if s, has := e.Attr(ns, "mustUnderstand"); has {
			if b.MustUnderstand, ok = parseBool(v, s); !ok {
				return nil, malformed(v, "header block "+qstr(b.Name)+": mustUnderstand value \""+s+"\" is not "+boolValues(v))
			}
		}
		if v == V12 {
			b.Role, _ = e.Attr(ns, "role")
			if s, has := e.Attr(ns, "relay"); has {
				if b.Relay, ok = parseBool(v, s); !ok {
					return nil, malformed(v, "header block "+qstr(b.Name)+": relay value \""+s+"\" is not "+boolValues(v))
				}
			}
		} else {
			b.Role, _ = e.Attr(ns, "actor")
		}
		b.Role = strings.Trim(b.Role, " \t\r\n")
		if b.Role == RoleUltimateReceiver {
			b.Role = ""
		}
		hs = append(hs, b)
	}
	return hs, nil
}

// parseBool parses a SOAP boolean attribute: SOAP 1.1 "0" or "1" (note
// 4.2.3); SOAP 1.2 xs:boolean "true", "false", "1", "0" (Part 1, 5.2.3),
// surrounding whitespace collapsed.
func parseBool(v Version, s string) (value, ok bool) {
	switch strings.Trim(s, " \t\r\n") {
	case "1":
		return true, true
	case "0":
		return false, true
	case "true":
		return true, v == V12
	case "false":
		return false, v == V12
	}
	return false, false
}

func boolValues(v Version) string {
	if v == V12 {
		return `"true", "false", "1" or "0"`
	}
	return `"0" or "1"`
}

// Targeted reports whether h is addressed to a node that plays the given
// roles, by SOAP 1.2 Part 1, 2.2-2.3 (SOAP 1.1 note 4.2.2 for actor):
//
//   - role none: never targeted;
//   - role next (SOAP 1.2 RoleNext or SOAP 1.1 ActorNext): always targeted,
//     every node plays it;
//   - no role (or ultimateReceiver): targeted when ultimate is true, i.e.
//     when this node is the ultimate receiver of the message;
//   - any other URI: targeted when it is one of roles (exact string match).
func (h HeaderBlock) Targeted(ultimate bool, roles ...string) bool {
	switch h.Role {
	case RoleNone:
		return false
	case RoleNext, ActorNext:
		return true
	case "", RoleUltimateReceiver:
		return ultimate
	}
	for _, r := range roles {
		if r == h.Role {
			return true
		}
	}
	return false
}

// CheckMustUnderstand returns a MustUnderstand fault (SOAP 1.2 with one
// NotUnderstood entry per header) naming every header block of m that is
// targeted at this node (see Targeted), has mustUnderstand true, and whose
// name understood rejects; nil when there is none (SOAP 1.2 Part 1, 2.4 and
// 5.4.8; SOAP 1.1 note 4.2.3).
//
// ultimate says whether this node is the ultimate receiver: true for an
// endpoint the gateway implements itself (the broker, reliable messaging);
// false for a message it forwards to a backend, which is the ultimate
// receiver and checks its own headers. understood must accept exactly the
// header blocks this node processes itself. Headers for other roles are not
// checked and pass through untouched.
func (m *Message) CheckMustUnderstand(ultimate bool, understood func(xml.Name) bool, roles ...string) error {
	var names []xml.Name
	for _, h := range m.Headers {
		if h.MustUnderstand && h.Targeted(ultimate, roles...) && !understood(h.Name) {
			names = append(names, h.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return MustUnderstand(m.Version, names...)
}
