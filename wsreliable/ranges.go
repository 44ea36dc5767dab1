package wsreliable

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Range is an inclusive range of message numbers [Lower, Upper]: a WS-RM 1.2
// AcknowledgementRange (3.9), a WS-Reliability 1.1 ReplyRange or
// SequenceNumRange (from, to).
type Range struct {
	Lower, Upper uint64
}

func (r Range) String() string {
	if r.Lower == r.Upper {
		return strconv.FormatUint(r.Lower, 10)
	}
	return strconv.FormatUint(r.Lower, 10) + "-" + strconv.FormatUint(r.Upper, 10)
}

// RangeSet is a set of message numbers kept as sorted, disjoint,
// non-adjacent ranges. Its size is bounded by the number of gaps, not by
// the number of messages. The zero value is empty.
type RangeSet []Range

// Contains reports whether n is in s.
func (s RangeSet) Contains(n uint64) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].Upper >= n })
	return i < len(s) && s[i].Lower <= n
}

// Add returns s with n added.
func (s RangeSet) Add(n uint64) RangeSet {
	return s.AddRange(Range{n, n})
}

// AddRange returns s with every number of r added.
func (s RangeSet) AddRange(r Range) RangeSet {
	if r.Lower > r.Upper {
		return s
	}
	out := make(RangeSet, 0, len(s)+1)
	i := 0
	for ; i < len(s) && s[i].Upper != ^uint64(0) && s[i].Upper+1 < r.Lower; i++ {
		out = append(out, s[i])
	}
	for ; i < len(s) && (r.Upper == ^uint64(0) || s[i].Lower <= r.Upper+1); i++ {
		r.Lower = min(r.Lower, s[i].Lower)
		r.Upper = max(r.Upper, s[i].Upper)
	}
	out = append(out, r)
	return append(out, s[i:]...)
}

// NewRangeSet returns the set of every number in ranges (any order,
// overlapping or not; a range with Lower > Upper is empty), in O(n log n):
// adding n ranges one by one with AddRange copies the set each time, which
// a peer sending thousands of ranges would turn into quadratic work.
func NewRangeSet(ranges ...Range) RangeSet {
	rs := make(RangeSet, 0, len(ranges))
	for _, r := range ranges {
		if r.Lower <= r.Upper {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b Range) int { return cmp.Compare(a.Lower, b.Lower) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && (out[n-1].Upper == ^uint64(0) || r.Lower <= out[n-1].Upper+1) {
			out[n-1].Upper = max(out[n-1].Upper, r.Upper)
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Union returns the numbers in s or t, in O(len(s)+len(t)) plus sorting.
func (s RangeSet) Union(t RangeSet) RangeSet {
	return NewRangeSet(append(slices.Clone(s), t...)...)
}

// Intersect returns the numbers in both s and t, in O(len(s)+len(t)).
func (s RangeSet) Intersect(t RangeSet) RangeSet {
	var out RangeSet
	for i, j := 0, 0; i < len(s) && j < len(t); {
		lo, hi := max(s[i].Lower, t[j].Lower), min(s[i].Upper, t[j].Upper)
		if lo <= hi {
			out = append(out, Range{lo, hi})
		}
		if s[i].Upper < t[j].Upper {
			i++
		} else {
			j++
		}
	}
	return out
}

// Subtract returns the numbers in s and not in t, in O(len(s)+len(t)).
func (s RangeSet) Subtract(t RangeSet) RangeSet {
	var out RangeSet
	j := 0
	for _, r := range s {
		for j < len(t) && t[j].Upper < r.Lower {
			j++
		}
		lo, covered := r.Lower, false
		for k := j; k < len(t) && t[k].Lower <= r.Upper; k++ {
			if t[k].Lower > lo {
				out = append(out, Range{lo, t[k].Lower - 1})
			}
			if t[k].Upper >= r.Upper {
				covered = true
				break
			}
			lo = t[k].Upper + 1
		}
		if !covered {
			out = append(out, Range{lo, r.Upper})
		}
	}
	return out
}

// Max returns the highest number in s, 0 when s is empty.
func (s RangeSet) Max() uint64 {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1].Upper
}

// ContiguousFrom1 returns the highest n such that 1..n are all in s (0 if
// 1 is not in s).
func (s RangeSet) ContiguousFrom1() uint64 {
	if len(s) == 0 || s[0].Lower > 1 {
		return 0
	}
	return s[0].Upper
}

// Gaps returns the numbers in 1..upTo missing from s, at most limit of them.
func (s RangeSet) Gaps(upTo uint64, limit int) []uint64 {
	var out []uint64
	next := uint64(1)
	for _, r := range s {
		for ; next < r.Lower && next <= upTo && len(out) < limit; next++ {
			out = append(out, next)
		}
		next = max(next, r.Upper+1)
	}
	for ; next <= upTo && len(out) < limit; next++ {
		out = append(out, next)
	}
	return out
}

func (s RangeSet) String() string {
	if len(s) == 0 {
		return "none"
	}
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// ParseRangeSet reads the String form ("1-3,5"; "none" or "" for empty).
func ParseRangeSet(text string) (RangeSet, bool) {
	var s RangeSet
	if text == "" || text == "none" {
		return s, true
	}
	for _, p := range strings.Split(text, ",") {
		lo, hi, found := strings.Cut(p, "-")
		a, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, false
		}
		b := a
		if found {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
				return nil, false
			}
		}
		s = s.AddRange(Range{a, b})
	}
	return s, true
}
