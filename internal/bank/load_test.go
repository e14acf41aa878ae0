package bank

import (
	"strings"
	"testing"
	"testing/fstest"
)

// validFile is a minimal, valid track; tests break it one way at a time.
const validFile = `track: demo
title:
  en: Demo
  nb: Demo
  ru: Демо
  fa: نمونه
topics:
  basics:
    en: Basics
    nb: Grunnleggende
    ru: Основы
    fa: مبانی
questions:
  - id: demo-cache
    topic: basics
    level: junior
    source: original
    en:
      question: When do you use a cache?
      answer: For expensive reads.
      points:
        - point: Expensive reads
          match: [expensive, slow query]
    nb:
      question: Når bruker du en cache?
      answer: For dyre lesinger.
      points:
        - point: Dyre lesinger
          match: [dyr]
    ru:
      question: Когда нужен кэш?
      answer: Для дорогих чтений.
      points:
        - point: Дорогие чтения
          match: [дорогой, дорогих]
    fa:
      question: کی از کش استفاده می‌کنید؟
      answer: برای خواندن‌های پرهزینه.
      points:
        - point: خواندن پرهزینه
          match: [پرهزینه]
`

func load(t *testing.T, files map[string]string) (*Bank, Problems) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return Load(fsys, "q")
}

func TestLoadValid(t *testing.T) {
	t.Parallel()
	b, probs := load(t, map[string]string{"demo.yaml": validFile, "README.md": "not a question file"})
	if len(probs) != 0 {
		t.Fatalf("problems in a valid file:\n%v", probs)
	}
	q := b.Question("demo-cache")
	if q == nil || q.Track != "demo" || q.Level != "junior" {
		t.Fatalf("question = %+v", q)
	}
	if got := q.In("ru").Points[0].Match; len(got) != 2 || got[1] != "дорогих" {
		t.Errorf("ru match = %q", got)
	}
	if got := b.TopicName(q, "nb"); got != "Grunnleggende" {
		t.Errorf("TopicName = %q", got)
	}
	if b.Track("demo") == nil || len(b.Tracks) != 1 {
		t.Errorf("tracks = %v", b.Tracks)
	}
}

func TestLoadBroken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(string) string
		wants []string // exact problem lines
	}{
		{
			name:  "yaml syntax",
			edit:  func(s string) string { return strings.Replace(s, "  en: Demo\n", "  en: Demo: bad\n", 1) },
			wants: []string{"q/demo.yaml:3: mapping values are not allowed in this context"},
		},
		{
			name:  "unknown field",
			edit:  func(s string) string { return strings.Replace(s, "    level: junior\n", "    levl: junior\n", 1) },
			wants: []string{`q/demo.yaml:14: question: missing field "level"`, `q/demo.yaml:16: question: unknown field "levl" (want id, topic, level, source, en, nb, ru, fa)`},
		},
		{
			name:  "missing language",
			edit:  func(s string) string { return s[:strings.Index(s, "    fa:\n")] },
			wants: []string{`q/demo.yaml:14: question: missing field "fa"`},
		},
		{
			name: "empty answer",
			edit: func(s string) string {
				return strings.Replace(s, "answer: Для дорогих чтений.", `answer: "  "`, 1)
			},
			wants: []string{"q/demo.yaml:32: question demo-cache: ru.answer: empty"},
		},
		{
			name:  "unknown topic",
			edit:  func(s string) string { return strings.Replace(s, "topic: basics", "topic: advanced", 1) },
			wants: []string{`q/demo.yaml:15: question demo-cache: unknown topic "advanced" (define it under topics)`},
		},
		{
			name:  "bad level",
			edit:  func(s string) string { return strings.Replace(s, "level: junior", "level: expert", 1) },
			wants: []string{`q/demo.yaml:16: question demo-cache: unknown level "expert" (want junior, mid, senior)`},
		},
		{
			name:  "bad id",
			edit:  func(s string) string { return strings.Replace(s, "id: demo-cache", "id: Demo Cache", 1) },
			wants: []string{`q/demo.yaml:14: question id "Demo Cache": want lowercase letters, digits and '-'`},
		},
		{
			name:  "point without phrases",
			edit:  func(s string) string { return strings.Replace(s, "match: [dyr]", "match: []", 1) },
			wants: []string{"q/demo.yaml:29: question demo-cache: nb.points[1].match: want a non-empty list of words or phrases"},
		},
		{
			name:  "phrase of punctuation",
			edit:  func(s string) string { return strings.Replace(s, "match: [dyr]", `match: [dyr, "?!"]`, 1) },
			wants: []string{`q/demo.yaml:29: question demo-cache: nb.points[1].match: "?!" has no words to match`},
		},
		{
			name:  "title missing a language",
			edit:  func(s string) string { return strings.Replace(s, "  fa: نمونه\n", "", 1) },
			wants: []string{`q/demo.yaml:3: title: missing field "fa"`},
		},
		{
			name:  "no questions",
			edit:  func(s string) string { return s[:strings.Index(s, "questions:")] + "questions: []\n" },
			wants: []string{"q/demo.yaml:13: questions: want a non-empty list"},
		},
		{
			name:  "empty file",
			edit:  func(string) string { return "" },
			wants: []string{"q/demo.yaml:1: empty file"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, probs := load(t, map[string]string{"demo.yaml": tt.edit(validFile)})
			if b != nil {
				t.Errorf("Load returned a bank despite errors")
			}
			errs := probs.Errors()
			if len(errs) != len(tt.wants) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tt.wants), errs)
			}
			for i, want := range tt.wants {
				if got := errs[i].String(); got != want {
					t.Errorf("error %d:\n got %s\nwant %s", i, got, want)
				}
			}
		})
	}
}

func TestLoadDuplicates(t *testing.T) {
	t.Parallel()
	other := strings.Replace(validFile, "track: demo", "track: other", 1)
	_, probs := load(t, map[string]string{"a.yaml": validFile, "b.yaml": other})
	want := `q/b.yaml:14: duplicate question id "demo-cache" (first at q/a.yaml:14)`
	if len(probs) != 1 || probs[0].String() != want {
		t.Errorf("problems = %v, want %s", probs, want)
	}
	_, probs = load(t, map[string]string{"a.yaml": validFile, "b.yaml": strings.Replace(validFile, "id: demo-cache", "id: demo-other", 1)})
	want = `q/b.yaml:1: duplicate track "demo" (first at q/a.yaml:1)`
	if len(probs) != 1 || probs[0].String() != want {
		t.Errorf("problems = %v, want %s", probs, want)
	}
}

func TestLoadWarnsOnUnusedPhrases(t *testing.T) {
	t.Parallel()
	b, probs := load(t, map[string]string{"demo.yaml": strings.Replace(validFile, "match: [expensive, slow query]", "match: [latency]", 1)})
	if b == nil {
		t.Fatalf("a warning must not reject the bank: %v", probs)
	}
	want := "q/demo.yaml:23: warning: question demo-cache: en.points[1]: none of the phrases occurs in the en reference answer"
	if len(probs) != 1 || probs[0].String() != want {
		t.Errorf("problems = %v, want %s", probs, want)
	}
}

func TestLoadNoFiles(t *testing.T) {
	t.Parallel()
	_, probs := load(t, map[string]string{"README.md": "x"})
	if len(probs) != 1 || probs[0].String() != "q: no question files (*.yaml)" {
		t.Errorf("problems = %v", probs)
	}
}
