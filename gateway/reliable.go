package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/queueing/badgerq"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/storage/natsstore"
	"github.com/wsgw/wsgw/wsdl"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// ReliableConfig makes a service reliable: requests carrying WS-RM (1.2
// or February 2005, each client answered in the version it spoke),
// WS-MakeConnection 1.1 or WS-Reliability 1.1 content (or wsgw's
// WS-Reliability reply pickup, driver.NSReplyRequest) go to the service's
// reliable messaging driver (wsreliable/driver), which stores and
// acknowledges them and delivers them to the cluster later, with retries.
// Zero fields take the defaults in their comments.
type ReliableConfig struct {
	// Assurance for WS-RM sequences: "ExactlyOnce" (default),
	// "AtLeastOnce" or "AtMostOnce" (WS-RM 1.2, 2.4).
	Assurance string
	// InOrder delivers each sequence in message number order.
	InOrder bool
	// Require answers requests that are not reliable messages with a
	// WSRMRequired fault naming the versions the service takes (WS-RM 1.2
	// and February 2005, WS-Reliability 1.1); false forwards them to the
	// backend as usual.
	// A request carrying a body that is not in a sequence (no wsrm:Sequence,
	// no wsrel:Request header) is not a reliable message even when it
	// carries other RM headers (a piggy-backed AckRequested or
	// SequenceAcknowledgement, a wsrel:Response): it is refused or
	// forwarded like any other, never taken by the driver, which would
	// drop its body (wsreliable.IsRM, IsRel). Its piggy-backed headers
	// are not processed.
	Require bool
	// Incomplete is the WS-RM IncompleteSequenceBehavior: "NoDiscard"
	// (default), "DiscardFollowingFirstGap" (which delivers in order, as
	// InOrder: what follows a gap waits for it) or "DiscardEntireSequence"
	// (which delivers nothing of a sequence before it is complete).
	Incomplete string
	// ReliableLimits bound the clients' sequences and groups.
	ReliableLimits
	// MaxHeld bounds a sequence's messages held back for ordering (zero:
	// 1024); MaxQueue the messages waiting for delivery (zero:
	// 1,000,000). A reliable message may be as large as the gateway's
	// Limits.MaxBytes.
	MaxHeld, MaxQueue int
	// MaxHeldBytes bounds the payload bytes held back for ordering across
	// the service's sequences (zero: 64 MiB); MaxKeep how long an ended
	// sequence or group is remembered to recognise late duplicates (zero:
	// 24h). With BackendRM, MaxKeep is also how long a message the backend
	// acknowledged is remembered until its delivery is settled, so it
	// must outlast a delivery's retry (the retry backoff's cap plus the
	// timeout and 10s; Validate says so). See wsreliable.Config.
	MaxHeldBytes int64
	MaxKeep      time.Duration
	// Retry governs delivery to the backend.
	Retry ReliableRetry
	// Egress is the allow-list for addresses clients give (AcksTo,
	// ReplyTo, Callback). The zero value allows nothing.
	Egress egress.Config
	// BackendRM delivers the stored messages to the backend over WS-RM
	// 1.2, whatever version the clients spoke (the gateway as RM Source
	// speaks 1.2 only, reliable_backend.go): one outbound
	// sequence per replica, a message's queue entry acknowledged only
	// when the replica's SequenceAcknowledgement covers it. False: plain
	// SOAP requests.
	BackendRM bool
}

// ReliableLimits bound the sequences and groups clients open to an RM
// destination of the gateway: a reliable service's (ReliableConfig) or
// the broker's, for publishers (Config.BrokerReliable). One set, so that
// every RM destination is bounded the same way (issue 13).
type ReliableLimits struct {
	// SequenceExpires caps the lifetime of sequences and groups (zero:
	// 24h); IdleTimeout ends those without traffic for that long (zero:
	// 10m). See wsreliable.Config.
	SequenceExpires, IdleTimeout time.Duration
	// MaxSequences bounds open sequences/groups (zero: 10000),
	// MaxSequencesPerCaller those of one caller (zero: 100; the caller is
	// the authenticated identity, else the client address: callerOf).
	MaxSequences, MaxSequencesPerCaller int
}

