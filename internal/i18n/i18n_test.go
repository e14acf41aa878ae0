package i18n

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/interviewbot/interviewbot"
)

func bundle(t *testing.T) *Bundle {
	t.Helper()
	b, err := Load(interviewbot.Locales(), "locales")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLocalesComplete loads the real locale files: Load fails unless every
// message exists in all four languages with the same placeholders and the
// plural forms each language needs.
func TestLocalesComplete(t *testing.T) {
	t.Parallel()
	b := bundle(t)
	for _, lang := range Languages {
		if got := b.Text(lang, "LanguageName", nil); got == "" || got == "LanguageName" {
			t.Errorf("%s: LanguageName = %q", lang, got)
		}
	}
	// A message that fell back to English would be identical to English.
	for _, lang := range Languages[1:] {
		if b.Text(lang, "Start", nil) == b.Text("en", "Start", nil) {
			t.Errorf("%s: Start is the English text", lang)
		}
	}
}

func TestPlurals(t *testing.T) {
	t.Parallel()
	b := bundle(t)
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 question"},
		{"en", 5, "5 questions"},
		{"ru", 1, "1 вопрос"},
		{"ru", 2, "2 вопроса"},
		{"ru", 5, "5 вопросов"},
		{"ru", 11, "11 вопросов"},
		{"ru", 21, "21 вопрос"},
		{"ru", 22, "22 вопроса"},
		{"nb", 1, "1 spørsmål"},
		{"nb", 10, "10 spørsmål"},
		{"fa", 0, "0 سؤال"},
		{"fa", 15, "15 سؤال"},
	}
	for _, tt := range tests {
		if got := b.Plural(tt.lang, "QuestionsCount", tt.n, nil); got != tt.want {
			t.Errorf("Plural(%s, QuestionsCount, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
	// CoveredCount agrees with the total, not the covered count.
	if got := b.Plural("ru", "CoveredCount", 5, map[string]any{"Covered": 1}); !strings.Contains(got, "1 из 5") {
		t.Errorf("ru CoveredCount = %q", got)
	}
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	for locale, want := range map[string]string{
		"": "en", "en": "en", "en-US": "en", "ru": "ru", "ru-RU": "ru", "ru_RU.UTF-8": "ru",
		"fa": "fa", "fa-IR": "fa", "nb": "nb", "no": "nb", "nn": "nb", "nb_NO.UTF-8": "nb",
		"de": "en", "uk": "en", "C": "en", "POSIX": "en", " RU ": "ru",
	} {
		if got := Negotiate(locale); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", locale, got, want)
		}
	}
}

// TestLoadBroken breaks a copy of the real files one way at a time.
func TestLoadBroken(t *testing.T) {
	t.Parallel()
	read := func(lang string) string {
		data, err := os.ReadFile("../../locales/" + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	tests := []struct {
		name string
		lang string
		edit func(string) string
		want string
	}{
		{"yaml syntax", "ru", func(s string) string { return "Broken: \"unterminated\n" + s }, "locales/ru.yaml:1: did not find expected key"},
		{"missing message", "nb", func(s string) string { return strings.Replace(s, "GradeEasy:", "GradeEasyy:", 1) }, `locales/nb.yaml: missing message "GradeEasy"`},
		{"extra message", "fa", func(s string) string { return s + "Extra: \"x\"\n" }, `message "Extra" is not in en.yaml`},
		{"missing plural form", "ru", func(s string) string { return strings.Replace(s, "  few: \"{{.Count}} вопроса\"\n", "", 1) }, `message "QuestionsCount": missing plural form "few" (ru needs one, few, many, other)`},
		{"placeholder renamed", "fa", func(s string) string { return strings.Replace(s, "{{.Command}}", "{{.Cmd}}", 1) }, `message "UnknownCommand": placeholders [Cmd], en.yaml has [Command]`},
		{"bad template", "nb", func(s string) string { return strings.Replace(s, "{{.Command}}", "{{.Command", 1) }, `locales/nb.yaml:20: message "UnknownCommand": template: UnknownCommand:1:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{}
			for _, lang := range Languages {
				body := read(lang)
				if lang == tt.lang {
					body = tt.edit(body)
				}
				fsys[lang+".yaml"] = &fstest.MapFile{Data: []byte(body)}
			}
			_, err := Load(fsys, "locales")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
