package wsreliable

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// crashHarness is a driver with an in-memory disk: it persists Ready's
// records before acting on it, and can crash before or after doing so.
type crashHarness struct {
	t         *testing.T
	e         *Engine
	now       time.Time
	disk      map[string][]byte
	delivered []uint64
	acked     RangeSet // what the sender has seen acknowledged
}

func (h *crashHarness) restart() {
	e, err := New(Config{InOrder: true})
	if err != nil {
		h.t.Fatal(err)
	}
	e.Tick(h.now)
	var recs []Record
	for _, k := range sortedKeys(h.disk) {
		recs = append(recs, Record{Key: k, Value: h.disk[k]})
	}
	if err := e.Restore(recs); err != nil {
		h.t.Fatal(err)
	}
	h.e = e
}

// step feeds ev; lost says whether the crash comes before persisting,
// replyLost whether the reply is lost on the wire.
func (h *crashHarness) step(ev Event, lost, replyLost bool) {
	if err := h.e.Step(ev); err != nil {
		h.t.Fatal(err)
	}
	for h.e.HasReady() {
		rd := h.e.Ready()
		if lost {
			h.restart()
			return
		}
		for _, r := range rd.Persist {
			if r.Value == nil {
				delete(h.disk, r.Key)
			} else {
				h.disk[r.Key] = r.Value
			}
		}
		for _, d := range rd.Deliver {
			h.delivered = append(h.delivered, d.Number)
		}
		for _, r := range rd.Replies {
			for _, a := range r.Acks {
				if !replyLost {
					h.acked = a.Ranges
				}
			}
		}
		h.e.Advance()
	}
}

// TestEngine_CrashRestartRandom drives one InOrder sequence through random
// sends, duplicates, reorderings, lost replies and crashes (before and
// after persisting): the application must receive every message exactly
// once, in order, and nothing acknowledged may be lost.
func TestEngine_CrashRestartRandom(t *testing.T) {
	const n = 40
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed))
		h := &crashHarness{t: t, now: scriptEpoch, disk: map[string][]byte{}}
		h.restart()
		h.step(CreateSequence{Ref: 1, NewID: "s"}, false, false)
		for i := 0; i < 2000 && h.acked.ContiguousFrom1() < n; i++ {
			num := uint64(rng.IntN(n)) + 1
			if rng.IntN(3) > 0 { // mostly the lowest unacknowledged: a sender's window
				num = min(h.acked.ContiguousFrom1()+1+uint64(rng.IntN(4)), n)
			}
			switch rng.IntN(10) {
			case 0:
				h.step(Message{Ref: 2, Proto: RM, Group: "s", Number: num}, true, false)
			case 1:
				h.step(Message{Ref: 2, Proto: RM, Group: "s", Number: num}, false, true)
				h.restart() // crash after persisting
			default:
				h.step(Message{Ref: 2, Proto: RM, Group: "s", Number: num}, false, rng.IntN(5) == 0)
			}
			checkDelivered(t, seed, h)
		}
		if want := seqOf(n); !slices.Equal(h.delivered, want) {
			t.Fatalf("seed %d: delivered %v, want %v", seed, h.delivered, want)
		}
	}
}

func checkDelivered(t *testing.T, seed uint64, h *crashHarness) {
	t.Helper()
	if !slices.Equal(h.delivered, seqOf(uint64(len(h.delivered)))) {
		t.Fatalf("seed %d: delivered %v: not 1..k in order, once each", seed, h.delivered)
	}
	// Everything acknowledged is delivered or held on disk.
	for _, r := range h.acked {
		for k := r.Lower; k <= r.Upper; k++ {
			if k > uint64(len(h.delivered)) {
				if _, ok := h.disk[heldKey("s", k)]; !ok {
					t.Fatalf("seed %d: message %d acknowledged but neither delivered nor on disk", seed, k)
				}
			}
		}
	}
}

func seqOf(n uint64) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i) + 1
	}
	return out
}

func TestRangeSet_AddMergesAndContains(t *testing.T) {
	var s RangeSet
	for _, n := range []uint64{5, 1, 3, 2, 7, 6, ^uint64(0), ^uint64(0) - 1} {
		s = s.Add(n)
	}
	if got, want := s.String(), "1-3,5-7,18446744073709551614-18446744073709551615"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for n, want := range map[uint64]bool{0: false, 1: true, 4: false, 7: true, 8: false, ^uint64(0): true} {
		if got := s.Contains(n); got != want {
			t.Errorf("Contains(%d): got %v, want %v", n, got, want)
		}
	}
	if got, want := s.Gaps(9, 10), []uint64{4, 8, 9}; !slices.Equal(got, want) {
		t.Errorf("Gaps: got %v, want %v", got, want)
	}
	if got := s.AddRange(Range{2, 6}).String(); got != "1-7,18446744073709551614-18446744073709551615" {
		t.Errorf("AddRange: got %s", got)
	}
}

func TestParseRangeSet_RoundTrips(t *testing.T) {
	for _, in := range []string{"none", "1", "1-3,5", "0,2-9"} {
		s, ok := ParseRangeSet(in)
		if !ok || s.String() != in {
			t.Errorf("ParseRangeSet(%q): got %v %v", in, s, ok)
		}
	}
	for _, bad := range []string{"x", "3-1", "1-", "-1"} {
		if _, ok := ParseRangeSet(bad); ok {
			t.Errorf("ParseRangeSet(%q): got ok, want refusal", bad)
		}
	}
}

func TestParseDuration_XSDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT1H": time.Hour, "PT0.5S": 500 * time.Millisecond, "P1D": 24 * time.Hour,
		"P1DT2H3M4S": 26*time.Hour + 3*time.Minute + 4*time.Second, "-PT1M": -time.Minute,
	} {
		if got, ok := parseDuration(in); !ok || got != want {
			t.Errorf("parseDuration(%q): got %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "1H", "PT1.5M", "P1H", "PTxS", "P99999999999999999999Y"} {
		if _, ok := parseDuration(bad); ok {
			t.Errorf("parseDuration(%q): got ok, want refusal", bad)
		}
	}
}

func TestConfig_ValidateReportsEveryField(t *testing.T) {
	err := Config{IdleTimeout: -1, MaxHeld: -1, Assurance: 9, RetransmitBase: time.Minute, RetransmitMax: time.Second}.Validate()
	var got []string
	for _, e := range fielderr.All(err) {
		got = append(got, e.Field())
	}
	if want := []string{"Assurance", "IdleTimeout", "MaxHeld", "RetransmitBase"}; !slices.Equal(got, want) {
		t.Errorf("got fields %q, want %q (%v)", got, want, err)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero Config: got %v, want nil", err)
	}
}

func TestEngine_StepUnknownEvent(t *testing.T) {
	e, _ := New(Config{})
	if err := e.Step(nil); err == nil {
		t.Error("got nil, want an error for an unknown event")
	}
}
