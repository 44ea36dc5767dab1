package natsstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsgw/wsgw/storage"
)

// The broker's resources (wsnotify.Resources): record kind/key is key
// base64url(key) of bucket {prefix}_{kind}; its revision is the entry's
// stream sequence.

// recordCall opens kind's bucket and encodes key for a call bounded by the
// store's timeout.
func (s *BrokerStore) recordCall(ctx context.Context, kind, key string) (jetstream.KeyValue, string, context.Context, context.CancelFunc, error) {
	if key == "" {
		return nil, "", nil, nil, errors.New("natsstore: empty key")
	}
	ctx, cancel := s.call(ctx)
	kv, err := s.bucket(ctx, kind)
	if err != nil {
		cancel()
		return nil, "", nil, nil, err
	}
	return kv, encodeKey(key), ctx, cancel, nil
}

// Get returns the record of key, or storage.ErrNotFound.
func (s *BrokerStore) Get(ctx context.Context, kind, key string) (storage.Record, error) {
	kv, k, ctx, cancel, err := s.recordCall(ctx, kind, key)
	if err != nil {
		return storage.Record{}, err
	}
	defer cancel()
	e, err := kv.Get(ctx, k)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return storage.Record{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Record{}, fmt.Errorf("natsstore: getting %s/%s: %w", kind, key, err)
	}
	return storage.Record{Key: key, Value: e.Value(), Rev: e.Revision()}, nil
}

// Create stores a new record: storage.ErrExists when key has one.
func (s *BrokerStore) Create(ctx context.Context, kind, key string, value []byte) (uint64, error) {
	kv, k, ctx, cancel, err := s.recordCall(ctx, kind, key)
	if err != nil {
		return 0, err
	}
	defer cancel()
	rev, err := kv.Create(ctx, k, value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, storage.ErrExists
	}
	if err != nil {
		return 0, fmt.Errorf("natsstore: creating %s/%s: %w", kind, key, err)
	}
	return rev, nil
}

// Update replaces the record of key if its revision is rev: the stream
// refuses a write whose expected last subject sequence is not the key's.
func (s *BrokerStore) Update(ctx context.Context, kind, key string, value []byte, rev uint64) (uint64, error) {
	kv, k, ctx, cancel, err := s.recordCall(ctx, kind, key)
	if err != nil {
		return 0, err
	}
	defer cancel()
	if rev == 0 { // no record has revision 0; the stream reads 0 as "no message yet"
		return 0, s.conflictOrNotFound(ctx, kv, k)
	}
	newRev, err := kv.Update(ctx, k, value, rev)
	if isWrongLastSequence(err) {
		return 0, s.conflictOrNotFound(ctx, kv, k)
	}
	if err != nil {
		return 0, fmt.Errorf("natsstore: updating %s/%s: %w", kind, key, err)
	}
	return newRev, nil
}

// conflictOrNotFound is the error of a conditional write that the stream
// refused: storage.ErrNotFound when key has no record, else
// storage.ErrConflict.
func (s *BrokerStore) conflictOrNotFound(ctx context.Context, kv jetstream.KeyValue, k string) error {
	_, err := kv.Get(ctx, k)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
		return storage.ErrNotFound
	case err != nil:
		return fmt.Errorf("natsstore: reading %s after a refused write: %w", k, err)
	}
	return storage.ErrConflict
}

// Put stores value under key whatever is there.
func (s *BrokerStore) Put(ctx context.Context, kind, key string, value []byte) (uint64, error) {
	kv, k, ctx, cancel, err := s.recordCall(ctx, kind, key)
	if err != nil {
		return 0, err
	}
	defer cancel()
	rev, err := kv.Put(ctx, k, value)
	if err != nil {
		return 0, fmt.Errorf("natsstore: putting %s/%s: %w", kind, key, err)
	}
	return rev, nil
}

// Delete deletes the record of key, with rev != 0 only if its revision is
// rev. It writes a purge marker (the key's earlier values go), removed
// after markerTTL.
func (s *BrokerStore) Delete(ctx context.Context, kind, key string, rev uint64) error {
	kv, k, ctx, cancel, err := s.recordCall(ctx, kind, key)
	if err != nil {
		return err
	}
	defer cancel()
	opts := []jetstream.KVDeleteOpt{jetstream.PurgeTTL(markerTTL)}
	if rev != 0 {
		opts = append(opts, jetstream.LastRevision(rev))
	}
	err = kv.Purge(ctx, k, opts...)
	if rev != 0 && isWrongLastSequence(err) {
		if err := s.conflictOrNotFound(ctx, kv, k); !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		return nil // gone already
	}
	if err != nil {
		return fmt.Errorf("natsstore: deleting %s/%s: %w", kind, key, err)
	}
	return nil
}

// isWrongLastSequence: the stream refused a write conditioned on the
// subject's last sequence.
func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) // R>1 reports 10164
}

// Scan calls fn with every record of kind: the initial values of a watch
// of the bucket, without deletes, once its replicas have caught up.
func (s *BrokerStore) Scan(ctx context.Context, kind string, fn func(storage.Record) error) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	kv, err := s.bucket(ctx, kind)
	if err == nil {
		err = s.caughtUp(ctx, kv)
	}
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("natsstore: scanning %s: %w", kind, err)
	}
	defer w.Stop() //nolint:errcheck // done reading
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("natsstore: scanning %s: %w", kind, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("natsstore: scanning %s: the watch ended", kind)
			}
			if e == nil { // the initial values are done
				return nil
			}
			key, err := decodeKey(e.Key())
			if err != nil {
				return fmt.Errorf("natsstore: scanning %s: key %q: %w", kind, e.Key(), err)
			}
			if err := fn(storage.Record{Key: key, Value: e.Value(), Rev: e.Revision()}); err != nil {
				return err
			}
		}
	}
}

// Watch reports the records of kind as they are, then ChangeLoaded, then
// every later change by any node, in the bucket's order, until ctx ends.
// The watch is an ordered consumer: it resumes where it was after a
// reconnect. It starts once the bucket's replicas have caught up.
func (s *BrokerStore) Watch(ctx context.Context, kind string, fn func(storage.Change)) error {
	bctx, cancel := s.call(ctx)
	kv, err := s.bucket(bctx, kind)
	if err == nil {
		err = s.caughtUp(bctx, kv)
	}
	cancel()
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("natsstore: watching %s: %w", kind, err)
	}
	defer w.Stop() //nolint:errcheck // done
	loaded := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("natsstore: watching %s: the watch ended", kind)
			}
			if e == nil {
				loaded = true
				fn(storage.Change{Op: storage.ChangeLoaded})
				continue
			}
			key, err := decodeKey(e.Key())
			if err != nil {
				continue // not a key of this store
			}
			c := storage.Change{Op: storage.ChangePut, Key: key, Value: e.Value(), Rev: e.Revision()}
			switch {
			case e.Operation() != jetstream.KeyValuePut:
				if !loaded {
					continue // deleted before the watch: not a current record
				}
				c = storage.Change{Op: storage.ChangeDelete, Key: key}
			case !loaded:
				c.Op = storage.ChangeCurrent
			}
			fn(c)
		}
	}
}
