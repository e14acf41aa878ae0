package interview_test

import (
	"cmp"
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot"
	"github.com/interviewbot/interviewbot/internal/bank"
	"github.com/interviewbot/interviewbot/internal/i18n"
	"github.com/interviewbot/interviewbot/internal/interview"
	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/postgres/pgtest"
)

// harness drives the engine as one user, on a fresh schema, with a clock
// that advances a minute per event and questions in bank order.
type harness struct {
	t      *testing.T
	engine *interview.Engine
	store  *postgres.Store
	db     *pgxpool.Pool
	bank   *bank.Bank
	tr     *i18n.Bundle
	mu     sync.Mutex
	clock  time.Time
}

func setup(t *testing.T) *harness {
	t.Helper()
	b, probs := bank.Load(os.DirFS("testdata"), "testdata")
	if b == nil {
		t.Fatal(probs)
	}
	tr, err := i18n.Load(interviewbot.Locales(), "locales")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: pgtest.Pool(t), bank: b, tr: tr, clock: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h.store = postgres.NewStore(h.db)
	h.engine = interview.New(b, h.store, tr, interview.Options{
		Now:     h.now,
		Shuffle: func(int, func(int, int)) {}, // keep bank order
	})
	return h
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clock = h.clock.Add(time.Minute)
	return h.clock
}

// send handles one event of user "u1" and returns the texts of the replies
// and the buttons of the last reply that had any.
func (h *harness) send(ev interview.Event) ([]string, []interview.Button) {
	h.t.Helper()
	h.handle(ev)
	return h.outbox()
}

// handle handles one event of user "u1", leaving the replies queued.
func (h *harness) handle(ev interview.Event) {
	h.t.Helper()
	ev.Platform, ev.UserID, ev.ChatID = "test", "u1", "u1"
	ev.Locale = cmp.Or(ev.Locale, "en")
	if err := h.engine.Handle(context.Background(), ev); err != nil {
		h.t.Fatalf("Handle(%+v): %v", ev, err)
	}
}

// outbox takes the replies queued for "u1" and returns their texts and the
// buttons of the last reply that had any.
func (h *harness) outbox() ([]string, []interview.Button) {
	h.t.Helper()
	var texts []string
	var buttons []interview.Button
	for _, r := range h.queued() {
		texts = append(texts, r.Text)
		if len(r.Buttons) > 0 {
			buttons = slices.Concat(r.Buttons...)
		}
	}
	return texts, buttons
}

// queued takes the replies queued for "u1".
func (h *harness) queued() []interview.Reply {
	h.t.Helper()
	ctx := context.Background()
	msgs, err := h.store.Pending(ctx, "test", "u1")
	if err != nil {
		h.t.Fatal(err)
	}
	ids := make([]int64, len(msgs))
	out := make([]interview.Reply, len(msgs))
	for i, m := range msgs {
		ids[i], out[i] = m.ID, m.Reply
	}
	if err := h.store.MarkSent(ctx, ids); err != nil {
		h.t.Fatal(err)
	}
	return out
}

func (h *harness) text(s string) []string {
	texts, _ := h.send(interview.Event{Text: s})
	return texts
}

func (h *harness) press(b interview.Button) []string {
	texts, _ := h.send(interview.Event{Data: b.Data})
	return texts
}

// begin starts an interview of all three demo questions and returns the
// replies to the length choice.
func (h *harness) begin() []string {
	h.t.Helper()
	_, tracks := h.send(interview.Event{Text: "/interview"})
	_, lengths := h.send(interview.Event{Data: tracks[0].Data})
	if len(lengths) != 1 || lengths[0].Label != "3 questions" {
		h.t.Fatalf("length buttons = %+v", lengths)
	}
	return h.press(lengths[0])
}

func contains(texts []string, sub string) bool {
	return slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, sub) })
}

