package bank

import (
	"fmt"
	"strings"

	"github.com/interviewbot/interviewbot/internal/review"
)

// Languages are the languages every track, topic and question must have.
var Languages = []string{"en", "nb", "ru", "fa"}

// Levels are the allowed question levels, from easiest to hardest.
var Levels = []string{"junior", "mid", "senior"}

// Bank is a loaded, valid question bank.
type Bank struct {
	Tracks    []*Track
	questions map[string]*Question
	tracks    map[string]*Track
}

// Track is a set of questions people prepare together, such as "Backend fundamentals".
type Track struct {
	ID        string
	Title     map[string]string            // by language
	Topics    map[string]map[string]string // topic id → language → name
	Questions []*Question
}

// Question is one interview question in all four languages.
type Question struct {
	ID     string
	Track  string
	Topic  string
	Level  string
	Source string
	Text   map[string]Text // by language
}

// Text is a question in one language.
type Text struct {
	Question string
	Answer   string // the reference answer
	Points   []Point
	matcher  *review.Matcher // the points' phrases, compiled at load
}

// Point is a key point a good answer covers, and the phrases that count as covering it.
type Point struct {
	Text  string
	Match []string
}

// Question returns the question with id, or nil.
func (b *Bank) Question(id string) *Question { return b.questions[id] }

// Track returns the track with id, or nil.
func (b *Bank) Track(id string) *Track { return b.tracks[id] }

// TopicName returns the name of the question's topic in lang.
func (b *Bank) TopicName(q *Question, lang string) string {
	if t := b.tracks[q.Track]; t != nil {
		if name := t.Topics[q.Topic][lang]; name != "" {
			return name
		}
	}
	return q.Topic
}

// In returns the question's text in lang, falling back to English.
func (q *Question) In(lang string) Text {
	if t, ok := q.Text[lang]; ok {
		return t
	}
	return q.Text["en"]
}

// Coverage reports, for each key point, whether the answer covers it. A
// Text that was not loaded from a bank has no compiled phrases and covers
// none of its points.
func (t Text) Coverage(answer string) []bool {
	if t.matcher == nil {
		return make([]bool, len(t.Points))
	}
	return t.matcher.Coverage(answer)
}

// Phrases returns the match phrases of each key point, in point order.
func (t Text) Phrases() [][]string {
	out := make([][]string, len(t.Points))
	for i, p := range t.Points {
		out[i] = p.Match
	}
	return out
}

// Problem is one thing wrong (or, with Warning, suspicious) in a question file.
type Problem struct {
	File    string
	Line    int
	Msg     string
	Warning bool
}

func (p Problem) String() string {
	kind := ""
	if p.Warning {
		kind = "warning: "
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s%s", p.File, p.Line, kind, p.Msg)
	}
	return fmt.Sprintf("%s: %s%s", p.File, kind, p.Msg)
}

// Problems is a list of problems; as an error it lists the errors, one a line.
type Problems []Problem

// Errors returns only the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