// validate reports negative limits at path, in field order.
func (c ReliableLimits) validate(l *fielderr.List, path fielderr.Path) {
	for _, f := range []struct {
		name string
		bad  bool
	}{
		{"SequenceExpires", c.SequenceExpires < 0}, {"IdleTimeout", c.IdleTimeout < 0},
		{"MaxSequences", c.MaxSequences < 0}, {"MaxSequencesPerCaller", c.MaxSequencesPerCaller < 0},
	} {
		if f.bad {
			l.Add(path.Field(f.name), "negative")
		}
	}
}

// engine sets c in the engine's configuration.
func (c ReliableLimits) engine(e *wsreliable.Config) {
	e.SequenceExpires, e.IdleTimeout, e.MaxGroups, e.MaxGroupsPerCaller = c.SequenceExpires, c.IdleTimeout, c.MaxSequences, c.MaxSequencesPerCaller
}

// ReliableRetry governs store-and-forward delivery.
type ReliableRetry struct {
	MaxAttempts int           // deliveries before dead-lettering; zero: 10, negative: unlimited
	Backoff     time.Duration // first redelivery delay, doubled per try; zero: 1s
	MaxBackoff  time.Duration // cap of the delay; zero: 5m
	Timeout     time.Duration // per delivery; zero: the service's timeout
}

var (
	assurances  = map[string]wsreliable.Assurance{"": wsreliable.ExactlyOnce, "ExactlyOnce": wsreliable.ExactlyOnce, "AtLeastOnce": wsreliable.AtLeastOnce, "AtMostOnce": wsreliable.AtMostOnce}
	incompletes = map[string]wsreliable.Incomplete{"": wsreliable.NoDiscard, "NoDiscard": wsreliable.NoDiscard, "DiscardFollowingFirstGap": wsreliable.DiscardFollowingFirstGap, "DiscardEntireSequence": wsreliable.DiscardEntireSequence}
)

func (c *ReliableConfig) validate(l *fielderr.List, path fielderr.Path, s *ServiceConfig) {
	if _, ok := assurances[c.Assurance]; !ok {
		l.Add(path.Field("Assurance"), "%q: want ExactlyOnce, AtLeastOnce or AtMostOnce", c.Assurance)
	}
	if _, ok := incompletes[c.Incomplete]; !ok {
		l.Add(path.Field("Incomplete"), "%q: want NoDiscard, DiscardFollowingFirstGap or DiscardEntireSequence", c.Incomplete)
	}
	c.ReliableLimits.validate(l, path)
	retry := path.Field("Retry")
	// With BackendRM an acknowledged message is remembered (MaxKeep) until
	// its delivery is settled, which a retry may take up to MinKeep to do.
	minKeep := time.Duration(0)
	if c.BackendRM && c.Retry.Backoff >= 0 && c.Retry.MaxBackoff >= 0 && c.Retry.Timeout >= 0 && s.Timeout >= 0 {
		minKeep = c.driverConfig(s, "", 0).MinKeep()
	}
	for _, f := range []struct { // in field order
		path fielderr.Path
		bad  bool
		why  string
	}{
		{path.Field("MaxHeld"), c.MaxHeld < 0, "negative"},
		{path.Field("MaxQueue"), c.MaxQueue < 0, "negative"}, {path.Field("MaxHeldBytes"), c.MaxHeldBytes < 0, "negative"},
		{path.Field("MaxKeep"), c.MaxKeep < 0, "negative"},
		{path.Field("MaxKeep"), c.MaxKeep > 0 && c.MaxKeep < minKeep, fmt.Sprintf("%v is shorter than a delivery's retry "+
			"interval with backend_rm (%v): a message acknowledged after its attempt gave up could be sent again", c.MaxKeep, minKeep)},
		{retry.Field("Backoff"), c.Retry.Backoff < 0, "negative"}, {retry.Field("MaxBackoff"), c.Retry.MaxBackoff < 0, "negative"},
		{retry.Field("Timeout"), c.Retry.Timeout < 0, "negative"},
	} {
		if f.bad {
			l.Add(f.path, "%s", f.why)
		}
	}
	l.Nest(path.Field("Egress"), c.Egress.Validate())
}

