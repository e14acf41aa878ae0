package i18n

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"text/template"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// Languages are the supported languages; the first is the fallback.
var Languages = []string{"en", "nb", "ru", "fa"}

// pluralForms are the CLDR plural categories each language needs for cardinals.
var pluralForms = map[string][]string{
	"en": {"one", "other"},
	"nb": {"one", "other"},
	"ru": {"one", "few", "many", "other"},
	"fa": {"one", "other"},
}

var (
	placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)`)
	yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// Bundle holds the translations of every supported language.
type Bundle struct {
	localizers map[string]*goi18n.Localizer
}

// Negotiate maps a client locale ("nb-NO", "ru", "fa_IR.UTF-8", "no", "nn")
// to a supported language; anything else, and the empty string, gives "en".
func Negotiate(locale string) string {
	tag := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(tag, "-_.@"); i >= 0 {
		tag = tag[:i]
	}
	switch tag {
	case "nb", "no", "nn":
		return "nb"
	case "ru", "fa", "en":
		return tag
	}
	return "en"
}

// Load reads locales/<lang>.yaml for every supported language from fsys and
// validates them. dir is how file names appear in errors. The error lists
// every problem as "file:line: message".
func Load(fsys fs.FS, dir string) (*Bundle, error) {
	bundle := goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	var probs []string
	files := map[string]map[string]message{}
	for _, lang := range Languages {
		name := path.Join(dir, lang+".yaml")
		data, err := fs.ReadFile(fsys, lang+".yaml")
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: cannot read: %v", name, err))
			continue
		}
		msgs, fileProbs := parse(name, lang, data)
		probs = append(probs, fileProbs...)
		if len(fileProbs) > 0 {
			continue
		}
		files[lang] = msgs
		if _, err := bundle.ParseMessageFileBytes(data, name); err != nil {
			probs = append(probs, fmt.Sprintf("%s: %v", name, err))
		}
	}
	probs = append(probs, compare(dir, files)...)
	if len(probs) > 0 {
		return nil, fmt.Errorf("invalid locale files:\n%s", strings.Join(probs, "\n"))
	}
	b := &Bundle{localizers: map[string]*goi18n.Localizer{}}
	for _, lang := range Languages {
		b.localizers[lang] = goi18n.NewLocalizer(bundle, lang)
	}
	return b, nil
}

// message is one message of a locale file, for validation.
type message struct {
	line   int
	forms  []string // plural forms; nil for a plain message
	fields []string // placeholders used, sorted
}

// parse checks one locale file: YAML syntax, a flat mapping of message ids to
// text or to plural forms, the plural forms the language needs, and templates
// that parse.
func parse(name, lang string, data []byte) (map[string]message, []string) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
			return nil, []string{fmt.Sprintf("%s:%s: %s", name, m[1], m[2])}
		}
		return nil, []string{fmt.Sprintf("%s: %v", name, err)}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, []string{fmt.Sprintf("%s:1: want a mapping of message ids to texts", name)}
	}
	root := doc.Content[0]
	msgs := map[string]message{}
	var probs []string
	bad := func(n *yaml.Node, format string, args ...any) {
		probs = append(probs, fmt.Sprintf("%s:%d: %s", name, n.Line, fmt.Sprintf(format, args...)))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		id := k.Value
		if _, dup := msgs[id]; dup {
			bad(k, "duplicate message %q", id)
			continue
		}
		m := message{line: k.Line}
		var texts []*yaml.Node
		switch v.Kind {
		case yaml.ScalarNode:
			texts = append(texts, v)
		case yaml.MappingNode:
			for j := 0; j+1 < len(v.Content); j += 2 {
				form := v.Content[j].Value
				if !slices.Contains([]string{"zero", "one", "two", "few", "many", "other"}, form) {
					bad(v.Content[j], "message %q: unknown plural form %q", id, form)
					continue
				}
				m.forms = append(m.forms, form)
				texts = append(texts, v.Content[j+1])
			}
			for _, want := range pluralForms[lang] {
				if !slices.Contains(m.forms, want) {
					bad(k, "message %q: missing plural form %q (%s needs %s)", id, want, lang, strings.Join(pluralForms[lang], ", "))
				}
			}
		default:
			bad(k, "message %q: want text or plural forms", id)
			continue
		}
		fields := map[string]bool{}
		for _, t := range texts {
			if strings.TrimSpace(t.Value) == "" {
				bad(t, "message %q: empty text", id)
			}
			if _, err := template.New(id).Parse(t.Value); err != nil {
				bad(t, "message %q: %v", id, err)
			}
			for _, m := range placeholder.FindAllStringSubmatch(t.Value, -1) {
				fields[m[1]] = true
			}
		}
		m.fields = slices.Sorted(maps.Keys(fields))
		msgs[id] = m
	}
	return msgs, probs
}

// compare checks that every language has exactly the messages of English,
// with the same placeholders and, for plurals, plural forms.
func compare(dir string, files map[string]map[string]message) []string {
	en, ok := files["en"]
	if !ok {
		return nil
	}
	var probs []string
	for _, lang := range Languages[1:] {
		msgs, ok := files[lang]
		if !ok {
			continue
		}
		name := path.Join(dir, lang+".yaml")
		for _, id := range slices.Sorted(maps.Keys(en)) {
			want := en[id]
			got, ok := msgs[id]
			switch {
			case !ok:
				probs = append(probs, fmt.Sprintf("%s: missing message %q (en.yaml:%d)", name, id, want.line))
			case (got.forms == nil) != (want.forms == nil):
				probs = append(probs, fmt.Sprintf("%s:%d: message %q: plural in one language and not the other", name, got.line, id))
			case !slices.Equal(got.fields, want.fields):
				probs = append(probs, fmt.Sprintf("%s:%d: message %q: placeholders %v, en.yaml has %v", name, got.line, id, got.fields, want.fields))
			}
		}
		for _, id := range slices.Sorted(maps.Keys(msgs)) {
			if _, ok := en[id]; !ok {
				probs = append(probs, fmt.Sprintf("%s:%d: message %q is not in en.yaml", name, msgs[id].line, id))
			}
		}
	}
	return probs
}

// Text returns message id in lang, filled from data.
func (b *Bundle) Text(lang, id string, data map[string]any) string {
	return b.localize(lang, &goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// Plural returns message id in lang in the plural form for n; data gets
// n as .Count.
func (b *Bundle) Plural(lang, id string, n int, data map[string]any) string {
	d := map[string]any{"Count": n}
	maps.Copy(d, data)
	return b.localize(lang, &goi18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: d})
}

func (b *Bundle) localize(lang string, cfg *goi18n.LocalizeConfig) string {
	l := b.localizers[lang]
	if l == nil {
		l = b.localizers[Languages[0]]
	}
	s, err := l.Localize(cfg)
	if err != nil && s == "" {
		// Load guarantees every id exists in every language, so this is a
		// programming error: show the id rather than nothing.
		return cfg.MessageID
	}
	return s
}

// Languages returns the supported languages.
func (b *Bundle) Languages() []string { return slices.Clone(Languages) }

// Negotiate maps a client locale to a supported language; see the package function.
func (b *Bundle) Negotiate(locale string) string { return Negotiate(locale) }
