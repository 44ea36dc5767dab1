package wsnotify

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// parseTermination reads an AbsoluteOrRelativeTimeType value (b-2.xsd: the
// union of xsd:dateTime and xsd:duration; WS-BaseNotification 1.3, 4.2
// InitialTerminationTime, 6.1 Renew) relative to now. A dateTime without a
// time zone is taken as UTC.
func parseTermination(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty termination time")
	}
	if strings.HasPrefix(s, "P") || strings.HasPrefix(s, "-P") {
		return addDuration(now, s)
	}
	return parseDateTime(s)
}

func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not an xsd:dateTime or xsd:duration: " + truncate(s, 64))
}

// addDuration adds the xsd:duration s (PnYnMnDTnHnMnS, optionally negative)
// to t, calendar fields by calendar arithmetic.
func addDuration(t time.Time, s string) (time.Time, error) {
	bad := errors.New("not an xsd:duration: " + truncate(s, 64))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "P")
	datePart, timePart, hasT := strings.Cut(s, "T")
	if s == "" || hasT && timePart == "" {
		return time.Time{}, bad
	}
	sign := 1
	if neg {
		sign = -1
	}
	var y, mo, d int
	var dur time.Duration
	if err := scanFields(datePart, "YMD", func(unit byte, v float64) bool {
		if v != float64(int(v)) {
			return false
		}
		switch unit {
		case 'Y':
			y = int(v)
		case 'M':
			mo = int(v)
		case 'D':
			d = int(v)
		}
		return true
	}); err != nil {
		return time.Time{}, bad
	}
	if err := scanFields(timePart, "HMS", func(unit byte, v float64) bool {
		switch unit {
		case 'H':
			dur += time.Duration(v * float64(time.Hour))
		case 'M':
			dur += time.Duration(v * float64(time.Minute))
		case 'S':
			dur += time.Duration(v * float64(time.Second))
		}
		return unit == 'S' || v == float64(int64(v))
	}); err != nil {
		return time.Time{}, bad
	}
	return t.AddDate(sign*y, sign*mo, sign*d).Add(time.Duration(sign) * dur), nil
}

// scanFields reads "nXnYnZ" with units in order from units.
func scanFields(s, units string, set func(unit byte, v float64) bool) error {
	next := 0
	for s != "" {
		i := strings.IndexAny(s, units)
		if i <= 0 {
			return errors.New("bad field")
		}
		u := strings.IndexByte(units[next:], s[i])
		if u < 0 {
			return errors.New("unit out of order")
		}
		next += u + 1
		v, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || v < 0 || strings.ContainsAny(s[:i], "eE+-") || !set(s[i], v) {
			return errors.New("bad number")
		}
		s = s[i+1:]
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
