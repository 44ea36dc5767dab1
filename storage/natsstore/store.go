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
// behind it).
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
	kv, err := s.js.KeyValue(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		err = retryPlacement(ctx, func() error {
			_, err := s.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket: name, History: 1, Storage: jetstream.FileStorage, Replicas: s.o.Replicas,
				LimitMarkerTTL: markerTTL,
			})
			return err
		})
		if errors.Is(err, jetstream.ErrBucketExists) { // made by another node meanwhile
			err = nil
		}
		if err == nil {
			kv, err = s.js.KeyValue(ctx, name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("natsstore: opening bucket %s: %w", name, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("natsstore: opening bucket %s: %w", name, err)
	}
	if info := st.(*jetstream.KeyValueBucketStatus).StreamInfo(); info.Config.AllowDirect {
		cfg := info.Config
		cfg.AllowDirect = false
		if _, err := s.js.UpdateStream(ctx, cfg); err != nil {
			return nil, fmt.Errorf("natsstore: turning off direct gets of bucket %s: %w", name, err)
		}
		if kv, err = s.js.KeyValue(ctx, name); err != nil { // bound again: Get goes to the leader
			return nil, fmt.Errorf("natsstore: opening bucket %s: %w", name, err)
		}
	}
	s.buckets[kind] = kv
	return kv, nil
}

// retryPlacement runs create again while JetStream finds too few current
// peers for the replicas (a node starting or catching up), until ctx ends.
func retryPlacement(ctx context.Context, create func() error) error {
	for {
		err := create()
		var apiErr *jetstream.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode != errCodeNoPeers {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (waited for peers: %v)", err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// errCodeNoPeers is JetStream's JSClusterNoPeersErrF: "no suitable peers
// for placement" (nats.go has no constant for it).
const errCodeNoPeers jetstream.ErrorCode = 10005