func (h *harness) count(sql string) int {
	h.t.Helper()
	var n int
	if err := h.db.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func TestStaleButtons(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.begin()
	_, grades := h.send(interview.Event{Text: "It is slow and expensive"})
	h.press(grades[2])
	// The same grade button again: the step is closed.
	if got := h.press(grades[2]); !contains(got, "no longer does anything") {
		t.Errorf("second press of a grade button: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM reviews`); n != 1 {
		t.Errorf("reviews = %d, want 1", n)
	}
	h.text("/stop")
	// A button of a finished interview, and data no button ever had.
	for _, data := range []string{grades[3].Data, "grade:x:y:z", "bogus", "len:demo:3", "track:nope", "lang:de", "hist:999"} {
		if got := h.press(interview.Button{Data: data}); !contains(got, "no longer does anything") {
			t.Errorf("press %q: %q", data, got)
		}
	}
	if n := h.count(`SELECT count(*) FROM interviews`); n != 1 {
		t.Errorf("interviews = %d, want 1: a stale length button started one", n)
	}
}

func TestRestartKeepsTheOldInterview(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.begin()
	h.text("my first answer")
	got, choice := h.send(interview.Event{Text: "/interview"})
	if !contains(got, "question 1 of 3") || len(choice) != 2 {
		t.Fatalf("/interview during an interview: %q %+v", got, choice)
	}
	// Typing now does not answer anything: the bot asks to choose.
	if got := h.text("some text"); !contains(got, "Please pick one of the options") {
		t.Errorf("text during the restart question: %q", got)
	}
	got, tracks := h.send(interview.Event{Data: choice[1].Data}) // start over
	if !contains(got, "saved in /history") || len(tracks) != 1 {
		t.Fatalf("start over: %q %+v", got, tracks)
	}
	if n := h.count(`SELECT count(*) FROM interviews WHERE status = 'stopped'`); n != 1 {
		t.Errorf("stopped interviews = %d", n)
	}
	if n := h.count(`SELECT count(*) FROM interview_steps WHERE answer = 'my first answer'`); n != 1 {
		t.Errorf("the first answer is gone")
	}
	// The old restart buttons are stale now.
	if got := h.press(choice[0]); !contains(got, "no longer does anything") {
		t.Errorf("old continue button: %q", got)
	}
}

func TestContinueShowsTheOpenStep(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.begin()
	h.text("an answer")
	_, choice := h.send(interview.Event{Text: "/interview"})
	got, grades := h.send(interview.Event{Data: choice[0].Data})
	if !contains(got, "Reference answer:") || len(grades) != 4 {
		t.Errorf("continue while grading: %q %+v", got, grades)
	}
}

func TestQuestionChoicePrefersUnseenThenWeak(t *testing.T) {
	t.Parallel()
	h := setup(t)
	// First interview, in bank order: cache, scale, queue. Grade them Easy, Again, Good.
	h.begin()
	for _, g := range []int{3, 0, 2} {
		_, grades := h.send(interview.Event{Text: "answer"})
		h.press(grades[g])
	}
	got := h.begin()
	// Weakest first: scale (Again), then queue (Good), then cache (Easy).
	if !contains(got, "How do you scale a stateless service?") {
		t.Errorf("first question of the second interview: %q", got)
	}
	var order []string
	rows, err := h.db.Query(context.Background(), `SELECT unnest(question_ids) FROM (SELECT question_ids FROM interviews ORDER BY id DESC LIMIT 1) last`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		order = append(order, id)
	}
	if want := []string{"demo-scale", "demo-queue", "demo-cache"}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
}

func TestLanguageSwitchMidInterview(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.begin()
	_, langs := h.send(interview.Event{Text: "/language"})
	if len(langs) != 4 || langs[3].Label != "فارسی" {
		t.Fatalf("language buttons = %+v", langs)
	}
	got := h.press(langs[2]) // Русский
	if !contains(got, "Когда стоит добавить кэш?") {
		t.Errorf("the open question is not re-asked in Russian: %q", got)
	}
	got = h.text("Когда чтение дорогое")
	if !contains(got, "✓ Дорогое чтение") {
		t.Errorf("coverage not judged in Russian: %q", got)
	}
}

func TestCommandsAndEmptyAnswers(t *testing.T) {
	t.Parallel()
	h := setup(t)
	if got, _ := h.send(interview.Event{Resume: true}); !contains(got, "mock interviewer") {
		t.Errorf("a new user's first contact is not greeted: %q", got)
	}
	if got := h.text("/HELP@InterviewBot"); !contains(got, "Commands:") {
		t.Errorf("/HELP@bot: %q", got)
	}
	if got := h.text("/skip"); !contains(got, "no question to skip") {
		t.Errorf("/skip when idle: %q", got)
	}
	if got := h.text("/stop"); !contains(got, "No interview is running") {
		t.Errorf("/stop when idle: %q", got)
	}
	if got := h.text("/history"); !contains(got, "no interviews yet") {
		t.Errorf("/history when empty: %q", got)
	}
	h.begin()
	if got := h.text(" \n\t "); !contains(got, "empty message can't be saved") {
		t.Errorf("whitespace answer: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM interview_steps WHERE answer IS NOT NULL`); n != 0 {
		t.Errorf("a whitespace answer was saved")
	}
	if got := h.text("/"); !contains(got, "empty message") && !contains(got, "Thanks") {
		t.Errorf("a lone slash: %q", got)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.begin()
	_, grades := h.send(interview.Event{Text: "slow and expensive reads, a bit stale is fine"})
	h.press(grades[3]) // Easy: cache
	h.text("/skip")    // scale
	_, grades = h.send(interview.Event{Text: "no idea"})
	got := h.press(grades[0]) // Again: queue
	summary := got[len(got)-1]
	for _, want := range []string{
		"Interview finished: Demo track",
		"Time: 5 min 0 s in all, about 1 min 0 s per answer",
		"Answered 2 of 3 questions, skipped 1",
		"Grades: Again 1 · Hard 0 · Good 0 · Easy 1",
		"Weakest topics: Scaling",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}

// TestAnswerEditKeepsWhatWasAdded: editing the message an answer came in
// changes only its part; text added after stays, the old answer is kept.
func TestAnswerEditKeepsWhatWasAdded(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.begin()
	h.send(interview.Event{Text: "first part", MessageID: "m1"})
	h.send(interview.Event{Text: "second part", MessageID: "m2"})
	h.send(interview.Event{Kind: interview.KindEdit, Text: "first part, fixed", MessageID: "m1"})
	var answer string
	if err := h.db.QueryRow(context.Background(), `SELECT answer FROM interview_steps WHERE position = 1`).Scan(&answer); err != nil || answer != "first part, fixed\n\nsecond part" {
		t.Errorf("answer after the edit = %q (%v)", answer, err)
	}
	if n := h.count(`SELECT count(*) FROM answer_edits WHERE answer = 'first part' || chr(10) || chr(10) || 'second part'`); n != 1 {
		t.Errorf("edit history rows = %d, want 1", n)
	}
}

// TestAnswerToARemovedQuestion: an answer to a question that left the bank
// while it was open is saved and answered, not a crash.
func TestAnswerToARemovedQuestion(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.begin()
	if _, err := h.db.Exec(context.Background(), `
		UPDATE interview_steps SET question_id = 'removed-from-bank';
		UPDATE interviews SET question_ids[1] = 'removed-from-bank'`); err != nil {
		t.Fatal(err)
	}
	h.text("my answer to a question that is gone")
	if n := h.count(`SELECT count(*) FROM interview_steps WHERE answer = 'my answer to a question that is gone'`); n != 1 {
		t.Errorf("%d answers saved, want 1", n)
	}
}
