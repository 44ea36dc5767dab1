package natsstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// Reliable is the durable state of one reliable service shared by the
// nodes that run it (wsreliable/driver.Store and driver.Cluster) in NATS
// JetStream; doc.go, "Reliable services", gives the layout.
type Reliable struct {
	jsBase
	nc  *nats.Conn
	o   ReliableOptions
	log func(msg string, args ...any)

	records jetstream.KeyValue // P_rec: engine records and shard holders
	beats   jetstream.KeyValue // P_hb: heartbeats
	mailbox jetstream.KeyValue // P_mb: kept replies
	queue   jetstream.Stream   // P_Q: deliveries
	dead    jetstream.Stream   // P_D: dead letters
	scopes  []string           // ShardScope of each shard

	revs *revisions // the records' revisions this node knows
	q    *queueState
	m    *members

	ctx    context.Context // ends at Close: the shards' pullers run in it
	cancel context.CancelFunc
	wg     sync.WaitGroup // the pullers and the lease keeper
}

// ReliableOptions configure a Reliable store.
type ReliableOptions struct {
	// Service is the service's name (letters, digits, '-', '_', '.');
	// required. Every node running it shares its state.
	Service string
	// Node names this node; required (natsnode.Node.Name).
	Node string
	// Replicas of every bucket and stream the store makes; default 1.
	Replicas int
	// Shards is the number of shards; default 16. Every node of a service
	// must use the same (the streams keep it: a store opened with another
	// number is refused).
	Shards int
	// Queue are the delivery queue's options (driver.Config.QueueOptions):
	// MaxLength, MaxMessageBytes (the stream's bounds), MaxAttempts,
	// Backoff, VisibilityTimeout, MaxDeadLetters, Now.
	Queue queueing.Options
	// ReplyTTL is how long a kept reply waits for its pickup; default 24h.
	ReplyTTL time.Duration
	// Timeout bounds each call; default 10s.
	Timeout time.Duration
	// AckWait is how long a delivery stays with a node that stopped
	// extending its lease (one that died) before it is delivered again;
	// a live node extends it every AckWait/3. Default 5s.
	AckWait time.Duration
	// Heartbeat is how often the node writes its heartbeat, NodeTTL how
	// long one lives: a node that wrote none for NodeTTL is taken for
	// dead, and its shards for the others'. Defaults 1s and 4s.
	Heartbeat, NodeTTL time.Duration
	// Duplicates is the delivery stream's de-duplication window (a
	// delivery stored again within it under the same ID is dropped);
	// default and least 10m.
	Duplicates time.Duration
	// Logger logs what the store does by itself (pullers, heartbeats);
	// nil: nothing.
	Logger func(msg string, args ...any)
}

// The defaults of ReliableOptions that operators may tune (the gateway's
// ClusterTimings).
const (
	DefaultShards    = 16
	DefaultAckWait   = 5 * time.Second
	DefaultHeartbeat = time.Second
	DefaultNodeTTL   = 4 * time.Second
)

const (
	minDuplicates     = 10 * time.Minute
	defaultReplyTTL   = 24 * time.Hour
	defaultRelTimeout = 10 * time.Second
)

var serviceRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

