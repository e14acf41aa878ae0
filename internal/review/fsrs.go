package review

import (
	"math"
	"time"
)

// This file is the FSRS-6 scheduler (Free Spaced Repetition Scheduler),
// written from the published formulas and default parameters of the
// reference implementation, open-spaced-repetition/py-fsrs, whose Go port is
// not served by the Go module proxy, and checked against the values
// published with its tests (fsrs_test.go). Fuzzing of intervals is left out.
// The daily question (a later change) is to derive cards from the review log.

// Rating is a self-grade: Again, Hard, Good or Easy.
type Rating int

// The four ratings.
const (
	Again Rating = 1
	Hard  Rating = 2
	Good  Rating = 3
	Easy  Rating = 4
)

// State is where a card is in its life.
type State int

// Card states.
const (
	Learning   State = 1
	Review     State = 2
	Relearning State = 3
)

// DefaultParameters are FSRS-6's default model weights.
var DefaultParameters = [21]float64{
	0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
	1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
}

const (
	minStability  = 0.001
	minDifficulty = 1.0
	maxDifficulty = 10.0
)

// Card is the memory state of one question for one person.
type Card struct {
	State      State
	Step       int     // learning or relearning step
	Stability  float64 // days until recall probability falls to 90%; 0 before the first review
	Difficulty float64 // 1 (easy) to 10 (hard); 0 before the first review
	Due        time.Time
	LastReview time.Time // zero before the first review
}

// NewCard returns a card that was never reviewed, due now.
func NewCard(now time.Time) Card { return Card{State: Learning, Due: now} }

// Scheduler computes the next memory state and due time of a card.
type Scheduler struct {
	Parameters       [21]float64
	DesiredRetention float64         // the recall probability to schedule for, e.g. 0.9
	LearningSteps    []time.Duration // short steps for new cards (the reference uses 1 and 10 minutes)
	RelearningSteps  []time.Duration // short steps after a lapse (the reference uses 10 minutes)
	MaximumInterval  int             // days
}

// NewScheduler returns the reference implementation's default scheduler.
func NewScheduler() *Scheduler {
	return &Scheduler{
		Parameters:       DefaultParameters,
		DesiredRetention: 0.9,
		LearningSteps:    []time.Duration{time.Minute, 10 * time.Minute},
		RelearningSteps:  []time.Duration{10 * time.Minute},
		MaximumInterval:  36500,
	}
}

func (s *Scheduler) decay() float64  { return -s.Parameters[20] }
func (s *Scheduler) factor() float64 { return math.Pow(0.9, 1/s.decay()) - 1 }

// days is the number of whole days from a to b, as Python's timedelta.days
// counts them (rounding down).
func days(a, b time.Time) int { return int(math.Floor(b.Sub(a).Hours() / 24)) }

// Retrievability is the predicted probability that the card is recalled at now.
func (s *Scheduler) Retrievability(c Card, now time.Time) float64 {
	if c.LastReview.IsZero() {
		return 0
	}
	elapsed := float64(max(0, days(c.LastReview, now)))
	return math.Pow(1+s.factor()*elapsed/c.Stability, s.decay())
}