// driverConfig maps c to the driver's configuration; a message may be as
// large as the gateway's requests (maxBytes).
func (c *ReliableConfig) driverConfig(s *ServiceConfig, self string, maxBytes int64) driver.Config {
	timeout := c.Retry.Timeout
	if timeout == 0 {
		timeout = s.Timeout
	}
	eng := wsreliable.Config{Assurance: assurances[c.Assurance], InOrder: c.InOrder,
		Incomplete: incompletes[c.Incomplete], MaxHeld: c.MaxHeld, MaxHeldBytes: c.MaxHeldBytes, MaxKeep: c.MaxKeep}
	c.ReliableLimits.engine(&eng)
	return driver.Config{
		Name: s.Name, Self: self, Engine: eng,
		MaxAttempts: c.Retry.MaxAttempts, DeliveryTimeout: timeout, MaxQueue: c.MaxQueue, MaxMessageBytes: int(maxBytes),
		Backoff:   queueing.Backoff{Base: c.Retry.Backoff, Max: c.Retry.MaxBackoff},
		BackendRM: c.BackendRM,
	}
}

// reliableOp names reliable requests in metrics and logs.
var reliableOp = &wsdl.Operation{Name: "(reliable)"}

// isReliable reports whether msg goes to the service's driver rather than
// straight to the cluster.
func (s *service) isReliable(msg *soap.Message) bool {
	return s.cfg.Reliable != nil && driver.Handles(msg)
}

// reliables are the drivers of the reliable services and their stores.
type reliables struct {
	byName map[string]*driver.Driver
	stores []reliableStore
	queues map[string]reliableStore // the stores by service, for the oldest message's age
	now    func() time.Time         // the drivers' clock
}

// reliableStore is a reliable service's store: on the node's badger
// (badgerstore.Reliable) or, with Options.Cluster, on JetStream
// (natsstore.Reliable, cluster.go).
type reliableStore interface {
	driver.Store
	// Oldest is when the oldest delivery waiting was enqueued.
	Oldest(ctx context.Context) (time.Time, bool, error)
	Close() error
}

var (
	_ reliableStore = (*badgerstore.Reliable)(nil)
	_ reliableStore = (*natsstore.Reliable)(nil)
)

// openReliable builds a driver per reliable service, over its store in
// db, or with Options.Cluster on the cluster's JetStream (cluster.go); it
// starts none (Run runs them). db is the node's store; it must be set
// when any service is reliable and there is no cluster. now is the
// drivers' clock (nil: time.Now).
func (g *Gateway) openReliable(ctx context.Context, db *badger.DB, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	rel := &reliables{byName: map[string]*driver.Driver{}, queues: map[string]reliableStore{}, now: now}
	g.rel = rel
	for i, s := range g.services {
		rc := s.cfg.Reliable
		if rc == nil {
			continue
		}
		path := fielderr.Path{}.Field("Services").Index(i).Field("Reliable")
		if db == nil && g.node == nil {
			return fielderr.Errorf(path, "a reliable service needs the node's store (gateway.Options.DB) or a cluster (Options.Cluster)")
		}
		pol, err := egress.New(rc.Egress)
		if err != nil {
			return fielderr.Under(path.Field("Egress"), err)
		}
		pol.TLSClientConfig = g.tls.egress
		cfg := rc.driverConfig(&s.cfg, g.cfg.PublicURL+"/services/"+s.cfg.Name, s.limits.MaxBytes)
		boundByStore(db, &cfg, now, s.log)
		var backend driver.Backend = &clusterBackend{g: g, s: s}
		client := pol.Client(nil, cfg.DeliveryTimeout)
		rmb := &rmBackend{s: s}
		if rc.BackendRM {
			backend, client = rmb, replicaClient(g, s, client)
		}
		log := s.log.With("component", "reliable")
		dopts := driver.Options{Backend: backend, Client: client, Egress: pol, Logger: log, Now: now}
		var store reliableStore
		if g.node != nil {
			ns, err := g.sharedReliableStore(ctx, cfg, now, log)
			if err != nil {
				return fielderr.At(path, err)
			}
			store, dopts.Cluster = ns, ns
		} else {
			bs, err := badgerstore.OpenReliable(ctx, db, s.cfg.Name,
				badgerstore.ReliableOptions{Queue: cfg.QueueOptions(now), ReplyTTL: cfg.ReplyTTL})
			if err != nil {
				return fielderr.At(path, err)
			}
			store = bs
		}
		rel.stores = append(rel.stores, store)
		rel.queues[s.cfg.Name] = store
		dopts.Store = store
		d, err := driver.New(cfg, dopts)
		if err != nil {
			return fielderr.At(path, err)
		}
		rmb.d = d
		rel.byName[s.cfg.Name] = d
	}
	if len(rel.byName) > 0 {
		if err := g.reg.Register(&reliableCollector{rel: rel}); err != nil {
			return fmt.Errorf("registering metrics: %w", err)
		}
	}
	return nil
}

