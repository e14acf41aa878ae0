package bank

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/interviewbot/interviewbot/internal/review"
)

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// Load reads every *.yaml and *.yml file at the top of fsys and validates the
// bank. dir is how file names appear in problems (for example "questions").
// The returned problems include warnings; the bank is nil when any problem is
// an error.
func Load(fsys fs.FS, dir string) (*Bank, Problems) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, Problems{{File: dir, Msg: fmt.Sprintf("cannot read question directory: %v", err)}}
	}
	b := &Bank{questions: map[string]*Question{}, tracks: map[string]*Track{}}
	var probs Problems
	firstID := map[string]string{} // question id → "file:line"
	firstTrack := map[string]string{}
	n := 0
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		n++
		name := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			probs = append(probs, Problem{File: name, Msg: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		p := &parser{file: name}
		t := p.parseFile(data)
		probs = append(probs, p.probs...)
		if t == nil {
			continue
		}
		if at, dup := firstTrack[t.ID]; dup {
			probs = append(probs, Problem{File: name, Line: p.trackLine, Msg: fmt.Sprintf("duplicate track %q (first at %s)", t.ID, at)})
		} else {
			firstTrack[t.ID] = fmt.Sprintf("%s:%d", name, p.trackLine)
			b.tracks[t.ID] = t
			b.Tracks = append(b.Tracks, t)
		}
		for i, q := range t.Questions {
			line := p.questionLines[i]
			if at, dup := firstID[q.ID]; dup {
				probs = append(probs, Problem{File: name, Line: line, Msg: fmt.Sprintf("duplicate question id %q (first at %s)", q.ID, at)})
				continue
			}
			firstID[q.ID] = fmt.Sprintf("%s:%d", name, line)
			b.questions[q.ID] = q
		}
	}
	if n == 0 {
		probs = append(probs, Problem{File: dir, Msg: "no question files (*.yaml)"})
	}
	sort.SliceStable(probs, func(i, j int) bool {
		if probs[i].File != probs[j].File {
			return probs[i].File < probs[j].File
		}
		return probs[i].Line < probs[j].Line
	})
	if len(probs.Errors()) > 0 {
		return nil, probs
	}
	return b, probs
}

// parser walks one file's YAML node tree, collecting problems with their lines.
type parser struct {
	file          string
	probs         Problems
	trackLine     int
	questionLines []int
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.probs = append(p.probs, Problem{File: p.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(n *yaml.Node, format string, args ...any) {
	p.probs = append(p.probs, Problem{File: p.file, Line: n.Line, Msg: fmt.Sprintf(format, args...), Warning: true})
}

func (p *parser) parseFile(data []byte) *Track {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.probs = append(p.probs, yamlProblem(p.file, err))
		return nil
	}
	if len(doc.Content) == 0 {
		p.probs = append(p.probs, Problem{File: p.file, Line: 1, Msg: "empty file"})
		return nil
	}
	root := doc.Content[0]
	f := p.mapping(root, "file", "track", "title", "topics", "questions")
	if f == nil {
		return nil
	}
	t := &Track{Topics: map[string]map[string]string{}}
	if n := f["track"]; n != nil {
		p.trackLine = n.Line
		t.ID = p.id(n, "track")
	}
	t.Title = p.languages(f["title"], "title")
	if n := f["topics"]; n != nil {
		if n.Kind != yaml.MappingNode {
			p.errorf(n, "topics: want a mapping of topic id to names")
		} else {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				id := p.id(k, "topic")
				t.Topics[id] = p.languages(v, "topic "+id)
			}
		}
	}
	if n := f["questions"]; n != nil {
		if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
			p.errorf(n, "questions: want a non-empty list")
		} else {
			for _, qn := range n.Content {
				if q := p.question(qn, t); q != nil {
					t.Questions = append(t.Questions, q)
					p.questionLines = append(p.questionLines, qn.Line)
				}
			}
		}
	}
	if len(p.probs.Errors()) > 0 {
		return nil
	}
	return t
}

func (p *parser) question(n *yaml.Node, t *Track) *Question {
	keys := append([]string{"id", "topic", "level", "source"}, Languages...)
	f := p.mapping(n, "question", keys...)
	if f == nil {
		return nil
	}
	q := &Question{Track: t.ID, Text: map[string]Text{}}
	q.ID = p.id(f["id"], "question id")
	what := "question"
	if q.ID != "" {
		what = "question " + q.ID
	}
	if tn := f["topic"]; tn != nil {
		q.Topic = p.scalar(tn, what+": topic")
		if _, ok := t.Topics[q.Topic]; q.Topic != "" && !ok {
			p.errorf(tn, "%s: unknown topic %q (define it under topics)", what, q.Topic)
		}
	}
	if ln := f["level"]; ln != nil {
		q.Level = p.scalar(ln, what+": level")
		if q.Level != "" && !slices.Contains(Levels, q.Level) {
			p.errorf(ln, "%s: unknown level %q (want %s)", what, q.Level, strings.Join(Levels, ", "))
		}
	}
	if sn := f["source"]; sn != nil {
		q.Source = p.scalar(sn, what+": source")
	}
	for _, lang := range Languages {
		if ln := f[lang]; ln != nil {
			q.Text[lang] = p.text(ln, what+": "+lang, lang)
		}
	}
	return q
}

