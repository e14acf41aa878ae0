package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/telegram/fakeapi"
)

const testToken = "123456:TEST-token"

// bot is a running `interviewbot run` against a fake Bot API.
type bot struct {
	t    *testing.T
	api  *fakeapi.Server
	stop func()
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startBot runs the bot in polling or webhook mode on b's database against api.
func (b *bundle) startBot(api *fakeapi.Server, mode string, extra map[string]string) *bot {
	b.t.Helper()
	return b.startBotHooks(api, mode, extra, nil)
}

// startBotHooks is startBot with test hooks into the service.
func (b *bundle) startBotHooks(api *fakeapi.Server, mode string, extra map[string]string, hooks *serviceHooks) *bot {
	b.t.Helper()
	env := map[string]string{"TELEGRAM_TOKEN": testToken, "TELEGRAM_API_URL": api.URL(), "LOG_LEVEL": "debug"}
	for k, v := range b.env {
		env[k] = v
	}
	if mode == "webhook" {
		addr := freePort(b.t)
		env["LISTEN_ADDR"] = addr
		env["WEBHOOK_URL"] = "http://" + addr + "/telegram/hook"
		env["WEBHOOK_SECRET"] = "s3cret_token"
	}
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run"}, func(k string) string { return env[k] }, nil, &bytes.Buffer{}, logs, hooks)
	}()
	bt := &bot{t: b.t, api: api, logs: logs}
	var once sync.Once
	bt.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					b.t.Errorf("run: %v", err)
				}
			case <-time.After(15 * time.Second):
				b.t.Errorf("the bot did not stop within 15 s")
			}
		})
	}
	b.t.Cleanup(func() {
		bt.stop()
		if b.t.Failed() {
			b.t.Logf("bot log:\n%s", logs.String())
		}
	})
	return bt
}

// chatter is one simulated Telegram user talking to the bot.
type chatter struct {
	t    *testing.T
	api  *fakeapi.Server
	user fakeapi.User
	seen int // messages already read
}

// next waits for the bot's next message to the user that contains want.
func (c *chatter) next(want string) fakeapi.Message {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	var found *fakeapi.Message
	err := c.api.Wait(ctx, func(s *fakeapi.Server) bool {
		for i, m := range s.Messages(c.user.ID)[c.seen:] {
			if strings.Contains(m.Text, want) {
				found = &m
				c.seen += i + 1
				return true
			}
		}
		return false
	})
	if err != nil {
		var texts []string
		for _, m := range c.api.Messages(c.user.ID) {
			texts = append(texts, m.Text)
		}
		c.t.Fatalf("no message containing %q; messages so far:\n%s", want, strings.Join(texts, "\n---\n"))
	}
	return *found
}

// nextKeyboard waits for the bot's next message to the user that has buttons.
func (c *chatter) nextKeyboard() fakeapi.Message {
	c.t.Helper()
	for {
		m := c.next("")
		if strings.Contains(m.Markup, "callback_data") {
			return m
		}
	}
}

// press presses the button whose label contains label under message m.
func (c *chatter) press(m fakeapi.Message, label string) string {
	c.t.Helper()
	return c.pressWhere(m, "label "+label, func(text, _ string) bool { return strings.Contains(text, label) })
}

// pressData presses the button whose callback data starts with prefix.
func (c *chatter) pressData(m fakeapi.Message, prefix string) string {
	c.t.Helper()
	return c.pressWhere(m, "data "+prefix, func(_, data string) bool { return strings.HasPrefix(data, prefix) })
}

// pressWhere presses the first button under m that match accepts.
func (c *chatter) pressWhere(m fakeapi.Message, what string, match func(text, data string) bool) string {
	c.t.Helper()
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(m.Markup), &kb); err != nil {
		c.t.Fatalf("message %q has no keyboard: %v", m.Text, err)
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if match(b.Text, b.CallbackData) {
				return c.api.Press(c.user, m, b.CallbackData)
			}
		}
	}
	c.t.Fatalf("no button with %s under %q (markup %s)", what, m.Text, m.Markup)
	return ""
}

// telegramScripts are per-language labels for a Telegram interview.
var telegramScripts = map[string]struct{ length, grade, finished string }{
	"en": {"3 questions", "Good", "Interview finished: Demo track"},
	"nb": {"3 spørsmål", "Bra", "Demospor"},
	"ru": {"3 вопроса", "Хорошо", "Демо-трек"},
	"fa": {"3", "خوب", "مسیر نمونه"},
}

