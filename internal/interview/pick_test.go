package interview

import (
	"os"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/bank"
)

func demoBank(t *testing.T) *bank.Bank {
	t.Helper()
	b, probs := bank.Load(os.DirFS("testdata"), "testdata")
	if b == nil {
		t.Fatal(probs)
	}
	return b
}

func noShuffle(int, func(int, int)) {}

func TestPickDaily(t *testing.T) {
	t.Parallel()
	b := demoBank(t) // demo-cache, demo-scale, demo-queue, in this order
	day := func(n int) time.Time { return time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC).AddDate(0, 0, n) }
	now := day(30)
	tests := []struct {
		name    string
		log     []Review
		exclude []string
		last    string
		want    string
	}{
		{name: "nothing reviewed: the first new question", want: "demo-cache"},
		{name: "new questions before ones not yet due",
			log:  []Review{{QuestionID: "demo-cache", Grade: Easy, At: day(29)}},
			want: "demo-scale"},
		{name: "a due repetition before new questions",
			log:  []Review{{QuestionID: "demo-queue", Grade: Again, At: day(1)}},
			want: "demo-queue"},
		{name: "of two due repetitions, the one with the lower predicted recall",
			log: []Review{
				{QuestionID: "demo-cache", Grade: Good, At: day(0)}, {QuestionID: "demo-cache", Grade: Good, At: day(3)},
				{QuestionID: "demo-queue", Grade: Again, At: day(0)}, {QuestionID: "demo-queue", Grade: Hard, At: day(2)},
			},
			want: "demo-queue"},
		{name: "never the question answered today",
			log:     []Review{{QuestionID: "demo-queue", Grade: Again, At: day(1)}},
			exclude: []string{"demo-queue"},
			want:    "demo-cache"},
		{name: "never the previous daily question",
			log:  []Review{{QuestionID: "demo-queue", Grade: Again, At: day(1)}},
			last: "demo-queue",
			want: "demo-cache"},
		{name: "all reviewed, none due: the lowest predicted recall",
			log: []Review{
				{QuestionID: "demo-cache", Grade: Easy, At: day(29)},
				{QuestionID: "demo-scale", Grade: Good, At: day(25)},
				{QuestionID: "demo-queue", Grade: Easy, At: day(28)},
			},
			want: "demo-scale"},
		{name: "everything excluded: anything but the previous one",
			exclude: []string{"demo-cache", "demo-scale", "demo-queue"},
			last:    "demo-cache",
			want:    "demo-scale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exclude := map[string]bool{}
			for _, id := range tt.exclude {
				exclude[id] = true
			}
			q := pickDaily(b, []string{"demo"}, tt.log, exclude, tt.last, now, noShuffle)
			if q == nil || q.ID != tt.want {
				t.Errorf("picked %v, want %s", q, tt.want)
			}
		})
	}
	if q := pickDaily(b, []string{"gone"}, nil, nil, "", now, noShuffle); q != nil {
		t.Errorf("a track that is not in the bank gave %s", q.ID)
	}
}

func TestStreak(t *testing.T) {
	t.Parallel()
	tests := []struct {
		days  []string
		today string
		want  int
	}{
		{nil, "2026-03-10", 0},
		{[]string{"2026-03-10"}, "2026-03-10", 1},
		{[]string{"2026-03-10", "2026-03-09", "2026-03-08", "2026-03-06"}, "2026-03-10", 3},
		{[]string{"2026-03-09", "2026-03-08"}, "2026-03-10", 2}, // today not answered yet
		{[]string{"2026-03-08", "2026-03-07"}, "2026-03-10", 0}, // yesterday missed
		// Across the change to summer time, dates still count one a day.
		{[]string{"2026-03-30", "2026-03-29", "2026-03-28"}, "2026-03-30", 3},
		{[]string{"2026-01-01", "2025-12-31"}, "2026-01-01", 2},
	}
	for _, tt := range tests {
		if got := streak(tt.days, tt.today); got != tt.want {
			t.Errorf("streak(%v, %s) = %d, want %d", tt.days, tt.today, got, tt.want)
		}
	}
}
