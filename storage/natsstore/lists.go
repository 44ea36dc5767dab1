package natsstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsgw/wsgw/storage"
)

// The broker's ordered lists (wsnotify.Lists): the lists of a kind are the
// subjects of stream {prefix}_L_{kind}, subject
// {prefix}.l.{kind}._{base64url(ID)} ("_" alone for a kind's only list);
// an entry's sequence number is its stream sequence. A kind's bound is
// the stream's per-subject limit: MaxMsgsPerSubject, and for DropNew
// lists DiscardNew with DiscardNewPerSubject, so that the stream itself
// refuses a value for a full list, whichever node appends.

// listStream is a kind's stream and the bound it is configured with.
type listStream struct {
	s     jetstream.Stream
	bound storage.Bound
}

func (s *BrokerStore) listSubject(l storage.List) string {
	return s.o.Prefix + ".l." + l.Kind + "._" + encodeKey(l.ID)
}

func checkList(l storage.List) error {
	if err := checkKind(l.Kind); err != nil {
		return err
	}
	if strings.Contains(l.ID, "/") {
		return fmt.Errorf("natsstore: invalid list ID %q", l.ID)
	}
	return nil
}

// streamConfig is the config of kind's stream with bound b.
func (s *BrokerStore) streamConfig(kind string, b storage.Bound) jetstream.StreamConfig {
	c := jetstream.StreamConfig{
		Name:              s.o.Prefix + "_L_" + kind,
		Subjects:          []string{s.o.Prefix + ".l." + kind + ".*"},
		Storage:           jetstream.FileStorage,
		Replicas:          s.o.Replicas,
		Retention:         jetstream.LimitsPolicy,
		MaxMsgsPerSubject: -1,
		Discard:           jetstream.DiscardOld,
	}
	if b.Max > 0 {
		c.MaxMsgsPerSubject = int64(b.Max)
		if b.DropNew {
			c.Discard, c.DiscardNewPerSubject = jetstream.DiscardNew, true
		}
	}
	return c
}

func boundOf(c jetstream.StreamConfig) storage.Bound {
	if c.MaxMsgsPerSubject <= 0 {
		return storage.Bound{}
	}
	return storage.Bound{Max: int(c.MaxMsgsPerSubject), DropNew: c.DiscardNewPerSubject}
}

// list returns kind's stream, made on first use; with b non-nil, its
// bound is made *b first (a kind's lists share one bound: wsnotify.Lists).
func (s *BrokerStore) list(ctx context.Context, kind string, b *storage.Bound) (jetstream.Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls, ok := s.lists[kind]
	if ok && (b == nil || *b == ls.bound) {
		return ls.s, nil
	}
	want := storage.Bound{}
	if b != nil {
		want = *b
	}
	cfg := s.streamConfig(kind, want)
	st, err := s.ensureStream(ctx, cfg)
	if err == nil && b != nil && boundOf(st.CachedInfo().Config) != want {
		cur := st.CachedInfo().Config
		cur.MaxMsgsPerSubject, cur.Discard, cur.DiscardNewPerSubject = cfg.MaxMsgsPerSubject, cfg.Discard, cfg.DiscardNewPerSubject
		st, err = s.js.UpdateStream(ctx, cur)
	}
	if err == nil && !ok {
		err = s.listening(ctx, s.listSubject(storage.List{Kind: kind}))
	}
	if err != nil {
		return nil, fmt.Errorf("natsstore: opening stream %s: %w", cfg.Name, err)
	}
	s.lists[kind] = &listStream{s: st, bound: boundOf(st.CachedInfo().Config)}
	return st, nil
}

