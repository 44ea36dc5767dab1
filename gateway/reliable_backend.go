package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// rmBackend delivers the stored messages of a service with
// ReliableConfig.BackendRM to its cluster over WS-RM 1.2 (the gateway as
// RM Source): each message is submitted to the driver's engine on the
// outbound sequence of the replica the partition key chooses (one sequence
// per replica), sent with a Sequence header, and its delivery succeeds
// only when the replica's SequenceAcknowledgement covers it, so the
// durable queue entry is acknowledged only then. The backend's business
// reply, if any, is not kept (it answers the sequence message, which the
// engine may send several times).
type rmBackend struct {
	s *service
	d *driver.Driver // set once driver.New returns, before Run
}

var _ driver.Backend = (*rmBackend)(nil)

// Deliver implements driver.Backend.
func (b *rmBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	dec, _, err := b.s.decide(hdr, msg)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", driver.ErrRejected, err)
	}
	rep := dec.part.Pick()
	if rep == nil {
		return nil, 0, errors.New("no available replica")
	}
	payload, err := bodyContent(dec.msg)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", driver.ErrRejected, err)
	}
	action := strings.Trim(hdr.Get("SOAPAction"), `"`)
	if a, err := soap.ReadAddressing(dec.msg); err == nil && a.Action != "" {
		action = a.Action
	}
	m := wsreliable.Submit{Token: hdr.Get(driver.DeliveryIDHeader), To: rep.URL(), Action: action, Payload: payload}
	if err := b.d.SubmitRM(ctx, m, dec.msg.Version); err != nil {
		return nil, 0, fmt.Errorf("sending to %s over WS-RM: %w", rep.URL(), err)
	}
	return nil, http.StatusAccepted, nil
}

// bodyContent returns m's payload element (the Body's first child) as
// bytes that stand alone: the namespace declarations in scope from the
// Envelope and Body are copied onto it, unless it declares the prefix
// itself (xmldoc.Element.Standalone).
func bodyContent(m *soap.Message) ([]byte, error) {
	if !m.Payload.Valid() {
		return nil, errors.New("empty Body")
	}
	return m.Payload.Standalone(), nil
}

// replicaClient sends to the service's configured replicas with the
// gateway's backend client and to any other address with egress (the
// allow-list client for client-supplied addresses).
func replicaClient(g *Gateway, s *service, egress *http.Client) *http.Client {
	replicas := map[string]bool{}
	for _, p := range s.cfg.Cluster.Partitions {
		for _, r := range p.Replicas {
			replicas[strings.TrimSuffix(r, "/")] = true
		}
	}
	return &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if replicas[strings.TrimSuffix(req.URL.String(), "/")] {
			return g.client.Do(req)
		}
		return egress.Do(req)
	}), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