func TestTelegramInterview(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"polling", "webhook"} {
		for _, s := range scripts {
			t.Run(mode+"/"+s.lang, func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				api := fakeapi.New(testToken)
				defer api.Close()
				bt := b.startBot(api, mode, nil)
				labels := telegramScripts[s.lang]
				u := &chatter{t: t, api: api, user: fakeapi.User{ID: 7001, FirstName: "Ann", LanguageCode: s.lang}}

				api.SendText(u.user, "/start")
				u.next("/interview")
				api.SendText(u.user, "/interview")
				tracks := u.nextKeyboard()
				u.press(tracks, "") // the only track
				lengths := u.nextKeyboard()
				u.press(lengths, labels.length)
				u.next("")
				api.SendText(u.user, s.answers[0])
				grades := u.nextKeyboard()
				cb := u.press(grades, labels.grade)
				u.next("")
				api.SendText(u.user, "/skip")
				u.next("")
				api.SendText(u.user, s.answers[1])
				grades = u.nextKeyboard()
				u.press(grades, "") // the first grade button: Again
				u.next(labels.finished)

				steps := b.steps("7001")
				if len(steps) != 3 || deref(steps[0].Answer) != s.answers[0] || !steps[1].Skipped || deref(steps[2].Answer) != s.answers[1] {
					t.Fatalf("saved steps: %s", describe(steps))
				}
				if steps[0].Grade != 3 || steps[2].Grade != 1 {
					t.Errorf("grades: %s", describe(steps))
				}
				if !api.CallbackAnswered(cb) {
					t.Errorf("button press %s was not answered", cb)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := api.Wait(ctx, func(s *fakeapi.Server) bool {
					for _, m := range s.Messages(u.user.ID) {
						if m.ID == grades.ID {
							return m.Edits > 0 && strings.Contains(m.Markup, `"inline_keyboard":[]`)
						}
					}
					return false
				}); err != nil {
					t.Errorf("the used grade buttons were not removed")
				}
				for _, m := range api.Messages(u.user.ID) {
					if m.ParseMode != "HTML" {
						t.Errorf("message %d not in HTML parse mode", m.ID)
					}
				}
				if v := api.Violations(); v != 0 {
					t.Errorf("%d rate limit violations", v)
				}
				if cmds := api.Commands(s.lang); !strings.Contains(cmds, `"interview"`) {
					t.Errorf("no command list for %s: %s", s.lang, cmds)
				}
				bt.stop()
			})
		}
	}
}

func TestTelegramWebhookSecurity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	b.startBot(api, "webhook", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := api.Wait(ctx, func(s *fakeapi.Server) bool { return s.Webhook() != "" }); err != nil {
		t.Fatal("webhook never set")
	}
	hook := api.Webhook()
	post := func(secret, body string) int {
		var resp *httpResponse
		for range 50 { // the server may still be starting
			r, err := postJSON(hook, secret, body)
			if err == nil {
				resp = r
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if resp == nil {
			t.Fatalf("webhook server not reachable at %s", hook)
		}
		return resp.code
	}
	if code := post("wrong", `{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 9, "type": "private"}, "from": {"id": 9, "is_bot": false, "first_name": "X"}, "text": "/start"}}`); code != 401 {
		t.Errorf("wrong secret: HTTP %d, want 401", code)
	}
	if code := post("s3cret_token", `{"update_id": 6, "message": {"text": "`+strings.Repeat("x", 2<<20)+`"}}`); code != 413 {
		t.Errorf("oversized body: HTTP %d, want 413", code)
	}
	if code := post("s3cret_token", `{"message": {}}`); code != 400 {
		t.Errorf("no update_id: HTTP %d, want 400", code)
	}
	if n := b.scalar(`SELECT count(*) FROM inbox`); n != int64(0) {
		t.Errorf("refused requests stored %v updates", n)
	}
	if code := post("s3cret_token", `{"update_id": 7, "message": {"message_id": 1, "date": 1, "chat": {"id": 9, "type": "private"}, "from": {"id": 9, "is_bot": false, "first_name": "X"}, "text": "/start"}}`); code != 200 {
		t.Errorf("good update: HTTP %d, want 200", code)
	}
	if n := b.scalar(`SELECT count(*) FROM inbox WHERE update_id = 7`); n != int64(1) {
		t.Errorf("the accepted update was not stored before 200")
	}
	_ = fmt.Sprint()
}