func (p *parser) text(n *yaml.Node, what, lang string) Text {
	f := p.mapping(n, what, "question", "answer", "points")
	if f == nil {
		return Text{}
	}
	var t Text
	if qn := f["question"]; qn != nil {
		t.Question = p.scalar(qn, what+".question")
	}
	if an := f["answer"]; an != nil {
		t.Answer = strings.TrimSpace(p.scalar(an, what+".answer"))
	}
	pn := f["points"]
	if pn == nil {
		return t
	}
	if pn.Kind != yaml.SequenceNode || len(pn.Content) == 0 {
		p.errorf(pn, "%s.points: want a non-empty list of key points", what)
		return t
	}
	// Each phrase is split into words once: to check it and to compile the
	// matcher the feedback uses.
	var words [][][]string
	var matchNodes []*yaml.Node
	var names []string
	for i, item := range pn.Content {
		pw := fmt.Sprintf("%s.points[%d]", what, i+1)
		pf := p.mapping(item, pw, "point", "match")
		if pf == nil {
			continue
		}
		var pt Point
		if tn := pf["point"]; tn != nil {
			pt.Text = p.scalar(tn, pw+".point")
		}
		mn := pf["match"]
		if mn == nil {
			continue
		}
		if mn.Kind != yaml.SequenceNode || len(mn.Content) == 0 {
			p.errorf(mn, "%s.match: want a non-empty list of words or phrases", pw)
			continue
		}
		var ptWords [][]string
		for _, m := range mn.Content {
			s := p.scalar(m, pw+".match")
			if s == "" {
				continue
			}
			w := review.Words(lang, s)
			if len(w) == 0 {
				p.errorf(m, "%s.match: %q has no words to match", pw, s)
				continue
			}
			pt.Match = append(pt.Match, s)
			ptWords = append(ptWords, w)
		}
		t.Points = append(t.Points, pt)
		words = append(words, ptWords)
		matchNodes, names = append(matchNodes, mn), append(names, pw)
	}
	t.matcher = review.MatcherOfWords(lang, words)
	if t.Answer == "" {
		return t
	}
	// The same matcher as the feedback users get.
	for i, covered := range t.matcher.Coverage(t.Answer) {
		if !covered && len(t.Points[i].Match) > 0 {
			p.warnf(matchNodes[i], "%s: none of the phrases occurs in the %s reference answer", names[i], lang)
		}
	}
	return t
}

// mapping checks that n is a mapping with exactly the given keys and returns
// the value nodes by key; missing keys, unknown keys and duplicates are problems.
func (p *parser) mapping(n *yaml.Node, what string, keys ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: want a mapping with %s", what, strings.Join(keys, ", "))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(keys, k.Value):
			p.errorf(k, "%s: unknown field %q (want %s)", what, k.Value, strings.Join(keys, ", "))
		case out[k.Value] != nil:
			p.errorf(k, "%s: duplicate field %q", what, k.Value)
		default:
			out[k.Value] = v
		}
	}
	for _, k := range keys {
		if out[k] == nil {
			p.errorf(n, "%s: missing field %q", what, k)
		}
	}
	return out
}

// scalar returns n's trimmed string value; a non-scalar or empty value is a problem.
func (p *parser) scalar(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s: want text", what)
		return ""
	}
	s := strings.TrimSpace(n.Value)
	if s == "" {
		p.errorf(n, "%s: empty", what)
	}
	return s
}

func (p *parser) id(n *yaml.Node, what string) string {
	s := p.scalar(n, what)
	if s != "" && !idPattern.MatchString(s) {
		p.errorf(n, "%s %q: want lowercase letters, digits and '-'", what, s)
		return ""
	}
	return s
}

// languages reads a mapping of language to text that must have all four languages.
func (p *parser) languages(n *yaml.Node, what string) map[string]string {
	if n == nil {
		return nil
	}
	f := p.mapping(n, what, Languages...)
	out := map[string]string{}
	for lang, v := range f {
		out[lang] = p.scalar(v, what+"."+lang)
	}
	return out
}

// yamlProblem turns a YAML syntax error into a problem with its line.
func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return Problem{File: file, Line: line, Msg: m[2]}
	}
	return Problem{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
}
