package review

import (
	"math"
	"slices"
	"testing"
	"time"
)

// The reference values below are the ones published with the reference
// implementation's tests (open-spaced-repetition/py-fsrs, tests/test_basic.py).

func TestFSRSIntervalHistory(t *testing.T) {
	t.Parallel()
	s := NewScheduler()
	now := time.Date(2022, 11, 29, 12, 30, 0, 0, time.UTC)
	c := NewCard(now)
	var ivls []int
	for _, r := range []Rating{Good, Good, Good, Good, Good, Good, Again, Again, Good, Good, Good, Good, Good} {
		c = s.Review(c, r, now)
		ivls = append(ivls, days(c.LastReview, c.Due))
		now = c.Due
	}
	t.Logf("intervals %v", ivls)
	if want := []int{0, 2, 11, 46, 163, 497, 0, 0, 2, 4, 7, 12, 20}; !slices.Equal(ivls, want) {
		t.Errorf("intervals = %v, want %v", ivls, want)
	}
}

func TestFSRSMemoryState(t *testing.T) {
	t.Parallel()
	s := NewScheduler()
	now := time.Date(2022, 11, 29, 12, 30, 0, 0, time.UTC)
	c := NewCard(now)
	ivls := []int{0, 0, 1, 3, 8, 21}
	for i, r := range []Rating{Again, Good, Good, Good, Good, Good} {
		now = now.AddDate(0, 0, ivls[i])
		c = s.Review(c, r, now)
	}
	c = s.Review(c, Good, now)
	round4 := func(x float64) float64 { return math.Round(x*1e4) / 1e4 }
	t.Logf("stability %v difficulty %v", c.Stability, c.Difficulty)
	if round4(c.Stability) != 53.3825 || round4(c.Difficulty) != 6.3809 {
		t.Errorf("stability %.4f, difficulty %.4f; want 53.3825, 6.3809", c.Stability, c.Difficulty)
	}
}

func TestFSRSRepeatedEasy(t *testing.T) {
	t.Parallel()
	s := NewScheduler()
	now := time.Date(2022, 11, 29, 12, 30, 0, 0, time.UTC)
	c := NewCard(now)
	for i := range 10 {
		c = s.Review(c, Easy, now.Add(time.Duration(i)*time.Microsecond))
	}
	if c.Difficulty != 1.0 {
		t.Errorf("difficulty = %v, want 1.0", c.Difficulty)
	}
}
