package gateway

import (
	"encoding/xml"
	"net/http"
	"slices"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsnotify/topic"
	"github.com/wsgw/wsgw/wssecurity"
)

// BrokerSecurity is what the broker (Config.Broker) requires of its
// callers: the checks of a service's security section (ServiceSecurity),
// with the broker's operations as Operations, and rules per topic. The
// broker applies them through its wsnotify.Guard (brokerGuard), with the
// WS-Security 1.1 faults of services.
type BrokerSecurity struct {
	RequireUsernameToken, RequireTimestamp, RequireClientCertificate bool
	PasswordTypes                                                    []string
	// Allow names who may call the broker at all (the zero Rule: anyone).
	Allow wssecurity.Rule
	// Operations replace Allow for the broker operations they name
	// (BrokerOperationNames): who may Subscribe, Notify, CreatePullPoint...
	Operations map[string]wssecurity.Rule
	// Topics are rules per topic: the most specific rule whose topic is a
	// message's topic or one of its ancestors says who may publish on it
	// and who may receive from it.
	Topics []TopicRule
}

// TopicRule says who may publish on a topic and its descendants, and who
// may receive what is published there. The zero Rule restricts nobody.
type TopicRule struct {
	// Topic in Clark notation, "{namespace}root/child".
	Topic string
	// Notify: who may Notify on the topic, and RegisterPublisher for it.
	Notify wssecurity.Rule
	// Receive: who may Subscribe to it by a concrete topic, ask its
	// GetCurrentMessage, and be delivered its messages (a subscription by
	// an expression that selects it too).
	Receive wssecurity.Rule
}

// BrokerOperationNames are the operations BrokerSecurity.Operations may
// name: WS-BaseNotification 1.3 and WS-BrokeredNotification 1.3, by the
// local name of their request element, and the WS-RM 1.2 requests of a
// publisher that sends its Notify in a sequence (3.4-3.8: CreateSequence,
// CloseSequence, TerminateSequence, AckRequested for acknowledgement
// headers alone; a sequence message obeys the rule of Notify).
var BrokerOperationNames = []string{"Notify", "Subscribe", "GetCurrentMessage", "RegisterPublisher", "CreatePullPoint",
	"GetMessages", "DestroyPullPoint", "Renew", "Unsubscribe", "PauseSubscription", "ResumeSubscription",
	"DestroyRegistration", "CreateSequence", "CloseSequence", "TerminateSequence", "AckRequested"}

// service is the section as a service's, whose checks it shares.
func (b *BrokerSecurity) service() *ServiceSecurity {
	return &ServiceSecurity{RequireUsernameToken: b.RequireUsernameToken, RequireTimestamp: b.RequireTimestamp,
		RequireClientCertificate: b.RequireClientCertificate, PasswordTypes: b.PasswordTypes, Allow: b.Allow,
		Operations: b.Operations}
}

// validate reports the section's problems at path: those of a service's
// section, operations the broker does not have, topics that do not parse
// or repeat.
func (b *BrokerSecurity) validate(l *fielderr.List, path fielderr.Path, sc securityCheck) {
	b.service().validate(l, path, sc)
	for _, name := range sortedKeys(b.Operations) {
		if !slices.Contains(BrokerOperationNames, name) {
			l.Add(path.Field("Operations").Key(name), "%q: want one of %v", name, BrokerOperationNames)
		}
	}
	seen := map[string]int{}
	for i, r := range b.Topics {
		at := path.Field("Topics").Index(i)
		p, err := topic.ParseClark(r.Topic)
		if err != nil {
			l.Add(at.Field("Topic"), "%w", err)
			continue
		}
		if j, dup := seen[p.String()]; dup {
			l.Add(at.Field("Topic"), "%s has a rule already (topics[%d])", p, j)
		}
		seen[p.String()] = i
		if sc.usersErr == nil {
			pol := policyOf(b.service())
			validateRule(l, at.Field("Notify"), r.Notify, sc.users, pol, sc.clientCAs)
			validateRule(l, at.Field("Receive"), r.Receive, sc.users, pol, sc.clientCAs)
		}
	}
}

// brokerGuard is the broker's wsnotify.Guard: it names callers (callerOf)
// and, with a BrokerSecurity, authenticates them and applies its rules.
type brokerGuard struct {
	g      *Gateway
	sec    *ServiceSecurity     // nil: no security section
	topics map[string]TopicRule // by topic.Path.String()
}

var _ wsnotify.Guard = (*brokerGuard)(nil)

func newBrokerGuard(g *Gateway, b *BrokerSecurity) *brokerGuard {
	bg := &brokerGuard{g: g}
	if b == nil {
		return bg
	}
	bg.sec, bg.topics = b.service(), map[string]TopicRule{}
	for _, r := range b.Topics {
		p, _ := topic.ParseClark(r.Topic) // validated
		bg.topics[p.String()] = r
	}
	return bg
}

// Admit implements wsnotify.Guard.
func (bg *brokerGuard) Admit(r *http.Request, m *soap.Message, op string) (caller.ID, error) {
	if bg.sec == nil {
		return bg.g.callerOf(r, nil), nil
	}
	_, ids, err := bg.g.authenticate(r, m, bg.sec)
	if err != nil {
		return "", err
	}
	who := bg.g.callerOf(r, ids)
	if err := allowedBy(m.Version, "operation "+op+" of the broker", bg.sec.rule(op), ids); err != nil {
		bg.g.log.Info("broker access refused", "operation", op, "identities", identityNames(ids))
		return who, err
	}
	return who, nil
}

// AllowTopic implements wsnotify.Guard: the most specific topic rule
// covering t decides.
func (bg *brokerGuard) AllowTopic(who caller.ID, right wsnotify.TopicRight, t topic.Path, v soap.Version) error {
	if len(bg.topics) == 0 {
		return nil
	}
	for n := len(t.Names); n > 0; n-- {
		r, ok := bg.topics[topic.Path{Namespace: t.Namespace, Names: t.Names[:n]}.String()]
		if !ok {
			continue
		}
		rule, what := r.Notify, "publishing on topic "+t.String()
		if right == wsnotify.TopicReceive {
			rule, what = r.Receive, "receiving from topic "+t.String()
		}
		ids, _ := bg.g.identityOf(who)
		return allowedBy(v, what, rule, ids)
	}
	return nil
}

// Understood implements wsnotify.Guard: the broker checks wsse:Security
// when it has a security section.
func (bg *brokerGuard) Understood(n xml.Name) bool {
	return bg.sec != nil && wssecurity.IsSecurityHeader(n)
}
