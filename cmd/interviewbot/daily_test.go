package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/telegram/fakeapi"
)

// clock is a settable clock for the bot under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// dailyScripts are per-language fragments of the daily question's messages.
var dailyScripts = map[string]struct{ set, question, saved, graded string }{
	"en": {"All set!", "Question of the day", "your answer is saved", "Graded: Good"},
	"nb": {"Klart!", "Dagens spørsmål", "svaret ditt er lagret", "Vurdert: Bra"},
	"ru": {"Готово!", "Вопрос дня", "ответ сохранён", "Оценка: Хорошо"},
	"fa": {"همه‌چیز آماده است", "سؤال روز", "پاسختان ذخیره شد", "ارزیابی: خوب"},
}

// TestTelegramDaily sets up the daily question in Telegram in each
// language, receives it from the per-tick scheduler at 07:30 Oslo time,
// answers it by replying, reads the reference answer and grades it; then
// blocks the bot (the 403 pauses the deliveries) and comes back (they resume).
func TestTelegramDaily(t *testing.T) {
	t.Parallel()
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	for lang, s := range dailyScripts {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			api := fakeapi.New(testToken)
			defer api.Close()
			clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, oslo)}
			b.startBotHooks(api, "polling", nil, &serviceHooks{now: clk.now, dailySchedule: "@every 1s"})
			u := &chatter{t: t, api: api, user: fakeapi.User{ID: 8001, FirstName: "Kari", LanguageCode: lang}}

			api.SendText(u.user, "/daily")
			u.nextKeyboard() // the times
			api.SendText(u.user, "07:30")
			zones := u.nextKeyboard()
			u.pressData(zones, "dzone:Europe/Oslo")
			tracks := u.nextKeyboard()
			u.pressData(tracks, "dtrack:demo") // off …
			edited := u.edited(tracks, "▫️")
			u.pressData(edited, "dtrack:demo") // … and on again, in place
			edited = u.edited(tracks, "✅")
			u.pressData(edited, "dtracks")
			set := u.next(s.set)
			if !strings.Contains(set.Text, "07:30") || !strings.Contains(set.Text, "Europe/Oslo") {
				t.Errorf("confirmation: %q", set.Text)
			}

			clk.set(time.Date(2026, 3, 3, 7, 30, 0, 0, oslo))
			q := u.next(s.question)
			api.Reply(u.user, q, "Reads are expensive and slow, and the data may be a little stale")
			saved := u.nextKeyboard()
			if !strings.Contains(saved.Text, s.saved) {
				t.Errorf("after the answer: %q", saved.Text)
			}
			u.pressData(saved, "dq:ref:2026-03-03")
			grades := u.nextKeyboard()
			u.pressData(grades, "dq:grade:2026-03-03:3")
			u.next(s.graded)
			var answer string
			if err := b.db.QueryRow(t.Context(), `SELECT answer FROM daily_deliveries WHERE local_date = '2026-03-03'`).Scan(&answer); err != nil || answer != "Reads are expensive and slow, and the data may be a little stale" {
				t.Errorf("saved answer %q (%v)", answer, err)
			}
			if n := b.scalar(`SELECT count(*) FROM reviews WHERE grade = 3 AND interview_id IS NULL`); n != int64(1) {
				t.Errorf("reviews: %v", n)
			}

			// The user blocks the bot: the next question meets a 403, the
			// user is marked, and the day after nothing is sent.
			api.Block(u.user.ID)
			clk.set(time.Date(2026, 3, 4, 7, 30, 0, 0, oslo))
			b.eventually(`SELECT count(*) = 1 FROM users WHERE blocked_at IS NOT NULL`, "the 403 marks the user as blocked")
			clk.set(time.Date(2026, 3, 5, 7, 30, 0, 0, oslo))
			b.eventually(`SELECT count(*) = 1 FROM daily_subscriptions WHERE next_at IS NULL AND stopped_at IS NULL`, "the subscription pauses")
			if n := b.scalar(`SELECT count(*) FROM daily_deliveries WHERE local_date = '2026-03-05'`); n != int64(0) {
				t.Errorf("%v deliveries to a user who blocked the bot", n)
			}

			// Back again: the questions resume the next day.
			api.Unblock(u.user.ID)
			api.SetMember(u.user, "kicked", "member")
			b.eventually(`SELECT count(*) = 1 FROM daily_subscriptions WHERE next_at IS NOT NULL`, "the subscription resumes")
			// The question that met the 403 was never seen: plain text is
			// not its answer.
			api.SendText(u.user, "hello again")
			u.next("")
			if n := b.scalar(`SELECT count(*) FROM daily_deliveries WHERE answer IS NOT NULL`); n != int64(1) {
				t.Errorf("%v answered deliveries, want only the first", n)
			}
			clk.set(time.Date(2026, 3, 6, 7, 30, 0, 0, oslo))
			u.next(s.question)
			if n := b.scalar(`SELECT count(*) FROM daily_deliveries`); n != int64(3) {
				t.Errorf("%v deliveries, want 3 (the 3rd, the 4th that met the 403, the 6th)", n)
			}
			if v := api.Violations(); v != 0 {
				t.Errorf("%d rate limit violations", v)
			}
			if cmds := api.Commands(lang); !strings.Contains(cmds, `"daily"`) {
				t.Errorf("no /daily in the %s command list: %s", lang, cmds)
			}
		})
	}
}

// edited waits until the bot has edited message m so that its buttons
// contain label, and returns it as it is now.
func (c *chatter) edited(m fakeapi.Message, label string) fakeapi.Message {
	c.t.Helper()
	var found fakeapi.Message
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := c.api.Wait(ctx, func(s *fakeapi.Server) bool {
		for _, x := range s.Messages(c.user.ID) {
			if x.ID == m.ID && x.Edits > m.Edits && strings.Contains(x.Markup, label) {
				found = x
				return true
			}
		}
		return false
	})
	if err != nil {
		c.t.Fatalf("message %d was not edited to show %q", m.ID, label)
	}
	return found
}

// TestChatDaily sets up the daily question in the terminal chat; a question
// that came due while the chat was closed arrives when it opens, and the
// next typed text answers it.
func TestChatDaily(t *testing.T) {
	t.Parallel()
	b := setup(t)
	out := b.chat("/daily\n07:30\nUTC\n2\n", "-user", "ann", "-lang", "en")
	if !strings.Contains(out, "All set! A question every day at 07:30 (UTC), from: Demo track") {
		t.Fatalf("setup output:\n%s", out)
	}
	// Due since a minute ago, at midnight UTC: today's question is late.
	if _, err := b.db.Exec(context.Background(), `UPDATE daily_subscriptions SET at_minute = 0, next_at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	out = b.chat("It is expensive and slow\n\n", "-user", "ann", "-lang", "en")
	q := strings.Index(out, "📅 Question of the day")
	saved := strings.Index(out, "Thanks — your answer is saved")
	if q < 0 || saved < q {
		t.Fatalf("question and answer output:\n%s", out)
	}
	if n := b.scalar(`SELECT count(*) FROM daily_deliveries WHERE answer = 'It is expensive and slow'`); n != int64(1) {
		t.Errorf("saved daily answers: %v", n)
	}
	if out := b.chat("", "-user", "ann", "-lang", "en"); strings.Contains(out, "Question of the day") {
		t.Errorf("the question came twice:\n%s", out)
	}
}
