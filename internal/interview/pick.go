package interview

import (
	"cmp"
	"slices"
	"time"

	"github.com/interviewbot/interviewbot/internal/bank"
	"github.com/interviewbot/interviewbot/internal/review"
)

// dailyScheduler is FSRS with its default parameters but without the
// learning steps of minutes: a question reviewed at most once a day goes
// straight to its interval in days (Again and Hard: 1 day, Good: 2, Easy:
// 8), instead of being due again ten minutes later — which would make every
// question seen yesterday "due" today.
func dailyScheduler() *review.Scheduler {
	s := review.NewScheduler()
	s.LearningSteps, s.RelearningSteps = nil, nil
	return s
}

// cards replays a review log (oldest first) through the FSRS scheduler and
// returns each reviewed question's memory state.
func cards(s *review.Scheduler, log []Review) map[string]review.Card {
	out := map[string]review.Card{}
	for _, r := range log {
		c, ok := out[r.QuestionID]
		if !ok {
			c = review.NewCard(r.At)
		}
		out[r.QuestionID] = s.Review(c, review.Rating(r.Grade), r.At)
	}
	return out
}

// pickDaily chooses the daily question from the tracks: the due
// repetition with the lowest predicted recall first, then a question never
// reviewed (in shuffled order), then the reviewed question with the lowest
// predicted recall. It never picks a question in exclude (answered today)
// nor last (the previous daily question), unless nothing else is left. It
// returns nil only when the tracks have no questions.
func pickDaily(b *bank.Bank, tracks []string, log []Review, exclude map[string]bool, last string, now time.Time, shuffle func(n int, swap func(i, j int))) *bank.Question {
	var pool []*bank.Question
	seen := map[string]bool{}
	for _, id := range tracks {
		t := b.Track(id)
		if t == nil {
			continue
		}
		for _, q := range t.Questions {
			if !seen[q.ID] {
				seen[q.ID] = true
				pool = append(pool, q)
			}
		}
	}
	if len(pool) == 0 {
		return nil
	}
	candidates := slices.DeleteFunc(slices.Clone(pool), func(q *bank.Question) bool { return exclude[q.ID] || q.ID == last })
	if len(candidates) == 0 {
		candidates = slices.DeleteFunc(slices.Clone(pool), func(q *bank.Question) bool { return q.ID == last })
	}
	if len(candidates) == 0 {
		candidates = pool
	}
	shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })

	s := dailyScheduler()
	state := cards(s, log)
	byWeakness := weakness(s, state, now)
	var due, fresh, later []*bank.Question
	for _, q := range candidates {
		c, reviewed := state[q.ID]
		switch {
		case !reviewed:
			fresh = append(fresh, q)
		case !c.Due.After(now):
			due = append(due, q)
		default:
			later = append(later, q)
		}
	}
	if len(due) > 0 {
		return slices.MinFunc(due, byWeakness)
	}
	if len(fresh) > 0 {
		return fresh[0]
	}
	return slices.MinFunc(later, byWeakness)
}

// weakness compares reviewed questions: the lower predicted recall at now
// first, then the one due sooner (recall is predicted in whole days, so
// reviews of one day tie on it).
func weakness(s *review.Scheduler, state map[string]review.Card, now time.Time) func(a, b *bank.Question) int {
	return func(a, b *bank.Question) int {
		ca, cb := state[a.ID], state[b.ID]
		return cmp.Or(cmp.Compare(s.Retrievability(ca, now), s.Retrievability(cb, now)), ca.Due.Compare(cb.Due))
	}
}

// weakestFirst orders qs in place for a mock interview: questions never
// reviewed first, in their given order, then the reviewed ones weakest first.
func weakestFirst(qs []*bank.Question, log []Review, now time.Time) {
	s := dailyScheduler()
	state := cards(s, log)
	byWeakness := weakness(s, state, now)
	slices.SortStableFunc(qs, func(a, b *bank.Question) int {
		_, ra := state[a.ID]
		_, rb := state[b.ID]
		switch {
		case !ra && !rb:
			return 0
		case !ra:
			return -1
		case !rb:
			return 1
		}
		return byWeakness(a, b)
	})
}

// streakMilestones are the streak lengths that are celebrated.
var streakMilestones = []int{3, 7, 14, 30, 50, 100, 200, 365, 500, 1000}

// streak counts the days in a row, ending today or (when today is not
// answered yet) yesterday, whose daily question was answered. days are
// local dates ("2006-01-02"), newest first.
func streak(days []string, today string) int {
	t, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return 0
	}
	n := 0
	want := t
	for i, d := range days {
		day, err := time.Parse(time.DateOnly, d)
		if err != nil {
			break
		}
		if i == 0 && day.Equal(t.AddDate(0, 0, -1)) {
			want = day // today is not answered yet: the streak still stands
		}
		if !day.Equal(want) {
			break
		}
		n++
		want = want.AddDate(0, 0, -1)
	}
	return n
}