// runReliable runs every driver on wg until ctx ends.
func (g *Gateway) runReliable(ctx context.Context, wg *sync.WaitGroup) {
	for name, d := range g.rel.byName {
		wg.Go(func() {
			if err := d.Run(ctx); err != nil {
				g.log.Error("reliable driver stopped", "service", name, "err", err)
			}
		})
	}
}

// closeReliable closes every driver's store; Run must have returned.
func (g *Gateway) closeReliable() {
	if g.rel == nil {
		return
	}
	for _, s := range g.rel.stores {
		if err := s.Close(); err != nil {
			g.log.Error("closing reliable store", "err", err)
		}
	}
}

// serveReliable hands d's request to the service's driver and writes its
// answer. It returns the outcome label.
func (g *Gateway) serveReliable(ctx context.Context, s *service, w http.ResponseWriter, r *http.Request, d *decision) string {
	// The driver bounds the sequences and groups of each caller.
	status, h, body, done := g.rel.byName[s.cfg.Name].HandleRequestDone(caller.NewContext(ctx, d.caller), d.msg, r.Header, d.consumed...)
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.WriteHeader(status)
	_, err := w.Write(body)
	// A stored reply (WS-MakeConnection) is deleted only once written: a
	// client gone before keeps it for its next pickup.
	done(err == nil)
	switch {
	case status < 300:
		return outcomeOK
	case status == http.StatusServiceUnavailable:
		return outcomeBusy
	}
	return outcomeClientFault
}

// clusterBackend delivers stored messages of s to its cluster: a fresh
// forward of the stored bytes to a replica of the partition the same key
// chooses, failing over to the partition's other replicas (a stored
// delivery is retried anyway: the driver gives the backend its delivery
// ID to drop repeats).
type clusterBackend struct {
	g *Gateway
	s *service
}

var _ driver.Backend = (*clusterBackend)(nil)

// maxReplyBytes bounds a stored backend reply.
const maxReplyBytes = 4 << 20

// Deliver implements driver.Backend.
func (b *clusterBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	d, _, err := b.s.decide(hdr, msg)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", driver.ErrRejected, err)
	}
	var tried []*cluster.Replica
	lastErr := errors.New("no available replica")
	for {
		rep := d.part.Pick(tried...)
		if rep == nil {
			return nil, 0, lastErr
		}
		tried = append(tried, rep)
		reply, status, err := b.try(ctx, rep, d, hdr)
		if err == nil {
			return reply, status, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			return nil, 0, err
		}
	}
}

// try sends one delivery to rep.
func (b *clusterBackend) try(ctx context.Context, rep *cluster.Replica, d *decision, hdr http.Header) ([]byte, int, error) {
	done := rep.Begin()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rep.URL(), d.out.Reader())
	if err != nil {
		done(cluster.Canceled)
		return nil, 0, err
	}
	req.Header = hdr.Clone()
	req.ContentLength = d.out.Len()
	resp, err := b.g.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			done(cluster.Canceled)
		} else {
			done(cluster.Failed)
		}
		return nil, 0, fmt.Errorf("delivering to %s: %w", rep.URL(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	switch {
	case err != nil:
		done(cluster.Failed)
		return nil, 0, fmt.Errorf("reading reply of %s: %w", rep.URL(), err)
	case replyFailed(resp):
		done(cluster.Failed)
		return nil, 0, fmt.Errorf("delivering to %s: backend replied %s", rep.URL(), resp.Status)
	case pushback(resp.StatusCode) && !isSOAPReply(resp):
		// The backend, or a proxy before it, asks to come back later.
		done(cluster.Success)
		return nil, 0, fmt.Errorf("delivering to %s: backend replied %s", rep.URL(), resp.Status)
	case resp.StatusCode >= 400 && !isSOAPReply(resp):
		// Not a SOAP fault but a refusal of the request itself (404,
		// 415...): retrying the same bytes cannot succeed.
		done(cluster.Success)
		return nil, 0, fmt.Errorf("%w: %s replied %s", driver.ErrRejected, rep.URL(), resp.Status)
	}
	done(cluster.Success)
	return body, resp.StatusCode, nil
}

// pushback reports a 4xx status that asks the client to retry: 408
// Request Timeout, 425 Too Early, 429 Too Many Requests (RFC 9110 15.5.9,
// RFC 8470 5.2, RFC 6585 4).
func pushback(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooEarly || status == http.StatusTooManyRequests
}

func reliableDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("wsgw_reliable_"+name, help, []string{"service"}, nil)
}

