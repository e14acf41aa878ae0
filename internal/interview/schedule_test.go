package interview_test

import (
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/interview"
)

func TestParseClockTime(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"7:30": "07:30", "07:30": "07:30", "07.05": "07:05", "23:59": "23:59", "0:00": "00:00", " 9h15 ": "09:15", "۰۷:۳۰": "07:30", "٠٨:٠٠": "08:00"} {
		got, err := interview.ParseClockTime(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseClockTime(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "24:00", "7:60", "seven", "730", "7:5", "-1:00", "12:00pm"} {
		if got, err := interview.ParseClockTime(in); err == nil {
			t.Errorf("ParseClockTime(%q) = %v, want an error", in, got)
		}
	}
}

func TestParseZone(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"Europe/Oslo": "14:00", "europe/oslo": "14:00", "Asia/Tehran": "15:30", "asia/tehran": "15:30",
		"Europe/Moscow": "15:00", "America/New_York": "08:00", "america/new_york": "08:00",
		"UTC": "12:00", "gmt": "12:00", "UTC+3:30": "15:30", "utc+03:30": "15:30", "GMT-5": "07:00",
		"+0530": "17:30", "UTC+14": "02:00", "UTC-12": "00:00", "UTC+۳:۳۰": "15:30",
	} {
		loc, err := interview.ParseZone(in)
		if err != nil {
			t.Errorf("ParseZone(%q): %v", in, err)
			continue
		}
		if got := at.In(loc).Format("15:04"); got != want {
			t.Errorf("noon UTC in %q is %s, want %s", in, got, want)
		}
	}
	for _, in := range []string{"", "Oslo", "Europe/Atlantis", "UTC+15", "UTC+3:75", "../etc/passwd", "Europe/../../x", "+-3"} {
		if loc, err := interview.ParseZone(in); err == nil {
			t.Errorf("ParseZone(%q) = %v, want an error", in, loc)
		}
	}
}

// TestNextDeliveryDaylightSaving walks simulated days across the 2026
// changes in Europe/Oslo, and through Asia/Tehran and Europe/Moscow (no
// daylight saving time): exactly one delivery per local day, at the chosen
// time, the next valid minute when it does not exist, once when it repeats.
func TestNextDeliveryDaylightSaving(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone  string
		at    string
		start time.Time // in UTC
		want  []string  // local times of the deliveries, one per day
	}{
		{"Europe/Oslo", "02:30", time.Date(2026, 3, 26, 12, 0, 0, 0, time.UTC), []string{
			"2026-03-27 02:30 CET", "2026-03-28 02:30 CET",
			"2026-03-29 03:00 CEST", // 02:30 does not exist: the clock jumps from 02:00 to 03:00
			"2026-03-30 02:30 CEST", "2026-03-31 02:30 CEST", "2026-04-01 02:30 CEST", "2026-04-02 02:30 CEST",
		}},
		{"Europe/Oslo", "02:30", time.Date(2026, 10, 22, 12, 0, 0, 0, time.UTC), []string{
			"2026-10-23 02:30 CEST", "2026-10-24 02:30 CEST",
			"2026-10-25 02:30 CEST", // 02:30 happens twice: the first one, once
			"2026-10-26 02:30 CET", "2026-10-27 02:30 CET", "2026-10-28 02:30 CET", "2026-10-29 02:30 CET",
		}},
		{"Europe/Oslo", "09:00", time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC), []string{
			"2026-03-28 09:00 CET", "2026-03-29 09:00 CEST", "2026-03-30 09:00 CEST", "2026-03-31 09:00 CEST",
			"2026-04-01 09:00 CEST", "2026-04-02 09:00 CEST", "2026-04-03 09:00 CEST",
		}},
		{"Asia/Tehran", "08:00", time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC), []string{
			"2026-03-18 08:00 +0330", "2026-03-19 08:00 +0330", "2026-03-20 08:00 +0330", "2026-03-21 08:00 +0330",
			"2026-03-22 08:00 +0330", "2026-03-23 08:00 +0330", "2026-03-24 08:00 +0330",
		}},
		{"Europe/Moscow", "23:59", time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), []string{
			"2026-10-24 23:59 MSK", "2026-10-25 23:59 MSK", "2026-10-26 23:59 MSK", "2026-10-27 23:59 MSK",
			"2026-10-28 23:59 MSK", "2026-10-29 23:59 MSK", "2026-10-30 23:59 MSK",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.at+" "+tt.start.Format("01-02"), func(t *testing.T) {
			t.Parallel()
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			at, _ := interview.ParseClockTime(tt.at)
			next := tt.start
			days := map[string]bool{}
			for i, want := range tt.want {
				next = interview.NextDelivery(next, at, loc)
				if got := next.In(loc).Format("2006-01-02 15:04 MST"); got != want {
					t.Errorf("delivery %d = %s, want %s", i+1, got, want)
				}
				day := interview.LocalDate(next, loc)
				if days[day] {
					t.Errorf("two deliveries on %s", day)
				}
				days[day] = true
			}
		})
	}
}

func TestNextDeliveryIsStrictlyLater(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Europe/Oslo")
	at := interview.ClockTime{Hour: 7, Minute: 30}
	exact := time.Date(2026, 5, 4, 7, 30, 0, 0, loc)
	if got := interview.NextDelivery(exact, at, loc); !got.Equal(exact.AddDate(0, 0, 1)) {
		t.Errorf("NextDelivery at the delivery time = %v, want the next day", got)
	}
	if got := interview.NextDelivery(exact.Add(-time.Second), at, loc); !got.Equal(exact) {
		t.Errorf("NextDelivery a second before = %v, want %v", got, exact)
	}
}