// Append publishes each value on its list's subject, all at once, and
// returns when the stream has acknowledged every one: stored on a quorum
// of replicas, each synced. A value the stream refuses for a full DropNew
// list is dropped; for the other bounded lists the stream deletes the
// oldest, counted from the list's length before the append.
func (s *BrokerStore) Append(ctx context.Context, adds ...storage.Add) (dropped int, err error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	bounds := map[string]storage.Bound{}
	counts := map[storage.List]int{}
	for _, a := range adds {
		if err := checkList(a.List); err != nil {
			return 0, err
		}
		if b, ok := bounds[a.List.Kind]; ok && b != a.Bound {
			return 0, fmt.Errorf("natsstore: list kind %s appended with bounds %+v and %+v: a kind has one bound", a.List.Kind, b, a.Bound)
		}
		bounds[a.List.Kind] = a.Bound
		counts[a.List]++
	}
	for kind, b := range bounds {
		st, err := s.list(ctx, kind, &b)
		if err != nil {
			return 0, err
		}
		if b.Max > 0 && !b.DropNew {
			n, err := s.oldestDropped(ctx, st, kind, b, counts)
			if err != nil {
				return 0, err
			}
			dropped += n
		}
	}
	for {
		full, errs, err := s.publishAdds(ctx, adds)
		dropped += full
		if err != nil {
			return dropped, err
		}
		if len(errs) == len(adds) && allNoResponders(errs) {
			// Nobody stored any value: the stream, just made, has no
			// server listening yet. Publishing all again keeps the order.
			select {
			case <-ctx.Done():
				return dropped, fmt.Errorf("natsstore: appending: %w (last attempt: %v)", ctx.Err(), errs[0])
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		if len(errs) > 0 {
			return dropped, fmt.Errorf("natsstore: appending %d of %d values failed: %w", len(errs), len(adds), errors.Join(errs...))
		}
		return dropped, nil
	}
}

// publishAdds publishes adds in order and waits for every answer: it
// returns how many a full DropNew list refused, and the other failures.
func (s *BrokerStore) publishAdds(ctx context.Context, adds []storage.Add) (full int, errs []error, err error) {
	futures := make([]jetstream.PubAckFuture, 0, len(adds))
	for _, a := range adds {
		// (choice) No retry of a publish nobody answered: a retry would
		// land after the values published behind it (Append publishes all
		// again only when none was stored).
		f, err := s.js.PublishAsync(s.listSubject(a.List), a.Value, jetstream.WithRetryAttempts(0))
		if err != nil {
			return full, nil, fmt.Errorf("natsstore: appending to %s: %w", s.listSubject(a.List), err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			if isFullList(err) {
				full++
				continue
			}
			errs = append(errs, err)
		case <-ctx.Done():
			return full, nil, fmt.Errorf("natsstore: appending: %w", ctx.Err())
		}
	}
	return full, errs, nil
}

// allNoResponders: every publish found no stream listening (nothing was
// stored).
func allNoResponders(errs []error) bool {
	for _, err := range errs {
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, jetstream.ErrNoStreamResponse) {
			return false
		}
	}
	return true
}

// isFullList: the stream refused a value for a full DropNew list.
func isFullList(err error) bool {
	return err != nil && strings.Contains(err.Error(), "maximum messages per subject exceeded")
}

// oldestDropped counts what the adds will push out of kind's lists with
// drop-oldest bound b: their lengths now plus the adds, beyond b.Max.
func (s *BrokerStore) oldestDropped(ctx context.Context, st jetstream.Stream, kind string, b storage.Bound, counts map[storage.List]int) (int, error) {
	dropped := 0
	for l, n := range counts {
		if l.Kind != kind {
			continue
		}
		have, err := s.length(ctx, st, l)
		if err != nil {
			return 0, err
		}
		dropped += max(0, have+n-b.Max)
	}
	return dropped, nil
}

// length is the number of entries of l.
func (s *BrokerStore) length(ctx context.Context, st jetstream.Stream, l storage.List) (int, error) {
	subj := s.listSubject(l)
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		return 0, fmt.Errorf("natsstore: reading the length of %s: %w", subj, err)
	}
	return int(info.State.Subjects[subj]), nil
}

// Read returns the oldest entries of l, at most max and, beyond the first,
// at most maxBytes value bytes: one "next message of the subject" get per
// entry, answered by the stream's leader.
func (s *BrokerStore) Read(ctx context.Context, l storage.List, max int, maxBytes int64) ([]storage.Entry, error) {
	if err := checkList(l); err != nil {
		return nil, err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	st, err := s.list(ctx, l.Kind, nil)
	if err != nil {
		return nil, err
	}
	subj := s.listSubject(l)
	var out []storage.Entry
	used := int64(0)
	for seq := uint64(1); max <= 0 || len(out) < max; {
		m, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("natsstore: reading %s: %w", subj, err)
		}
		size := int64(len(m.Data))
		if len(out) > 0 && maxBytes > 0 && used+size > maxBytes {
			break
		}
		used += size
		out = append(out, storage.Entry{Seq: m.Sequence, Value: m.Data})
		seq = m.Sequence + 1
	}
	return out, nil
}

// DeleteThrough purges l's entries below seq+1.
func (s *BrokerStore) DeleteThrough(ctx context.Context, l storage.List, seq uint64) error {
	return s.purge(ctx, l, jetstream.WithPurgeSequence(seq+1))
}

// Drop purges l.
func (s *BrokerStore) Drop(ctx context.Context, l storage.List) error {
	return s.purge(ctx, l)
}

func (s *BrokerStore) purge(ctx context.Context, l storage.List, opts ...jetstream.StreamPurgeOpt) error {
	if err := checkList(l); err != nil {
		return err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	st, err := s.list(ctx, l.Kind, nil)
	if err != nil {
		return err
	}
	subj := s.listSubject(l)
	if err := st.Purge(ctx, append(opts, jetstream.WithPurgeSubject(subj))...); err != nil {
		return fmt.Errorf("natsstore: purging %s: %w", subj, err)
	}
	return nil
}

// IDs calls fn with the ID of every non-empty list of kind: the subjects
// the stream holds messages on.
func (s *BrokerStore) IDs(ctx context.Context, kind string, fn func(id string) error) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	st, err := s.list(cctx, kind, nil)
	if err != nil {
		return err
	}
	pfx := s.o.Prefix + ".l." + kind + "._"
	info, err := st.Info(cctx, jetstream.WithSubjectFilter(s.o.Prefix+".l."+kind+".*"))
	if err != nil {
		return fmt.Errorf("natsstore: listing the lists of %s: %w", kind, err)
	}
	var ids []string
	for subj, n := range info.State.Subjects {
		if n == 0 {
			continue
		}
		id, err := decodeKey(strings.TrimPrefix(subj, pfx))
		if err != nil || id == "" {
			continue
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}
