package review

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/norwegian"
	"github.com/kljensen/snowball/russian"
)

// Coverage reports, for each key point, whether the answer covers it: whether
// any of the point's phrases occurs in the answer. lang is one of en, nb, ru, fa.
// To judge many answers against the same points, compile a Matcher once.
func Coverage(lang, answer string, points [][]string) []bool {
	return NewMatcher(lang, points).Coverage(answer)
}

// Matcher judges answers in one language against a list of key points,
// their phrases compiled once.
type Matcher struct {
	lang   string
	points [][]*phrase
}

// NewMatcher compiles the match phrases of each key point, in point order.
func NewMatcher(lang string, points [][]string) *Matcher {
	words := make([][][]string, len(points))
	for i, phrases := range points {
		for _, p := range phrases {
			words[i] = append(words[i], Words(lang, p))
		}
	}
	return MatcherOfWords(lang, words)
}

// MatcherOfWords is NewMatcher for phrases already split by Words.
func MatcherOfWords(lang string, points [][][]string) *Matcher {
	m := &Matcher{lang: lang, points: make([][]*phrase, len(points))}
	for i, phrases := range points {
		for _, words := range phrases {
			m.points[i] = append(m.points[i], newPhrase(words))
		}
	}
	return m
}

// Coverage reports, for each key point, whether the answer covers it.
func (m *Matcher) Coverage(answer string) []bool {
	words := Words(m.lang, answer)
	covered := make([]bool, len(m.points))
	for i, phrases := range m.points {
		for _, p := range phrases {
			if p.in(m.lang, words) {
				covered[i] = true
				break
			}
		}
	}
	return covered
}

// phrase is a match phrase ready to compare: its normalised words, and
// which of them are long enough to match longer words (see related).
type phrase struct {
	words []string
	long  []bool
}

func newPhrase(words []string) *phrase {
	p := &phrase{words: words, long: make([]bool, len(words))}
	for i, w := range words {
		p.long[i] = utf8.RuneCountInString(w) >= minRelated
	}
	return p
}

// maxGap is how many other words may stand between two words of a phrase:
// "same result" also matches "the same final result".
const maxGap = 2

// in reports whether p occurs in words: its words in order, each equal or
// related (see related) to a word of the answer, with at most maxGap other
// words between two of them.
func (p *phrase) in(lang string, words []string) bool {
	if len(p.words) == 0 {
		return false
	}
	for i, w := range words {
		if !related(lang, w, p.words[0], p.long[0]) {
			continue
		}
		at, ok := i, true
		for k, pw := range p.words[1:] {
			next := -1
			for j := at + 1; j < len(words) && j <= at+1+maxGap; j++ {
				if related(lang, words[j], pw, p.long[k+1]) {
					next = j
					break
				}
			}
			if next < 0 {
				ok = false
				break
			}
			at = next
		}
		if ok {
			return true
		}
	}
	return false
}

// minRelated is the shortest stem that may match a longer word it begins
// (or, in Norwegian, ends) — shorter stems would match unrelated words.
const minRelated = 5

// related reports whether an answer word covers a phrase word: they are
// equal, or the answer word begins with the phrase word and that has at
// least minRelated letters (stemmers leave "replika"/"replikaer" or
// "transakc"/"transakcionn" apart), or, in Norwegian, the answer word is a
// compound ending in the phrase word ("databaseindeks" covers "indeks").
// Never the other way round: the phrase "databasereplika" is not covered by
// the answer word "database".
// long says whether phrase has at least minRelated letters.
func related(lang, word, phrase string, long bool) bool {
	if word == phrase {
		return true
	}
	if !long || len(word) <= len(phrase) {
		return false
	}
	return strings.HasPrefix(word, phrase) || lang == "nb" && strings.HasSuffix(word, phrase)
}

// Words splits text into normalised, comparable words for lang.
func Words(lang, text string) []string {
	text = normalizeChars(text)
	fields := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	})
	out := make([]string, 0, len(fields))
	for i := 0; i < len(fields); i++ {
		w := fields[i]
		if lang == "fa" {
			// «می شود», «می‌شود» and «میشود» are one word.
			if (w == "می" || w == "نمی") && i+1 < len(fields) {
				w += fields[i+1]
				i++
			}
			if persianSuffixes[w] {
				continue // a detached plural or ezafe suffix: «کش ها»
			}
			w = trimPersianSuffix(w)
		}
		out = append(out, stem(lang, w))
	}
	return out
}

// stem reduces one lower-case word to its stem. Latin-script words inside
// Russian or Persian text are stemmed as English; Cyrillic words as Russian.
func stem(lang, w string) string {
	switch script(w) {
	case latin:
		if lang == "nb" {
			return norwegian.Stem(w, true)
		}
		return english.Stem(w, true)
	case cyrillic:
		return russian.Stem(w, true)
	}
	return w
}

type scriptKind int

const (
	other scriptKind = iota
	latin
	cyrillic
)

func script(w string) scriptKind {
	for _, r := range w {
		switch {
		case unicode.Is(unicode.Latin, r):
			return latin
		case unicode.Is(unicode.Cyrillic, r):
			return cyrillic
		case unicode.IsLetter(r):
			return other
		}
	}
	return other
}

// persianSuffixes are suffixes that are often written detached (after a space
// or a zero-width non-joiner) and carry no meaning for matching: plural,
// indefinite, possessive («داده‌شان») and comparative («بیش‌تر»).
var persianSuffixes = map[string]bool{
	"ها": true, "های": true, "هایی": true, "ای": true, "ی": true,
	"ام": true, "ات": true, "اش": true, "مان": true, "تان": true, "شان": true,
	"تر": true, "ترین": true,
}

// trimPersianSuffix drops a plural or indefinite suffix written attached to
// a word: «کشها» → «کش», «بیشتری» → «بیشتر».
// The plural comes off first, then the indefinite «ی», so that «مشتریها»
// reduces like «مشتری‌ها» (whose «ها» is a word of its own).
func trimPersianSuffix(w string) string {
	for _, suf := range []string{"هایی", "های", "ها"} {
		if rest, ok := strings.CutSuffix(w, suf); ok && len([]rune(rest)) >= 2 {
			w = rest
			break
		}
	}
	if rest, ok := strings.CutSuffix(w, "ی"); ok && len([]rune(rest)) >= 3 {
		return rest
	}
	return w
}

// normalizeChars lower-cases text and folds the character variants that
// people type interchangeably: Arabic and Persian letters, digits, ё, and
// zero-width characters; it drops diacritics and tatweel.
func normalizeChars(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch {
		case r == 'ي' || r == 'ى':
			r = 'ی'
		case r == 'ك':
			r = 'ک'
		case r == 'ة':
			r = 'ه'
		case r == 'أ' || r == 'إ' || r == 'ٱ':
			r = 'ا'
		case r == 'ؤ':
			r = 'و'
		case r >= '۰' && r <= '۹':
			r = '0' + (r - '۰')
		case r >= '٠' && r <= '٩':
			r = '0' + (r - '٠')
		case r == '\u200c' || r == '\u200b' || r == '\u00a0':
			r = ' '
		case r == 'ё' || r == 'Ё':
			r = 'е'
		case r == '\u0640' || r == '\u200d' || r == '\u200e' || r == '\u200f' || (r >= '\u064b' && r <= '\u065f') || r == '\u0670':
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
