package interview

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ClockTime is a local time of day, such as 07:30.
type ClockTime struct{ Hour, Minute int }

func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

var clockPattern = regexp.MustCompile(`^\s*(\d{1,2})\s*[:.h]\s*(\d{2})\s*$`)

// ParseClockTime reads a time of day typed as "7:30", "07:30", "07.30" or
// "7h30", in Latin, Persian or Arabic digits.
func ParseClockTime(s string) (ClockTime, error) {
	m := clockPattern.FindStringSubmatch(latinDigits(s))
	if m == nil {
		return ClockTime{}, fmt.Errorf("%q is not a time of day like 07:30", s)
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	if h > 23 || min > 59 {
		return ClockTime{}, fmt.Errorf("%q is not a time of day like 07:30", s)
	}
	return ClockTime{h, min}, nil
}

// latinDigits turns Persian (۰–۹) and Arabic (٠–٩) digits into 0–9.
func latinDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '۰' && r <= '۹':
			return '0' + r - '۰'
		case r >= '٠' && r <= '٩':
			return '0' + r - '٠'
		}
		return r
	}, s)
}

var offsetPattern = regexp.MustCompile(`^(?i:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:\s*:?\s*(\d{2}))?$`)

// ParseZone reads a time zone typed as an IANA name ("Europe/Oslo",
// "asia/tehran") or as an offset from UTC ("UTC+3:30", "GMT-5", "+0330",
// "UTC"). Offsets make fixed zones, without daylight saving time.
func ParseZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(latinDigits(s))
	switch strings.ToUpper(s) {
	case "":
		return nil, fmt.Errorf("no time zone given")
	case "UTC", "GMT", "Z":
		return time.UTC, nil
	}
	if m := offsetPattern.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[2])
		min := 0
		if m[3] != "" {
			min, _ = strconv.Atoi(m[3])
		}
		if h > 14 || min > 59 || h == 14 && min > 0 {
			return nil, fmt.Errorf("%q is not an offset from UTC between -14:00 and +14:00", s)
		}
		secs := h*3600 + min*60
		if m[1] == "-" {
			secs = -secs
		}
		return time.FixedZone(fmt.Sprintf("UTC%s%02d:%02d", m[1], h, min), secs), nil
	}
	if strings.Contains(s, "/") && !strings.Contains(s, "..") {
		if loc, err := loadZone(canonicalZone(s)); err == nil {
			return loc, nil
		}
	}
	return nil, fmt.Errorf("%q is not a time zone: use a name like Europe/Oslo or an offset like UTC+3:30", s)
}

// zones holds the IANA zones loaded so far: time.LoadLocation reads and
// parses the zone file on every call, and a zone is parsed again for every
// delivery and every time picker.
var zones sync.Map // name → *time.Location

func loadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// canonicalZone capitalises an IANA name typed in any case:
// "europe/oslo" → "Europe/Oslo", "america/new_york" → "America/New_York".
func canonicalZone(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		words := strings.Split(strings.ToLower(p), "_")
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	return strings.Join(parts, "/")
}

// NextDelivery returns the first instant after after at which the local
// clock in loc shows at, on a day when it shows it. On a day when at does
// not exist (the clock jumps over it when daylight saving time starts, in
// some zones at midnight) it is the first minute after the jump; on a day
// when at happens twice (the clock goes back) it is the first of the two.
func NextDelivery(after time.Time, at ClockTime, loc *time.Location) time.Time {
	y, m, d := after.In(loc).Date()
	for day := 0; day < 3; day++ {
		// Step through calendar dates, not local clocks, which can skip a date's start.
		dy, dm, dd := time.Date(y, m, d+day, 12, 0, 0, 0, time.UTC).Date()
		if t := onDay(dy, dm, dd, at, loc); t.After(after) {
			return t
		}
	}
	panic("unreachable: a local time of day occurs within three days") // every zone has a day within three
}

// onDay returns the first instant of the local date y-m-d whose clock is at
// or past at.
func onDay(y int, m time.Month, d int, at ClockTime, loc *time.Location) time.Time {
	t := time.Date(y, m, d, at.Hour, at.Minute, 0, 0, loc)
	if sameClock(t.In(loc), y, m, d, at) {
		// The time exists. If the clock went back earlier that day over
		// it, it happened before too: return the first time.
		if start, _ := t.ZoneBounds(); !start.IsZero() {
			_, before := start.Add(-time.Second).In(loc).Zone()
			_, now := t.Zone()
			if before > now {
				if twin := t.Add(-time.Duration(before-now) * time.Second); twin.Before(start) && sameClock(twin.In(loc), y, m, d, at) {
					return twin
				}
			}
		}
		return t
	}
	// at falls in a gap: walk from before the date's start (which may not
	// exist either) to the first minute of the date at or past at.
	u := time.Date(y, m, d, 0, 0, 0, 0, loc).Add(-3 * time.Hour).Truncate(time.Minute)
	for {
		lt := u.In(loc)
		ly, lm, ld := lt.Date()
		switch c := compareDates(ly, lm, ld, y, m, d); {
		case c > 0:
			return u // the date ended first (cannot happen: a gap is shorter than a day)
		case c == 0 && lt.Hour()*60+lt.Minute() >= at.Hour*60+at.Minute:
			return u
		}
		u = u.Add(time.Minute)
	}
}

func compareDates(y1 int, m1 time.Month, d1 int, y2 int, m2 time.Month, d2 int) int {
	return time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC).Compare(time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC))
}

func sameClock(t time.Time, y int, m time.Month, d int, at ClockTime) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d && t.Hour() == at.Hour && t.Minute() == at.Minute
}

// LocalDate is the date of t in loc, as "2006-01-02": the key under which a
// day's delivery is recorded, so that there is at most one per local day.
func LocalDate(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }
