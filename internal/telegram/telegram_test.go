package telegram

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/interviewbot/interviewbot/internal/interview"
)

const (
	from    = `"from": {"id": 42, "is_bot": false, "first_name": "Ann", "language_code": "nb"}`
	private = `"chat": {"id": 42, "type": "private", "first_name": "Ann"}`
	group   = `"chat": {"id": -100123, "type": "supergroup", "title": "Room", "is_forum": true}`
	botUser = `{"id": 1, "is_bot": true, "first_name": "Bot", "username": "b"}`
)

func TestDecodeEveryUpdateKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		json  string
		kind  interview.Kind
		check func(t *testing.T, d decoded)
		// ignored updates have no event
		ignored bool
	}{
		{name: "text", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + private + `, "text": "hello"}}`,
			check: func(t *testing.T, d decoded) {
				if e := d.event; e.Text != "hello" || e.UserID != "42" || e.ChatID != "42" || e.Locale != "nb" || e.MessageID != "5" || e.Group {
					t.Errorf("event = %+v", e)
				}
			}},
		{name: "command with entity", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + private + `, "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}`},
		{name: "edited text", json: `{"update_id": 1, "edited_message": {"message_id": 5, "date": 1, "edit_date": 2, ` + from + `, ` + private + `, "text": "better"}}`, kind: interview.KindEdit},
		{name: "edited photo caption", json: `{"update_id": 1, "edited_message": {"message_id": 5, "date": 1, "edit_date": 2, ` + from + `, ` + private + `, "photo": [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}], "caption": "c"}}`, ignored: true},
		{name: "photo", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + private + `, "photo": [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]}}`, kind: interview.KindNonText},
		{name: "sticker", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + private + `, "sticker": {"file_id": "x", "file_unique_id": "y", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false}}}`, kind: interview.KindNonText},
		{name: "voice", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + private + `, "voice": {"file_id": "x", "file_unique_id": "y", "duration": 3}}}`, kind: interview.KindNonText},
		{name: "document", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + private + `, "document": {"file_id": "x", "file_unique_id": "y"}}}`, kind: interview.KindNonText},
		{name: "forwarded text", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + private + `, "text": "quoted", "forward_origin": {"type": "hidden_user", "sender_user_name": "Bob", "date": 1}}}`,
			check: func(t *testing.T, d decoded) {
				if d.event.Text != "quoted" {
					t.Errorf("forwarded text = %q", d.event.Text)
				}
			}},
		{name: "service message", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + private + `, "pinned_message": {"message_id": 4, "date": 1, ` + private + `}}}`, ignored: true},
		{name: "button press", json: `{"update_id": 1, "callback_query": {"id": "cq1", ` + from + `, "chat_instance": "1", "data": "grade:1:1:3", "message": {"message_id": 9, "date": 1, "from": ` + botUser + `, ` + private + `, "text": "How did you do?", "reply_markup": {"inline_keyboard": [[{"text": "Good", "callback_data": "grade:1:1:3"}]]}}}}`,
			check: func(t *testing.T, d decoded) {
				if d.callbackID != "cq1" || d.event.Data != "grade:1:1:3" || d.pressedIn == nil || d.pressedIn.ID != 9 {
					t.Errorf("decoded = %+v", d)
				}
			}},
		{name: "button under an old message", json: `{"update_id": 1, "callback_query": {"id": "cq2", ` + from + `, "chat_instance": "1", "data": "x", "message": {"message_id": 9, "date": 0, ` + private + `}}}`,
			check: func(t *testing.T, d decoded) {
				if d.callbackID != "cq2" || d.event.ChatID != "42" {
					t.Errorf("decoded = %+v", d)
				}
			}},
		{name: "blocked", json: `{"update_id": 1, "my_chat_member": {` + private + `, ` + from + `, "date": 1, "old_chat_member": {"status": "member", "user": ` + botUser + `}, "new_chat_member": {"status": "kicked", "user": ` + botUser + `, "until_date": 0}}}`, kind: interview.KindBlocked},
		{name: "unblocked", json: `{"update_id": 1, "my_chat_member": {` + private + `, ` + from + `, "date": 1, "old_chat_member": {"status": "kicked", "user": ` + botUser + `, "until_date": 0}, "new_chat_member": {"status": "member", "user": ` + botUser + `}}}`, kind: interview.KindUnblocked},
		{name: "added to group", json: `{"update_id": 1, "my_chat_member": {` + group + `, ` + from + `, "date": 1, "old_chat_member": {"status": "left", "user": ` + botUser + `}, "new_chat_member": {"status": "administrator", "user": ` + botUser + `, "can_be_edited": false, "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": true, "can_restrict_members": true, "can_promote_members": false, "can_change_info": true, "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false}}}`, kind: interview.KindAddedToGroup},
		{name: "removed from group", json: `{"update_id": 1, "my_chat_member": {` + group + `, ` + from + `, "date": 1, "old_chat_member": {"status": "member", "user": ` + botUser + `}, "new_chat_member": {"status": "left", "user": ` + botUser + `}}}`, ignored: true},
		{name: "forum topic message", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, ` + from + `, ` + group + `, "message_thread_id": 77, "is_topic_message": true, "text": "/help@b"}}`,
			check: func(t *testing.T, d decoded) {
				if !d.event.Group || d.event.Thread != "77" || d.event.ChatID != "-100123" {
					t.Errorf("event = %+v", d.event)
				}
			}},
		{name: "anonymous admin", json: `{"update_id": 1, "message": {"message_id": 5, "date": 1, "from": {"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"}, "sender_chat": {"id": -100123, "type": "supergroup", "title": "Room"}, ` + group + `, "text": "/start"}}`,
			check: func(t *testing.T, d decoded) {
				if d.event.UserID != "chat-100123" || !d.event.Group {
					t.Errorf("event = %+v", d.event)
				}
			}},
		{name: "channel post", json: `{"update_id": 1, "channel_post": {"message_id": 5, "date": 1, "chat": {"id": -1001, "type": "channel", "title": "News"}, "text": "news"}}`, ignored: true},
		{name: "edited channel post", json: `{"update_id": 1, "edited_channel_post": {"message_id": 5, "date": 1, "chat": {"id": -1001, "type": "channel", "title": "News"}, "text": "news"}}`, ignored: true},
		{name: "inline query", json: `{"update_id": 1, "inline_query": {"id": "q", ` + from + `, "query": "x", "offset": ""}}`, ignored: true},
		{name: "poll answer", json: `{"update_id": 1, "poll_answer": {"poll_id": "p", "user": ` + botUser + `, "option_ids": [0]}}`, ignored: true},
		{name: "reaction", json: `{"update_id": 1, "message_reaction": {` + private + `, "message_id": 3, "date": 1, "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}}`, ignored: true},
		{name: "unknown future kind", json: `{"update_id": 1, "something_new": {"a": 1}}`, ignored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := decode([]byte(tt.json))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if tt.ignored {
				if d.event != nil || d.why == "" {
					t.Errorf("want ignored on purpose, got %+v", d)
				}
				return
			}
			if d.event == nil {
				t.Fatalf("ignored (%s), want an event", d.why)
			}
			if d.event.Kind != tt.kind || d.event.Platform != Platform {
				t.Errorf("kind = %q, want %q", d.event.Kind, tt.kind)
			}
			if tt.check != nil {
				tt.check(t, d)
			}
			if _, key, err := ChatKey([]byte(tt.json)); err != nil || key == "" {
				t.Errorf("ChatKey = %q, %v", key, err)
			}
		})
	}
}

func TestDecodeRejectsBrokenJSON(t *testing.T) {
	t.Parallel()
	if _, err := decode([]byte(`{"update_id": 1, "message": `)); err == nil {
		t.Error("truncated JSON decoded")
	}
	if _, _, err := ChatKey([]byte(`{"message": {}}`)); err == nil {
		t.Error("an update without update_id has a chat key")
	}
}

// TestPersianRendersRightToLeft: each Persian line starts right-to-left,
// and Latin terms sit in left-to-right isolates with their punctuation.
func TestPersianRendersRightToLeft(t *testing.T) {
	t.Parallel()
	in := "از sync.Pool و Load Balancer استفاده کنید.\n\n/interview را بفرستید\nGOMAXPROCS=4 مهم است"
	got := bidi(in)
	for i, line := range strings.Split(got, "\n") {
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, rlm) {
			t.Errorf("line %d does not start with RLM: %q", i, line)
		}
	}
	for _, want := range []string{lri + "sync.Pool" + pdi, lri + "Load Balancer" + pdi, lri + "/interview" + pdi, lri + "GOMAXPROCS=4" + pdi} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if strings.Count(got, lri) != strings.Count(got, pdi) {
		t.Errorf("unbalanced isolates in %q", got)
	}
	// Removing the controls gives the text back.
	plain := strings.NewReplacer(rlm, "", lri, "", pdi, "").Replace(got)
	if plain != in {
		t.Errorf("bidi changed the text: %q", plain)
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	para := strings.Repeat("word ", 300) // 1,500 characters
	text := strings.Join([]string{para, para, para, para, para}, "\n\n")
	chunks := split(text, maxMessage)
	if len(chunks) != 3 {
		t.Fatalf("got %d chunks, want 3", len(chunks))
	}
	for i, c := range chunks {
		if length(c) > maxMessage {
			t.Errorf("chunk %d has %d units", i, length(c))
		}
	}
	if strings.Join(chunks, "\n\n") != text {
		t.Error("split at paragraphs loses text")
	}
	// Emoji count twice in UTF-16; a long word is cut by runes.
	emoji := strings.Repeat("😀", 3000)
	chunks = split(emoji, maxMessage)
	if len(chunks) != 2 || length(chunks[0]) != 4096 || !utf8.ValidString(chunks[0]) || strings.Join(chunks, "") != emoji {
		t.Errorf("emoji split into %d chunks, first %d units", len(chunks), length(chunks[0]))
	}
	if got := split("short", maxMessage); len(got) != 1 || got[0] != "short" {
		t.Errorf("short text split: %q", got)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	b := [][]interview.Button{{{Label: "Good", Data: "g"}}}
	in := []interview.Reply{
		{ChatID: "1", Lang: "en", Text: "saved"},
		{ChatID: "1", Lang: "en", Text: "reference"},
		{ChatID: "1", Lang: "en", Text: "grade?", Buttons: b},
		{ChatID: "1", Lang: "en", Text: "next question", Answer: true},
	}
	got := merge(in)
	if len(got) != 2 || got[0].Text != "saved\n\nreference\n\ngrade?" || len(got[0].Buttons) != 1 || got[1].Text != "next question" {
		t.Errorf("merge = %+v", got)
	}
}

func TestHTMLEscaping(t *testing.T) {
	t.Parallel()
	if got := htmlEscaper.Replace(`a < b && c > "d" <b>x</b>`); got != `a &lt; b &amp;&amp; c &gt; "d" &lt;b&gt;x&lt;/b&gt;` {
		t.Errorf("escaped = %q", got)
	}
}
