package natsstore

import (
	"context"
	"encoding/base64"
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
	jsBase
	o Options

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
	return &BrokerStore{jsBase: jsBase{js: js, replicas: o.Replicas}, o: o, buckets: map[string]jetstream.KeyValue{}, lists: map[string]*listStream{}}, nil
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