// Review returns the card after a review with rating at now.
func (s *Scheduler) Review(c Card, r Rating, now time.Time) Card {
	sinceLast := -1
	if !c.LastReview.IsZero() {
		sinceLast = days(c.LastReview, now)
	}
	sameDay := sinceLast >= 0 && sinceLast < 1
	var next time.Duration
	switch c.State {
	case Learning, Relearning:
		steps := s.LearningSteps
		if c.State == Relearning {
			steps = s.RelearningSteps
		}
		switch {
		case c.Stability == 0:
			c.Stability, c.Difficulty = s.initialStability(r), clampDifficulty(s.initialDifficulty(r))
		case sameDay:
			c.Stability, c.Difficulty = s.shortTermStability(c.Stability, r), s.nextDifficulty(c.Difficulty, r)
		default:
			c.Stability = s.nextStability(c.Difficulty, c.Stability, s.Retrievability(c, now), r)
			c.Difficulty = s.nextDifficulty(c.Difficulty, r)
		}
		if len(steps) == 0 || c.Step >= len(steps) && r != Again {
			c.State, c.Step = Review, 0
			next = s.interval(c.Stability)
			break
		}
		switch r {
		case Again:
			c.Step = 0
			next = steps[0]
		case Hard:
			switch {
			case c.Step == 0 && len(steps) == 1:
				next = steps[0] * 3 / 2
			case c.Step == 0:
				next = (steps[0] + steps[1]) / 2
			default:
				next = steps[c.Step]
			}
		case Good:
			if c.Step+1 == len(steps) {
				c.State, c.Step = Review, 0
				next = s.interval(c.Stability)
			} else {
				c.Step++
				next = steps[c.Step]
			}
		case Easy:
			c.State, c.Step = Review, 0
			next = s.interval(c.Stability)
		}
	case Review:
		if sameDay {
			c.Stability = s.shortTermStability(c.Stability, r)
		} else {
			c.Stability = s.nextStability(c.Difficulty, c.Stability, s.Retrievability(c, now), r)
		}
		c.Difficulty = s.nextDifficulty(c.Difficulty, r)
		if r == Again && len(s.RelearningSteps) > 0 {
			c.State, c.Step = Relearning, 0
			next = s.RelearningSteps[0]
		} else {
			next = s.interval(c.Stability)
		}
	}
	c.Due, c.LastReview = now.Add(next), now
	return c
}

// interval is the next interval in whole days for a stability.
func (s *Scheduler) interval(stability float64) time.Duration {
	ivl := stability / s.factor() * (math.Pow(s.DesiredRetention, 1/s.decay()) - 1)
	d := min(max(int(math.RoundToEven(ivl)), 1), s.MaximumInterval)
	return time.Duration(d) * 24 * time.Hour
}

func clampDifficulty(d float64) float64 { return min(max(d, minDifficulty), maxDifficulty) }

func (s *Scheduler) initialStability(r Rating) float64 {
	return max(s.Parameters[r-1], minStability)
}

func (s *Scheduler) initialDifficulty(r Rating) float64 {
	w := s.Parameters
	return w[4] - math.Exp(w[5]*float64(r-1)) + 1
}

func (s *Scheduler) shortTermStability(stability float64, r Rating) float64 {
	w := s.Parameters
	inc := math.Exp(w[17]*(float64(r)-3+w[18])) * math.Pow(stability, -w[19])
	if r == Good || r == Easy {
		inc = max(inc, 1)
	}
	return max(stability*inc, minStability)
}

// nextDifficulty moves difficulty by the rating, damped near 10, and
// reverts it slightly (w7) towards the initial difficulty of an Easy first
// review — clamped to [1, 10], as in the version of the reference whose
// published test values this file reproduces.
func (s *Scheduler) nextDifficulty(d float64, r Rating) float64 {
	w := s.Parameters
	delta := -(w[6] * float64(r-3))
	damped := d + (10-d)*delta/9
	return clampDifficulty(w[7]*clampDifficulty(s.initialDifficulty(Easy)) + (1-w[7])*damped)
}

func (s *Scheduler) nextStability(d, stability, retrievability float64, r Rating) float64 {
	w := s.Parameters
	var next float64
	if r == Again {
		long := w[11] * math.Pow(d, -w[12]) * (math.Pow(stability+1, w[13]) - 1) * math.Exp((1-retrievability)*w[14])
		short := stability / math.Exp(w[17]*w[18])
		next = min(long, short)
	} else {
		hard, easy := 1.0, 1.0
		if r == Hard {
			hard = w[15]
		}
		if r == Easy {
			easy = w[16]
		}
		next = stability * (1 + math.Exp(w[8])*(11-d)*math.Pow(stability, -w[9])*(math.Exp((1-retrievability)*w[10])-1)*hard*easy)
	}
	return max(next, minStability)
}
