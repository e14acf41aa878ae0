package review_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/interviewbot/interviewbot"
	"github.com/interviewbot/interviewbot/internal/bank"
	"github.com/interviewbot/interviewbot/internal/review"
)

// labelled is one question with three answers written from the question
// alone (testdata/labelled.yaml), without looking at its key points.
type labelled struct {
	ID       string `yaml:"id"`
	Lang     string `yaml:"lang"`
	Strong   string `yaml:"strong"`
	Partial  string `yaml:"partial"`
	Offtopic string `yaml:"offtopic"`
}

// score is the share of key points an answer covers.
func score(text bank.Text, lang, answer string) float64 {
	covered := 0
	for _, ok := range review.Coverage(lang, answer, text.Phrases()) {
		if ok {
			covered++
		}
	}
	return float64(covered) / float64(len(text.Points))
}

// goal is the share of labelled questions whose answers coverage must rank
// strong > partial > off-topic in every language.
const goal = 0.9

// reached is, per language, how many of the 12 labelled questions are ranked
// right today (2026-11-23: en 12, nb 11, ru 12, fa 11); the goal is met in every language. It guards against
// regressions until every language reaches the goal; raise it as the bank
// improves, never lower it.
var reached = map[string]int{"en": 12, "nb": 11, "ru": 12, "fa": 11}

// TestCoverageRanksAnswers checks that key-point coverage tells a strong
// answer from a partial one from an off-topic one, in every language, and
// reports the share per language against the goal.
func TestCoverageRanksAnswers(t *testing.T) {
	t.Parallel()
	b, probs := bank.Load(interviewbot.Questions(), "questions")
	if b == nil {
		t.Fatal(probs)
	}
	data, err := os.ReadFile("testdata/labelled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var set []labelled
	if err := yaml.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	total, ranked := map[string]int{}, map[string]int{}
	for _, l := range set {
		q := b.Question(l.ID)
		if q == nil {
			t.Errorf("labelled answer for unknown question %q", l.ID)
			continue
		}
		text := q.In(l.Lang)
		s, p, o := score(text, l.Lang, l.Strong), score(text, l.Lang, l.Partial), score(text, l.Lang, l.Offtopic)
		total[l.Lang]++
		if s > p && p > o {
			ranked[l.Lang]++
		} else {
			t.Logf("%s %s: strong %.2f, partial %.2f, off-topic %.2f", l.Lang, l.ID, s, p, o)
		}
	}
	for _, lang := range bank.Languages {
		if total[lang] < 10 {
			t.Errorf("%s: only %d labelled questions, want at least 10", lang, total[lang])
			continue
		}
		share := float64(ranked[lang]) / float64(total[lang])
		t.Logf("%s: strong > partial > off-topic for %d of %d questions (%.0f%%; goal %.0f%%)", lang, ranked[lang], total[lang], 100*share, 100*goal)
		if ranked[lang] < reached[lang] {
			t.Errorf("%s: coverage ranks %s of the labelled answers correctly, fewer than the %d reached before", lang, fmt.Sprintf("%d of %d", ranked[lang], total[lang]), reached[lang])
		}
	}
}

// BenchmarkCoverageBank judges a typical answer against a real question of
// the built-in bank (its full phrase lists) in each language.
func BenchmarkCoverageBank(b *testing.B) {
	bk, probs := bank.Load(interviewbot.Questions(), "questions")
	if bk == nil {
		b.Fatal(probs)
	}
	q := bk.Question("backend-scaling")
	for _, lang := range bank.Languages {
		text := q.In(lang)
		m := review.NewMatcher(lang, text.Phrases())
		// The reference answer's first paragraph: a realistic length and wording.
		answer, _, _ := strings.Cut(text.Answer, "\n\n")
		b.Run(lang, func(b *testing.B) {
			for b.Loop() {
				m.Coverage(answer)
			}
		})
	}
}