func (o ReliableOptions) withDefaults() ReliableOptions {
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Shards <= 0 {
		o.Shards = DefaultShards
	}
	o.Queue = o.Queue.WithDefaults()
	if o.ReplyTTL <= 0 {
		o.ReplyTTL = defaultReplyTTL
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultRelTimeout
	}
	if o.AckWait <= 0 {
		o.AckWait = DefaultAckWait
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.NodeTTL <= 0 {
		o.NodeTTL = DefaultNodeTTL
	}
	o.Duplicates = max(o.Duplicates, minDuplicates)
	if o.Logger == nil {
		o.Logger = func(string, ...any) {}
	}
	return o
}

// servicePrefix names a service's streams and buckets: "rm_" and its name
// with '.' written "-2E" and '-' "-2D" (stream names take letters,
// digits, '-' and '_'; subjects split on '.').
func servicePrefix(service string) string {
	r := strings.NewReplacer("-", "-2D", ".", "-2E")
	return "rm_" + r.Replace(service)
}

// OpenReliable makes (or finds) the service's buckets, streams and
// consumers on nc's JetStream. It starts no heartbeat: Run does; the
// store's pullers run once shards are opened, until Close.
func OpenReliable(ctx context.Context, nc *nats.Conn, o ReliableOptions) (*Reliable, error) {
	o = o.withDefaults()
	if !serviceRE.MatchString(o.Service) {
		return nil, fmt.Errorf("natsstore: service name %q: want letters, digits, '-', '_' and '.'", o.Service)
	}
	if !serviceRE.MatchString(o.Node) {
		return nil, fmt.Errorf("natsstore: node name %q: want letters, digits, '-', '_' and '.'", o.Node)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	r := &Reliable{jsBase: jsBase{js: js, replicas: o.Replicas}, nc: nc, o: o, log: o.Logger,
		revs: newRevisions(), q: newQueueState(o.Shards)}
	r.m = newMembers(o.Node, o.Shards)
	for s := range o.Shards {
		r.scopes = append(r.scopes, r.findScope(s))
	}
	ctx, cancel := context.WithTimeout(ctx, 2*o.Timeout)
	defer cancel()
	if err := r.open(ctx); err != nil {
		return nil, fmt.Errorf("natsstore: opening the store of %s: %w", o.Service, err)
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.wg.Go(r.keepLeases)
	return r, nil
}

// open makes the buckets, streams and shard consumers.
func (r *Reliable) open(ctx context.Context) error {
	p := servicePrefix(r.o.Service)
	var err error
	if r.records, err = r.bucketFor(ctx, p+"_rec", true); err != nil {
		return err
	}
	if r.beats, err = r.bucketFor(ctx, p+"_hb", false); err != nil {
		return err
	}
	if r.mailbox, err = r.bucketFor(ctx, p+"_mb", false); err != nil {
		return err
	}
	if r.queue, err = r.ensureStream(ctx, r.queueConfig()); err != nil {
		return err
	}
	if n := len(r.queue.CachedInfo().Config.Subjects); n != 1 {
		return fmt.Errorf("stream %s has %d subjects, want 1", r.queue.CachedInfo().Config.Name, n)
	}
	if r.dead, err = r.ensureStream(ctx, jetstream.StreamConfig{
		Name: p + "_D", Subjects: []string{p + ".d"}, Storage: jetstream.FileStorage, Replicas: r.replicas,
		Retention: jetstream.LimitsPolicy, MaxMsgs: int64(r.o.Queue.MaxDeadLetters), Discard: jetstream.DiscardOld,
	}); err != nil {
		return err
	}
	if err := r.checkShards(ctx); err != nil {
		return err
	}
	for s := range r.o.Shards {
		c, err := r.ensureConsumer(ctx, r.queue, r.consumerConfig(s))
		if err != nil {
			return fmt.Errorf("consumer of shard %d: %w", s, err)
		}
		r.q.consumers[s] = c
	}
	return nil
}

// bucketFor makes KV bucket name as the broker's store makes its own
// (bucketConfig: file storage, history 1, no direct gets), with atomic
// batches for the records bucket (Commit).
func (r *Reliable) bucketFor(ctx context.Context, name string, atomic bool) (jetstream.KeyValue, error) {
	cfg := r.bucketConfig(name)
	cfg.AllowAtomicPublish = atomic
	if _, err := r.ensureStream(ctx, cfg); err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	kv, err := r.js.KeyValue(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return kv, nil
}

// queueConfig is the delivery stream: a work queue (a delivery is
// removed once acknowledged), subject P.q.{shard}, file storage, bounded
// by the queue's MaxLength (DiscardNew: a Commit beyond is refused), with
// a de-duplication window of ReliableOptions.Duplicates.
func (r *Reliable) queueConfig() jetstream.StreamConfig {
	p := servicePrefix(r.o.Service)
	return jetstream.StreamConfig{
		Name: p + "_Q", Subjects: []string{p + ".q.*"}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Replicas: r.replicas, MaxMsgs: int64(r.o.Queue.MaxLength),
		Discard: jetstream.DiscardNew, Duplicates: r.o.Duplicates,
		Metadata: map[string]string{"wsgw_shards": strconv.Itoa(r.o.Shards)},
	}
}

// checkShards refuses a store whose stream was made with another shard
// count: the nodes would place one sequence in two shards.
func (r *Reliable) checkShards(ctx context.Context) error {
	got := r.queue.CachedInfo().Config.Metadata["wsgw_shards"]
	if got != strconv.Itoa(r.o.Shards) {
		return fmt.Errorf("the service's state was made with %q shards, this node has %d (every node must have the same)", got, r.o.Shards)
	}
	return nil
}

// consumerConfig is shard s's consumer: durable, explicit acks, one
// delivery outstanding at a time (MaxAckPending 1: a shard's deliveries,
// and so each group's, go one after the other, in order), sent again
// AckWait after a lease nobody extends.
func (r *Reliable) consumerConfig(s int) jetstream.ConsumerConfig {
	p := servicePrefix(r.o.Service)
	return jetstream.ConsumerConfig{
		Durable: p + "_q" + strconv.Itoa(s), FilterSubject: r.queueSubject(s),
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: r.o.AckWait, MaxDeliver: -1, MaxAckPending: 1,
	}
}

func (r *Reliable) queueSubject(s int) string {
	return servicePrefix(r.o.Service) + ".q." + strconv.Itoa(s)
}

// Close stops the pullers and the lease keeper: what is leased is sent
// again after AckWait. It does not close the connection.
func (r *Reliable) Close() error {
	r.cancel()
	r.wg.Wait()
	return nil
}

// call bounds a call by the store's timeout.
func (r *Reliable) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.o.Timeout)
}

// Shards implements driver.Shards.
func (r *Reliable) Shards() int { return r.o.Shards }

// ShardOf implements driver.Shards: FNV-1a of name modulo the shards.
func (r *Reliable) ShardOf(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % uint32(r.o.Shards))
}

// ShardScope implements driver.Shards: "shard-{i}" for the least i that
// ShardOf maps to s (every node finds the same).
func (r *Reliable) ShardScope(s int) string { return r.scopes[s] }

func (r *Reliable) findScope(s int) string {
	for i := 0; ; i++ {
		if name := "shard-" + strconv.Itoa(i); r.ShardOf(name) == s {
			return name
		}
	}
}

// Node implements driver.Membership.
func (r *Reliable) Node() string { return r.o.Node }

var errNotHeld = errors.New("natsstore: a record of a shard this node does not hold")

var (
	_ driver.Store   = (*Reliable)(nil)
	_ driver.Cluster = (*Reliable)(nil)
)