// reliableCollector reports the drivers' counters at scrape time.
type reliableCollector struct{ rel *reliables }

func isSOAPReply(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == soap.MediaType11 || mt == soap.MediaType12
}

var reliableDescs = struct{ accepted, delivered, redelivered, dead, depth, deadLetters, oldest *prometheus.Desc }{
	reliableDesc("accepted_total", "Reliable messages accepted (stored for delivery)."),
	reliableDesc("delivered_total", "Reliable messages the backend took."),
	reliableDesc("redelivered_total", "Delivery tries after the first."),
	reliableDesc("dead_lettered_total", "Reliable messages given up."),
	reliableDesc("queue_depth", "Reliable messages waiting for delivery."),
	reliableDesc("dead_letters", "Reliable messages in the dead letters."),
	reliableDesc("oldest_age_seconds", "Age of the oldest reliable message waiting for delivery; 0 when none waits."),
}

func (c *reliableCollector) Describe(ch chan<- *prometheus.Desc) {
	d := reliableDescs
	for _, x := range []*prometheus.Desc{d.accepted, d.delivered, d.redelivered, d.dead, d.depth, d.deadLetters, d.oldest} {
		ch <- x
	}
}

func (c *reliableCollector) Collect(ch chan<- prometheus.Metric) {
	d := reliableDescs
	for name, drv := range c.rel.byName {
		st := drv.Stats()
		counter := func(desc *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), name)
		}
		counter(d.accepted, st.Accepted)
		counter(d.delivered, st.Delivered)
		counter(d.redelivered, st.Redelivered)
		counter(d.dead, st.DeadLettered)
		ch <- prometheus.MustNewConstMetric(d.depth, prometheus.GaugeValue, float64(st.QueueDepth), name)
		ch <- prometheus.MustNewConstMetric(d.deadLetters, prometheus.GaugeValue, float64(st.DeadLetters), name)
		if age, err := c.rel.oldestAge(name); err == nil {
			ch <- prometheus.MustNewConstMetric(d.oldest, prometheus.GaugeValue, age.Seconds(), name)
		}
	}
}

// oldestAgeTimeout bounds the wait for a queue's committer at a scrape.
const oldestAgeTimeout = time.Second

// oldestAge is how long the oldest message of service name has waited for
// delivery, 0 when none waits.
func (rel *reliables) oldestAge(name string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), oldestAgeTimeout)
	defer cancel()
	at, ok, err := rel.queues[name].Oldest(ctx)
	if err != nil || !ok {
		return 0, err
	}
	return max(rel.now().Sub(at), 0), nil
}

// boundByStore lowers cfg.MaxMessageBytes to what db takes in one write
// when db keeps messages in its tree (an in-memory store): reliable
// messages are bounded by that. A nil db (a cluster's store) bounds
// nothing here.
func boundByStore(db *badger.DB, cfg *driver.Config, now func() time.Time, log *slog.Logger) {
	if db == nil {
		return
	}
	qo := cfg.QueueOptions(now) // cfg defaulted
	if most := badgerq.LargestMessage(db, qo) - driver.StoredMetaBytes; qo.MaxMessageBytes-driver.StoredMetaBytes > most {
		log.Info("reliable messages are bounded by what the store takes in one write", "max_bytes", most)
		cfg.MaxMessageBytes = most
	}
}
