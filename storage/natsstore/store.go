package natsstore

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Options configure a BrokerStore.
type Options struct {
	// Prefix names the store's buckets and streams (doc.go); letters and
	// digits; default "wsn". Stores with one prefix share their data.
	Prefix string
	// Replicas of every bucket and stream the store creates; default 1.
	Replicas int
	// Timeout bounds each call (the broker's store calls have no deadline
	// of their own); default 10s.
	Timeout time.Duration
	// Shards is the number of delivery shards of the Handoff; default 4.
	// Every node sharing a prefix must use the same.
	Shards int
	// Node names this node in the lead (Lead); default a random name.
	Node string
}

// markerTTL is how long a delete marker stays in a bucket (choice): long
// enough for every watching node to see it; a node that starts later
// loads the bucket whole and finds the key gone.
const markerTTL = time.Hour

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9]+$`)

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = "wsn"
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Shards <= 0 {
		o.Shards = 4
	}
	if o.Node == "" {
		o.Node = nuid.Next()
	}
	return o
}

// BrokerStore keeps the WS-Notification broker's records (KV buckets) and
// message lists (streams) in NATS JetStream; it implements wsnotify.Store
// and, with Handoff, the broker's delivery handoff. Buckets and streams
// are made on first use.
type BrokerStore struct {
	js jetstream.JetStream
	o  Options

	mu      sync.Mutex // guards buckets, lists; held while one is made
	buckets map[string]jetstream.KeyValue
	lists   map[string]*listStream
	queue   jetstream.Stream // the handoff's stream, once made
}

// NewBroker returns the broker's store over js. It starts nothing and
// owns nothing: the connection is its opener's.
func NewBroker(js jetstream.JetStream, o Options) (*BrokerStore, error) {
	o = o.withDefaults()
	if !prefixRE.MatchString(o.Prefix) {
		return nil, fmt.Errorf("natsstore: prefix %q: want letters and digits", o.Prefix)
	}
	return &BrokerStore{js: js, o: o, buckets: map[string]jetstream.KeyValue{}, lists: map[string]*listStream{}}, nil
}

// call bounds a call's context by the store's timeout.
func (s *BrokerStore) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.o.Timeout)
}

var kindRE = regexp.MustCompile(`^[A-Za-z0-9]+$`)

func checkKind(kind string) error {
	if !kindRE.MatchString(kind) {
		return fmt.Errorf("natsstore: invalid kind %q (letters and digits)", kind)
	}
	return nil
}

// encodeKey maps a record key or list ID onto the key and subject
// alphabet: base64url without padding (topics hold '{', '}', ':', '/').
func encodeKey(k string) string { return base64.RawURLEncoding.EncodeToString([]byte(k)) }

func decodeKey(k string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(k)
	return string(b), err
}

// bucket returns kind's bucket, made on first use: file storage, history
// 1, the store's replicas, delete markers removed after markerTTL, and no
// direct gets, so that a Get is answered by the stream's leader and sees
// every acknowledged write (a direct get may be answered by a replica
// behind it). The bucket's stream is made here with the configuration
// nats.go gives a KV bucket, direct gets off: every node makes it with the
// same configuration, which JetStream takes as one create (nats.go's own
// CreateKeyValue would turn direct gets back on).
func (s *BrokerStore) bucket(ctx context.Context, kind string) (jetstream.KeyValue, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if kv, ok := s.buckets[kind]; ok {
		return kv, nil
	}
	name := s.o.Prefix + "_" + kind
	_, err := s.ensureStream(ctx, s.bucketConfig(name))
	var kv jetstream.KeyValue
	if err == nil {
		kv, err = s.js.KeyValue(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("natsstore: opening bucket %s: %w", name, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("natsstore: opening bucket %s: %w", name, err)
	}
	if st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config.AllowDirect {
		return nil, fmt.Errorf("natsstore: bucket %s answers direct gets, which may read behind acknowledged writes; "+
			"it was not made by wsgw (delete it, or let wsgw make it)", name)
	}
	s.buckets[kind] = kv
	return kv, nil
}

// bucketConfig is the stream of KV bucket name as nats.go makes one
// (jetstream.KeyValueConfig{History: 1, LimitMarkerTTL: markerTTL}), on
// file storage with the store's replicas and direct gets off.
func (s *BrokerStore) bucketConfig(name string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:                   "KV_" + name,
		Subjects:               []string{"$KV." + name + ".>"},
		MaxMsgsPerSubject:      1,
		MaxBytes:               -1,
		MaxMsgSize:             -1,
		MaxMsgs:                -1,
		MaxConsumers:           -1,
		Storage:                jetstream.FileStorage,
		Replicas:               s.o.Replicas,
		AllowRollup:            true,
		DenyDelete:             true,
		Duplicates:             2 * time.Minute,
		Discard:                jetstream.DiscardNew,
		AllowMsgTTL:            true,
		SubjectDeleteMarkerTTL: markerTTL,
	}
}

// attemptTimeout bounds one attempt to make or find a stream or consumer.
// (choice) JetStream does not always answer a create of a stream that
// another node is creating at the same moment (a cluster whose nodes start
// together): the attempt times out and the next one finds the stream.
const attemptTimeout = 2 * time.Second

// ensureStream returns stream cfg.Name, made with cfg when there is none,
// once it has a leader. Attempts that time out, or that JetStream refuses
// for want of current peers (a node starting or catching up), are made
// again until ctx ends. A stream that exists is returned whatever its
// configuration: the caller checks what it needs.
func (s *BrokerStore) ensureStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	var last error
	for {
		st, err := s.attempt(ctx, func(actx context.Context) (jetstream.Stream, error) {
			st, err := s.js.Stream(actx, cfg.Name)
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				st, err = s.js.CreateStream(actx, cfg)
			}
			return st, err
		})
		if err == nil {
			if c := st.CachedInfo().Cluster; c == nil || c.Leader != "" {
				return st, nil
			}
			err = errors.New("no leader yet")
		}
		var apiErr *jetstream.APIError
		retriable := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) ||
			errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeNoPeers || err.Error() == "no leader yet"
		if !retriable {
			return nil, err
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last attempt: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// attempt runs fn with a context bounded by attemptTimeout within ctx.
func (s *BrokerStore) attempt(ctx context.Context, fn func(context.Context) (jetstream.Stream, error)) (jetstream.Stream, error) {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	return fn(actx)
}

// errCodeNoPeers is JetStream's JSClusterNoPeersErrF: "no suitable peers
// for placement" (nats.go has no constant for it).
const errCodeNoPeers jetstream.ErrorCode = 10005
