package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/postgres/pgtest"
)

// bundle is one test's environment: a fresh database schema and the test bank.
type bundle struct {
	t   *testing.T
	env map[string]string
	db  *pgxpool.Pool
}

func setup(t *testing.T) *bundle {
	t.Helper()
	url := pgtest.URL(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return &bundle{t: t, db: db, env: map[string]string{
		"DATABASE_URL":  url,
		"QUESTIONS_DIR": "testdata/questions",
		"LOG_LEVEL":     "warn",
	}}
}

// chat runs `interviewbot chat` with input on stdin and returns its output.
func (b *bundle) chat(input string, args ...string) string {
	b.t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"chat"}, args...), func(k string) string { return b.env[k] }, strings.NewReader(input), &out, &errOut, nil)
	if err != nil {
		b.t.Fatalf("chat: %v\nstderr: %s\nstdout: %s", err, errOut.String(), out.String())
	}
	return out.String()
}

// step is one saved interview step, as the database has it.
type step struct {
	Position int
	Question string
	Answer   *string
	Skipped  bool
	Grade    int16 // 0: no grade
	Covered  []int32
	Lang     *string
}

// steps returns the steps of the user's interviews, oldest interview first.
func (b *bundle) steps(user string) []step {
	b.t.Helper()
	rows, err := b.db.Query(context.Background(), `
		SELECT s.position, s.question_id, s.answer, s.skipped, coalesce(s.grade, 0), s.covered, s.lang
		FROM interview_steps s JOIN interviews i ON i.id = s.interview_id JOIN users u ON u.id = i.user_id
		WHERE u.external_id = $1 ORDER BY i.id, s.position`, user)
	if err != nil {
		b.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[step])
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

func (b *bundle) scalar(sql string, args ...any) any {
	b.t.Helper()
	var v any
	if err := b.db.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		b.t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// script is a mock interview in one language: three answers, the second
// question skipped.
type script struct {
	lang    string
	answers [2]string // typed for questions 1 and 3; multi-line
	expect  []string  // texts the output must contain, in order
}

// The answers touch a key point of every test question, because the
// questions come in random order.
var scripts = []script{
	{"en", [2]string{"When reads are slow and expensive,\nrun more instances 🙂 and absorb a burst with a queue.", "A load balancer absorbs a spike, stale reads are fine  \n\twith trailing spaces and a tab"},
		[]string{"Question 1 of 3", "Reference answer:", "✓", "How did you do?", "Skipped.", "Question 3 of 3", "Interview finished: Demo track", "Answered 2 of 3 questions, skipped 1", "Again 1 · Hard 0 · Good 1 · Easy 0"}},
	{"nb", [2]string{"Når lesingen er dyr og treg.\nFlere instanser tåler topper.", "En lastbalanserer og en kø som frikobler tjenestene, og utdaterte data går fint."},
		[]string{"Spørsmål 1 av 3", "✓", "Spørsmål 3 av 3", "Demospor"}},
	{"ru", [2]string{"Когда чтение дорогое и медленное.\nГоризонтальное масштабирование, всплески гасит очередь.", "Балансировщик нагрузки, устаревшие данные допустимы, развязать сервисы."},
		[]string{"Вопрос 1 из 3", "✓", "Вопрос 3 из 3", "Демо-трек"}},
	{"fa", [2]string{"وقتی خواندن پرهزینه و کند است.\nمقیاس افقی و صف برای ترافیک ناگهانی.", "با Load Balancer؛ داده‌ی قدیمی هم قابل قبول است و جدا کردن سرویس‌ها."},
		[]string{"✓", "مسیر نمونه"}},
}

// input is what a user types for s: choose the track and its one length,
// answer, grade Good, skip, answer, grade Again.
func (s script) input() string {
	return strings.Join([]string{"/start", "/interview", "1", "1", s.answers[0], "", "3", "/skip", s.answers[1], "", "1", "/history", "1"}, "\n") + "\n"
}

func TestChatInterviewInEachLanguage(t *testing.T) {
	t.Parallel()
	for _, s := range scripts {
		t.Run(s.lang, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			out := b.chat(s.input(), "-user", "ann", "-lang", s.lang)
			rest := out
			for _, want := range s.expect {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("output lacks %q (in order); output:\n%s", want, out)
				}
				rest = rest[i+len(want):]
			}
			steps := b.steps("ann")
			if len(steps) != 3 {
				t.Fatalf("steps = %+v", steps)
			}
			for i, want := range []string{s.answers[0], "", s.answers[1]} {
				st := steps[i]
				if i == 1 {
					if st.Answer != nil || !st.Skipped {
						t.Errorf("step 2 = %+v, want skipped without answer", st)
					}
					continue
				}
				if st.Answer == nil || *st.Answer != want {
					t.Errorf("step %d answer = %q, want %q byte for byte", i+1, deref(st.Answer), want)
				}
				if st.Lang == nil || *st.Lang != s.lang {
					t.Errorf("step %d judged in %v, want %s", i+1, st.Lang, s.lang)
				}
				if len(st.Covered) == 0 {
					t.Errorf("step %d covered no key point: %+v", i+1, st)
				}
			}
			if g := steps[0].Grade; g != 3 {
				t.Errorf("grade 1 = %v, want 3", g)
			}
			if g := steps[2].Grade; g != 1 {
				t.Errorf("grade 3 = %v, want 1", g)
			}
			if n := b.scalar(`SELECT count(*) FROM reviews`); n != int64(2) {
				t.Errorf("reviews = %v, want 2", n)
			}
			if st := b.scalar(`SELECT status FROM interviews`); st != "finished" {
				t.Errorf("status = %v", st)
			}
			// /history shows the user's own answer after the summary.
			if i := strings.LastIndex(out, s.answers[1]); i < strings.Index(out, s.answers[1]) || i < 0 {
				t.Errorf("history does not show the answer again")
			}
			if n := b.scalar(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`); n != int64(0) {
				t.Errorf("%v replies left unsent", n)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestChatResumesAfterEveryStep runs the same script twice: once in one
// process, once as a new process for every message (as if the bot were
// killed between any two steps). The saved state must be the same.
func TestChatResumesAfterEveryStep(t *testing.T) {
	t.Parallel()
	messages := []string{
		"/interview", "1", "1",
		"first answer,\nover two lines\n",
		"2",
		"/language", "3", // switch to Russian mid-interview
		"ответ на второй вопрос\n",
		"добавление к ответу\n", // typed while the grade is pending: appended
		"4",
		"/skip",
	}
	whole := setup(t)
	var all strings.Builder
	for _, m := range messages {
		all.WriteString(m + "\n")
	}
	wholeOut := whole.chat(all.String(), "-user", "bob", "-lang", "en")

	resumed := setup(t)
	var outs []string
	for _, m := range messages {
		outs = append(outs, resumed.chat(m+"\n", "-user", "bob", "-lang", "en"))
	}
	if !strings.Contains(outs[4], "Welcome back") {
		t.Errorf("a resumed chat does not greet the returning user:\n%s", outs[4])
	}
	if !strings.Contains(strings.Join(outs, ""), "Собеседование") {
		t.Errorf("after /language ru the bot does not speak Russian")
	}

	got, want := resumed.steps("bob"), whole.steps("bob")
	normalize := func(ss []step) []step {
		ss = slices.Clone(ss)
		for i := range ss {
			ss[i].Question = "" // the questions' order is random
		}
		return ss
	}
	if describe(normalize(got)) != describe(normalize(want)) {
		t.Errorf("resumed state differs:\n got %s\nwant %s\nwhole run output:\n%s", describe(got), describe(want), wholeOut)
	}
	if len(want) != 3 || want[1].Answer == nil || *want[1].Answer != "ответ на второй вопрос\n\nдобавление к ответу" {
		t.Errorf("uninterrupted steps = %s", describe(want))
	}
	for _, b := range []*bundle{whole, resumed} {
		if st := b.scalar(`SELECT status FROM interviews`); st != "finished" {
			t.Errorf("status = %v", st)
		}
		if l := b.scalar(`SELECT language FROM users`); l != "ru" {
			t.Errorf("language = %v", l)
		}
		if g := b.scalar(`SELECT string_agg(grade::text, ',' ORDER BY id) FROM reviews`); g != "2,4" {
			t.Errorf("review log = %v, want 2,4", g)
		}
	}
}

func describe(ss []step) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "[%d answer=%q skipped=%v grade=%v covered=%v lang=%v] ", s.Position, deref(s.Answer), s.Skipped, s.Grade, s.Covered, deref(s.Lang))
	}
	return b.String()
}

func TestChatBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	long := strings.Repeat("ключ 🔑 کلید key ", 1250) // 20,000 characters
	if n := len([]rune(long)); n != 20000 {
		t.Fatalf("long answer has %d characters", n)
	}
	input := strings.Join([]string{
		"hello there",  // idle text
		"/frobnicate",  // unknown command
		"/interview",   //
		"7",            // out-of-range choice
		"not a choice", // text while a choice is pending
		"1", "1",       // track, length
		"   ",    // whitespace only: ignored by the terminal
		"/help",  // a command in the middle of an answer
		long, "", // a 20,000-character answer
		"9", // out-of-range grade: appended to the answer, not lost
		"",  //
		"2", // Hard
		"مرحبا – سلام دنیا، with English inside 👋", "", // RTL and emoji
		"/interview", // while one runs: continue or start over?
		"1",          // continue
		"4",          // Easy
		"/stop",
	}, "\n") + "\n"
	out := b.chat(input, "-user", "eve", "-lang", "en")
	for _, want := range []string{
		"I'm not asking anything right now",
		"I don't know the command /frobnicate",
		"Please pick one of the options below.",
		"Commands:",
		"Thanks — your answer is saved.",
		"I've added that to your answer.",
		"You have an interview in progress",
		"Interview stopped: Demo track",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	steps := b.steps("eve")
	if len(steps) != 3 {
		t.Fatalf("steps: %s", describe(steps))
	}
	if got := deref(steps[0].Answer); got != long+"\n\n9" {
		t.Errorf("long answer saved with %d characters, want %d + the appended line", len([]rune(got)), len([]rune(long)))
	}
	if got := deref(steps[1].Answer); got != "مرحبا – سلام دنیا، with English inside 👋" {
		t.Errorf("RTL answer = %q", got)
	}
	if steps[0].Grade != 2 || steps[1].Grade != 4 || !steps[2].Skipped {
		t.Errorf("steps: %s", describe(steps))
	}
}

// TestChatShowsRepliesQueuedBeforeACrash: replies committed to the outbox but
// never printed (the process died in between) are shown at the next start.
func TestChatShowsRepliesQueuedBeforeACrash(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.chat("/interview\n", "-user", "kim", "-lang", "en")
	if _, err := b.db.Exec(context.Background(), `UPDATE outbox SET sent_at = NULL WHERE payload->>'text' LIKE 'Which track%'`); err != nil {
		t.Fatal(err)
	}
	out := b.chat("", "-user", "kim", "-lang", "en")
	if strings.Count(out, "Which track do you want to practise?") != 2 { // the unsent one, then the resume
		t.Errorf("the unsent reply was not shown first:\n%s", out)
	}
	if n := b.scalar(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`); n != int64(0) {
		t.Errorf("%v replies left unsent", n)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"LOG_LEVEL": "loud"}, []string{"chat"}, `invalid LOG_LEVEL "loud": want debug, info, warn or error`},
		{map[string]string{"DATABASE_URL": "postgres://u:secret@host:notaport/db"}, []string{"migrate"}, "invalid DATABASE_URL"},
		{map[string]string{"QUESTIONS_DIR": "/nonexistent"}, []string{"chat"}, `invalid QUESTIONS_DIR: "/nonexistent" is not a readable directory`},
		{nil, []string{"chat", "-lang", "de"}, `chat: unknown -lang "de": want en, nb, ru or fa`},
		{nil, []string{"frob"}, `unknown command "frob"`},
		{nil, nil, "TELEGRAM_TOKEN is required"},
		{map[string]string{"TELEGRAM_TOKEN": "1:x", "TELEGRAM_RATE": "fast"}, []string{"run"}, `invalid TELEGRAM_RATE "fast"`},
		{map[string]string{"TELEGRAM_TOKEN": "1:x", "TELEGRAM_RATE": "0.5"}, []string{"run"}, `invalid TELEGRAM_RATE "0.5"`},
		{map[string]string{"TELEGRAM_TOKEN": "1:x", "WEBHOOK_URL": "https://bot.example.com/hook"}, []string{"run"}, "invalid WEBHOOK_SECRET"},
		{map[string]string{"TELEGRAM_TOKEN": "1:x", "TELEGRAM_API_URL": "ftp://x"}, []string{"run"}, `invalid TELEGRAM_API_URL "ftp://x"`},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, strings.NewReader(""), &out, &errOut, nil)
		if err == nil || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("run(%v, %v) = %v, want %q", tt.args, tt.env, err, tt.want)
			continue
		}
		if exitCode(err) != 2 {
			t.Errorf("run(%v): exit code %d, want 2", tt.args, exitCode(err))
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestLint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good, err := os.ReadFile("testdata/questions/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(good), "    level: junior\n", "    level: expert\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "demo.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"lint", dir}, func(string) string { return "" }, nil, &out, &errOut, nil)
	if err == nil || exitCode(err) != 1 {
		t.Errorf("lint of a broken bank: err = %v, want exit 1", err)
	}
	want := filepath.Join(dir, "demo.yaml") + `:22: question demo-cache: unknown level "expert" (want junior, mid, senior)`
	if strings.TrimSpace(out.String()) != want {
		t.Errorf("lint printed:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	if err := run(context.Background(), []string{"lint"}, func(string) string { return "" }, nil, &out, &errOut, nil); err != nil {
		t.Errorf("lint of the built-in bank: %v\n%s", err, out.String())
	}
}

func TestBrokenBankAtStartup(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("track: x\ntitle: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.env["QUESTIONS_DIR"] = dir
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"chat"}, func(k string) string { return b.env[k] }, strings.NewReader(""), &out, &errOut, nil)
	if err == nil || !strings.Contains(errOut.String(), filepath.Join(dir, "x.yaml")+":2: did not find expected node content") {
		t.Errorf("err = %v, stderr = %q; want a file:line problem", err, errOut.String())
	}
}
