package direct

import "strconv"

// Range is the sequence numbers From..To, both included.
type Range struct{ From, To uint64 }

// Len is the number of sequence numbers in r.
func (r Range) Len() uint64 { return r.To - r.From + 1 }

func (r Range) String() string {
	if r.From == r.To {
		return strconv.FormatUint(r.From, 10)
	}
	return strconv.FormatUint(r.From, 10) + "-" + strconv.FormatUint(r.To, 10)
}

// toRanges turns ascending sequence numbers into ranges.
func toRanges(seqs []uint64) []Range {
	var out []Range
	for _, s := range seqs {
		if n := len(out); n > 0 && out[n-1].To+1 == s {
			out[n-1].To = s
			continue
		}
		out = append(out, Range{s, s})
	}
	return out
}
