package telegram

import (
	"regexp"
	"strings"
	"unicode/utf16"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// maxMessage is Telegram's limit on a message's text, in UTF-16 code units.
const maxMessage = 4096

// Unicode bidirectional controls used to render Persian.
const (
	rlm = "\u200f" // right-to-left mark: makes a line's base direction RTL
	lri = "\u2066" // left-to-right isolate
	pdi = "\u2069" // pop directional isolate
)

// latinRun matches a run of Latin-script words, with the punctuation that
// belongs inside technical terms (sync.Pool, CI/CD, Load Balancer, GOMAXPROCS=4).
var latinRun = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_.:/+#=()'-]*(?:[ \t]+[A-Za-z0-9][A-Za-z0-9_.:/+#=()'-]*)*`)

// bidi prepares text in an RTL language: every line starts right-to-left,
// and Latin runs are isolated so that their punctuation stays with them.
// Commands (/interview) are left alone so Telegram still links them.
func bidi(text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		line = latinRun.ReplaceAllStringFunc(line, func(run string) string { return lri + run + pdi })
		line = strings.ReplaceAll(line, "/"+lri, lri+"/") // keep "/command" whole inside its isolate
		lines[i] = rlm + line
	}
	return strings.Join(lines, "\n")
}

// htmlEscaper escapes text for Telegram's HTML parse mode.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func length(s string) int { return len(utf16.Encode([]rune(s))) }

// split cuts text into pieces of at most limit UTF-16 units: at blank lines
// first, then at line breaks, then at spaces, and only as a last resort
// inside a word.
func split(text string, limit int) []string {
	if length(text) <= limit {
		return []string{text}
	}
	for _, sep := range []string{"\n\n", "\n", " "} {
		parts := strings.Split(text, sep)
		if len(parts) < 2 {
			continue
		}
		var out []string
		cur := ""
		for _, p := range parts {
			switch {
			case cur == "":
				cur = p
			case length(cur+sep+p) <= limit:
				cur += sep + p
			default:
				out = append(out, cur)
				cur = p
			}
		}
		out = append(out, cur)
		var final []string
		for _, o := range out {
			final = append(final, split(o, limit)...)
		}
		return final
	}
	// One long word: cut by runes.
	var out []string
	runes := []rune(text)
	for len(runes) > 0 {
		n := 0
		for units := 0; n < len(runes); n++ {
			u := 1
			if runes[n] >= 0x10000 {
				u = 2
			}
			if units+u > limit {
				break
			}
			units += u
		}
		out = append(out, string(runes[:n]))
		runes = runes[n:]
	}
	return out
}

// inlineKeyboard is Telegram's InlineKeyboardMarkup with callback buttons
// only (the library's button type always sends an empty copy_text).
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

func keyboard(rows [][]interview.Button) *inlineKeyboard {
	if len(rows) == 0 {
		return nil
	}
	k := &inlineKeyboard{}
	for _, row := range rows {
		var out []inlineButton
		for _, b := range row {
			out = append(out, inlineButton{Text: b.Label, CallbackData: b.Data})
		}
		k.InlineKeyboard = append(k.InlineKeyboard, out)
	}
	return k
}

// merge joins consecutive replies to one chat into as few messages as
// possible — text without buttons runs on into the next reply — so that a
// turn of the conversation costs one message, not three, against the
// per-chat rate limit.
func merge(replies []interview.Reply) []interview.Reply {
	var out []interview.Reply
	for _, r := range replies {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if len(last.Buttons) == 0 && last.Edit == "" && r.Edit == "" && last.ChatID == r.ChatID && last.Thread == r.Thread && last.Lang == r.Lang {
				last.Text += "\n\n" + r.Text
				last.Buttons = r.Buttons
				last.Answer = r.Answer
				continue
			}
		}
		out = append(out, r)
	}
	return out
}
