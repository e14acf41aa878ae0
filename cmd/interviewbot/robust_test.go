package main

import (
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/telegram/fakeapi"
)

// interviewOver drives one English user through a whole interview of the
// demo track: choose the track and 3 questions, answer each, grade Good.
func interviewOver(u *chatter, answers [3]string) {
	u.t.Helper()
	u.api.SendText(u.user, "/interview")
	u.press(u.nextKeyboard(), "")
	u.press(u.nextKeyboard(), "3 questions")
	for i, a := range answers {
		u.next(fmt.Sprintf("Question %d of 3", i+1))
		u.api.SendText(u.user, a)
		u.press(u.nextKeyboard(), "Good")
	}
	u.next("Interview finished")
}

func answersOf(user int64) [3]string {
	return [3]string{
		fmt.Sprintf("user %d: more instances behind a load balancer", user),
		fmt.Sprintf("user %d: expensive reads that may be stale\nsecond line", user),
		fmt.Sprintf("user %d: a queue absorbs a burst 🙂", user),
	}
}

// checkDelivery compares what the fake received in each chat with what the
// outbox says was sent: the same messages in the same order, where a message
// may repeat only right after itself (sent, then the process died before it
// recorded the send). It returns the number of such repeats.
func checkDelivery(t *testing.T, b *bundle, api *fakeapi.Server, users []int64) int {
	t.Helper()
	repeats := 0
	for _, user := range users {
		rows, err := b.db.Query(context.Background(), `
			SELECT payload->>'text' FROM outbox WHERE platform = 'telegram' AND chat_id = $1 AND kind = 'message' ORDER BY id`, fmt.Sprint(user))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			want = append(want, s)
		}
		var got []string
		for _, m := range api.Messages(user) {
			text := html.UnescapeString(m.Text)
			if len(got) > 0 && got[len(got)-1] == text {
				repeats++
				continue
			}
			got = append(got, text)
		}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("chat %d: received %d messages, outbox has %d, or in another order", user, len(got), len(want))
		}
	}
	return repeats
}

func checkAnswers(t *testing.T, b *bundle, users []int64) {
	t.Helper()
	for _, user := range users {
		steps := b.steps(fmt.Sprint(user))
		want := answersOf(user)
		if len(steps) != 3 {
			t.Errorf("user %d: %d steps saved, want 3: %s", user, len(steps), describe(steps))
			continue
		}
		for i, s := range steps {
			if deref(s.Answer) != want[i] || s.Grade != 3 {
				t.Errorf("user %d step %d: answer %q grade %d, want %q once, graded Good", user, i+1, deref(s.Answer), s.Grade, want[i])
			}
		}
	}
}

// subprocess is `interviewbot run` as a child process.
type subprocess struct {
	cmd  *exec.Cmd
	logs *syncBuffer
}

func (b *bundle) spawnBot(api *fakeapi.Server) *subprocess {
	b.t.Helper()
	cmd := exec.Command(build(b.t), "run")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+b.env["DATABASE_URL"], "QUESTIONS_DIR="+b.env["QUESTIONS_DIR"], "LOG_LEVEL=warn",
		"TELEGRAM_TOKEN="+testToken, "TELEGRAM_API_URL="+api.URL())
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	p := &subprocess{cmd: cmd, logs: logs}
	b.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return p
}

// TestTelegramSurvivesSIGKILL kills the bot with SIGKILL at random moments
// while six users hold interviews, restarting it each time.
func TestTelegramSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	users := []int64{5001, 5002, 5003, 5004, 5005, 5006}

	done := make(chan struct{})
	go func() { runUsers(t, api, users); close(done) }()

	rng := rand.New(rand.NewPCG(1, 2))
	kills := 0
	p := b.spawnBot(api)
loop:
	for {
		select {
		case <-done:
			break loop
		case <-time.After(time.Duration(200+rng.IntN(700)) * time.Millisecond):
		}
		if kills >= 10 {
			<-done
			break
		}
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
		kills++
		p = b.spawnBot(api)
	}
	checkAnswers(t, b, users)
	repeats := checkDelivery(t, b, api, users)
	if v := api.Violations(); v != 0 {
		t.Errorf("%d rate limit violations", v)
	}
	if t.Failed() {
		t.Logf("last bot's log:\n%s", p.logs.String())
		rows, _ := b.db.Query(context.Background(), `SELECT chat_id || ' ' || kind || ' sent=' || (sent_at IS NOT NULL) || ' attempts=' || attempts || ' next=' || next_attempt_at::text || ' now=' || now()::text || ' ' || coalesce(last_error, '') FROM outbox`)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			t.Log("outbox:", s)
		}
		rows, _ = b.db.Query(context.Background(), `SELECT chat_id || ' ' || next_send_at::text FROM send_chats`)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			t.Log("send_chats:", s)
		}
		rows, _ = b.db.Query(context.Background(), `SELECT coalesce(state, '') || ' ' || coalesce(left(query, 60), '') || ' ' || coalesce(xact_start::text, '') FROM pg_stat_activity WHERE datname = current_database()`)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			t.Log("activity:", s)
		}
	}
	var parked int
	_ = b.db.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL) + (SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL)`).Scan(&parked)
	if parked != 0 {
		t.Errorf("%d items parked", parked)
	}
	var sent int
	_ = b.db.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE kind = 'message'`).Scan(&sent)
	t.Logf("%d SIGKILLs during %d interviews: %d messages, %d sent twice (the window between sending and recording)", kills, len(users), sent, repeats)
	if repeats > kills*8 { // at most one per sender worker in flight at each kill
		t.Errorf("%d repeats for %d kills", repeats, kills)
	}
}

// TestTelegramStopsOnSIGTERM: SIGTERM stops intake, finishes the work in
// hand and exits within 10 s; the conversation then goes on after a restart.
func TestTelegramStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	p := b.spawnBot(api)
	u := &chatter{t: t, api: api, user: fakeapi.User{ID: 6001, FirstName: "U", LanguageCode: "en"}}
	api.SendText(u.user, "/interview")
	u.nextKeyboard()

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, p.logs.String())
		}
		t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGTERM")
	}
	api.SendText(u.user, "/help") // arrives while the bot is down
	b.spawnBot(api)
	u.next("Commands:")
}
