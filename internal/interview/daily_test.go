package interview_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// setClock sets the harness clock; each event then advances it a minute.
func (h *harness) setClock(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clock = t
}

func buttonWith(t *testing.T, bs []interview.Button, data string) interview.Button {
	t.Helper()
	for _, b := range bs {
		if strings.HasPrefix(b.Data, data) {
			return b
		}
	}
	t.Fatalf("no button with data %q in %+v", data, bs)
	return interview.Button{}
}

// subscribe sets up the daily question for u1 with typed answers.
func (h *harness) subscribe(at, zone string) {
	h.t.Helper()
	h.text("/daily")
	h.text(at)
	h.text(zone)
	if got := h.press(interview.Button{Data: "dtracks"}); !contains(got, "All set!") {
		h.t.Fatalf("tracks done: %q", got)
	}
}

// deliver runs the daily tick at t and returns what it queued for u1.
func (h *harness) deliver(t time.Time) []interview.Reply {
	h.t.Helper()
	if _, err := h.engine.DeliverDaily(context.Background(), "test", t); err != nil {
		h.t.Fatal(err)
	}
	return h.queued()
}

func TestDailySetup(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.setClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))

	got, times := h.send(interview.Event{Text: "/daily"})
	if !contains(got, "The daily question: one question every day") || buttonWith(t, times, "dtime:07:00").Label != "07:00" {
		t.Fatalf("/daily: %q %+v", got, times)
	}
	if got := h.text("25:99"); !contains(got, "“25:99” is not a time I understand") || !contains(got, "At what time") {
		t.Errorf("bad time: %q", got)
	}
	got, zones := h.send(interview.Event{Text: "۷:۳۰"}) // Persian digits
	if !contains(got, "Which time zone") || !strings.HasPrefix(zones[0].Label, "UTC · ") {
		t.Fatalf("zone prompt: %q %+v (English speakers get UTC first)", got, zones)
	}
	if got := h.text("Mars/Olympus_Mons"); !contains(got, "“Mars/Olympus_Mons” is not a time zone I know") {
		t.Errorf("bad zone: %q", got)
	}
	if got := h.text("/skip"); !contains(got, "There is no question to skip") {
		t.Errorf("a command during the setup: %q", got)
	}
	got, tracks := h.send(interview.Event{Text: "utc+3:30"})
	if !contains(got, "Which tracks") || tracks[0].Label != "✅ Demo track" {
		t.Fatalf("tracks prompt: %q %+v", got, tracks)
	}
	if got := h.text("all of them"); !contains(got, "Please pick one of the options") {
		t.Errorf("typed text at the tracks choice: %q", got)
	}
	// Toggling a track edits the picker in place.
	h.handle(interview.Event{Data: tracks[0].Data, MessageID: "77"})
	replies := h.queued()
	if len(replies) != 1 || replies[0].Edit != "77" || replies[0].Buttons[0][0].Label != "▫️ Demo track" {
		t.Fatalf("toggle: %+v", replies)
	}
	if got := h.press(interview.Button{Data: "dtracks"}); !contains(got, "Choose at least one track") {
		t.Errorf("done with no track: %q", got)
	}
	h.press(tracks[0])
	got = h.press(interview.Button{Data: "dtracks"})
	// 09:0x UTC is 12:3x at UTC+03:30: 07:30 has passed today.
	if !contains(got, "A question every day at 07:30 (UTC+03:30), from: Demo track") || !contains(got, "The first one comes tomorrow at 07:30") {
		t.Errorf("confirmation: %q", got)
	}
	var minute int
	var zone string
	var next time.Time
	if err := h.db.QueryRow(context.Background(), `SELECT at_minute, zone, next_at FROM daily_subscriptions`).Scan(&minute, &zone, &next); err != nil {
		t.Fatal(err)
	}
	if minute != 450 || zone != "UTC+03:30" || !next.Equal(time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC)) {
		t.Errorf("stored subscription: %d %s %s", minute, zone, next)
	}

	// /daily again: the status, with buttons to change or stop.
	got, status := h.send(interview.Event{Text: "/daily"})
	want := "📅 Daily question: on\nTime: 07:30 (UTC+03:30)\nTracks: Demo track\nStreak: 0 days\nNext question: tomorrow at 07:30"
	if len(got) != 1 || got[0] != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	h.press(buttonWith(t, status, "dset:time"))
	if got := h.press(interview.Button{Data: "dtime:21:00"}); !contains(got, "Saved. The next question comes today at 21:00") {
		t.Errorf("changed time: %q", got)
	}
	_, status = h.send(interview.Event{Text: "/daily"})
	h.press(buttonWith(t, status, "dset:zone"))
	if got := h.text("Europe/Oslo"); !contains(got, "Saved. The next question comes today at 21:00") || !contains(got, "Time: 21:00 (Europe/Oslo)") {
		t.Errorf("changed zone: %q", got)
	}
	got = h.press(buttonWith(t, status, "dstop"))
	if !contains(got, "The daily question is off") || h.count(`SELECT count(*) FROM daily_subscriptions WHERE next_at IS NULL AND stopped_at IS NOT NULL`) != 1 {
		t.Errorf("stop: %q", got)
	}
	if got := h.press(buttonWith(t, status, "dstop")); !contains(got, "no longer does anything") {
		t.Errorf("stop twice: %q", got)
	}
	got, status = h.send(interview.Event{Text: "/daily"})
	if !contains(got, "Daily question: off") {
		t.Errorf("status when off: %q", got)
	}
	if got := h.press(buttonWith(t, status, "dresume")); !contains(got, "Daily question: on") {
		t.Errorf("resume: %q", got)
	}
	if got := h.press(interview.Button{Data: "dtime:08:00"}); !contains(got, "no longer does anything") {
		t.Errorf("a time button outside the setup: %q", got)
	}
}

func TestDailyQuestionAnswerGradeStreak(t *testing.T) {
	t.Parallel()
	h := setup(t)
	oslo, _ := time.LoadLocation("Europe/Oslo")
	h.setClock(time.Date(2026, 3, 1, 10, 0, 0, 0, oslo))
	h.subscribe("07:30", "Europe/Oslo")

	// Nothing before the time; the question at the time.
	if r := h.deliver(time.Date(2026, 3, 2, 7, 29, 0, 0, oslo)); len(r) != 0 {
		t.Fatalf("delivered early: %+v", r)
	}
	seen := map[string]bool{}
	var last string
	for day := 2; day <= 4; day++ {
		at := time.Date(2026, 3, day, 7, 30, 0, 0, oslo)
		r := h.deliver(at)
		if len(r) != 1 || !strings.HasPrefix(r[0].Text, "📅 Question of the day · ") || r[0].Buttons[0][0].Data != fmt.Sprintf("dq:show:2026-03-%02d", day) {
			t.Fatalf("day %d: %+v", day, r)
		}
		if r[0].Text == last {
			t.Errorf("day %d: the same question as the day before", day)
		}
		last = r[0].Text
		seen[r[0].Text] = true
		if again := h.deliver(at.Add(time.Minute)); len(again) != 0 {
			t.Fatalf("day %d: delivered twice", day)
		}
		h.setClock(at.Add(2 * time.Hour))
		var got []string
		switch day {
		case 2: // plain text while no interview runs is the answer
			got = h.text("Reads are expensive and slow")
			if !contains(got, "your answer is saved") {
				t.Fatalf("answer: %q", got)
			}
			if more := h.text("and it can be a little stale"); !contains(more, "added that to your answer") {
				t.Errorf("second message: %q", more)
			}
		case 3: // a reply to the question, even while an interview runs
			h.begin()
			got, _ = h.send(interview.Event{Text: "My answer to the daily question", ReplyData: fmt.Sprintf("dq:show:2026-03-%02d", day)})
			if !contains(got, "your answer is saved") || h.count(`SELECT count(*) FROM interview_steps WHERE answer IS NOT NULL`) != 0 {
				t.Fatalf("reply during an interview: %q", got)
			}
			h.text("/stop")
		case 4:
			got = h.text("The third answer")
			if !contains(got, "🔥 3 days in a row!") {
				t.Errorf("no celebration on the third day: %q", got)
			}
		}
		ref := h.press(interview.Button{Data: fmt.Sprintf("dq:ref:2026-03-%02d", day)})
		if !contains(ref, "Reference answer:") || !contains(ref, "How did you do?") {
			t.Fatalf("reference: %q", ref)
		}
		got = h.press(interview.Button{Data: fmt.Sprintf("dq:grade:2026-03-%02d:3", day)})
		if want := "Graded: Good. The next question comes tomorrow at 07:30."; !contains(got, want) {
			t.Errorf("grade: %q, want %q", got, want)
		}
	}
	if len(seen) != 3 {
		t.Errorf("%d different questions in 3 days", len(seen))
	}
	var answer string
	if err := h.db.QueryRow(context.Background(), `SELECT answer FROM daily_deliveries WHERE local_date = '2026-03-02'`).Scan(&answer); err != nil || answer != "Reads are expensive and slow\n\nand it can be a little stale" {
		t.Errorf("saved answer %q (%v)", answer, err)
	}
	if n := h.count(`SELECT count(*) FROM reviews WHERE interview_id IS NULL AND grade = 3`); n != 3 {
		t.Errorf("%d daily reviews in the log, want 3", n)
	}
	if got := h.press(interview.Button{Data: "dq:grade:2026-03-04:1"}); !contains(got, "no longer does anything") {
		t.Errorf("grading twice: %q", got)
	}
	if got := h.send2("Late reply", "dq:show:2026-03-04"); !contains(got, "already answered and graded") {
		t.Errorf("reply to a graded question: %q", got)
	}
	if got := h.text("/daily"); !contains(got, "Streak: 3 days") {
		t.Errorf("status: %q", got)
	}

	// Revealing the answer without answering: plain text is no longer an
	// answer, the grade still counts.
	h.deliver(time.Date(2026, 3, 5, 7, 30, 0, 0, oslo))
	h.setClock(time.Date(2026, 3, 5, 8, 0, 0, 0, oslo))
	if got := h.press(interview.Button{Data: "dq:show:2026-03-05"}); !contains(got, "Reference answer:") || contains(got, "You covered") {
		t.Errorf("show: %q", got)
	}
	if got := h.text("hmm"); !contains(got, "not asking anything") {
		t.Errorf("text after the reveal: %q", got)
	}
	h.press(interview.Button{Data: "dq:grade:2026-03-05:1"})
	if got := h.text("/daily"); !contains(got, "Streak: 3 days") {
		t.Errorf("a revealed, unanswered day counts in the streak: %q", got)
	}
}

// send2 sends text as a reply to the bot message whose first button has replyData.
func (h *harness) send2(text, replyData string) []string {
	got, _ := h.send(interview.Event{Text: text, ReplyData: replyData})
	return got
}

func TestDailyPausedWhileBlocked(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.setClock(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
	h.subscribe("09:00", "UTC")
	h.send(interview.Event{Kind: interview.KindBlocked})
	if n := h.count(`SELECT count(*) FROM daily_subscriptions WHERE next_at IS NULL`); n != 1 {
		t.Fatalf("blocking did not pause the subscription")
	}
	// Talking in a group does not mean the private chat is open again.
	h.send(interview.Event{Text: "/help", Group: true})
	if n := h.count(`SELECT count(*) FROM users u JOIN daily_subscriptions s ON s.user_id = u.id WHERE u.blocked_at IS NOT NULL AND s.next_at IS NULL`); n != 1 {
		t.Fatalf("a group message unblocked the user")
	}
	if r := h.deliver(time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)); len(r) != 0 {
		t.Fatalf("delivered to a user who blocked the bot: %+v", r)
	}
	// Back on the 3rd at 08:00: the 3rd's question comes at 09:00.
	h.setClock(time.Date(2026, 6, 3, 8, 0, 0, 0, time.UTC))
	h.send(interview.Event{Kind: interview.KindUnblocked})
	if r := h.deliver(time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)); len(r) != 1 {
		t.Fatalf("after coming back: %+v", r)
	}
	// A 403 seen by the sender marks the user blocked; the tick pauses.
	if _, err := h.db.Exec(context.Background(), `UPDATE users SET blocked_at = now()`); err != nil {
		t.Fatal(err)
	}
	if r := h.deliver(time.Date(2026, 6, 4, 9, 0, 0, 0, time.UTC)); len(r) != 0 {
		t.Fatalf("delivered after a 403: %+v", r)
	}
	if n := h.count(`SELECT count(*) FROM daily_subscriptions WHERE next_at IS NULL AND stopped_at IS NULL`); n != 1 {
		t.Errorf("the tick did not pause the subscription of a blocked user")
	}
	h.setClock(time.Date(2026, 6, 4, 12, 0, 0, 0, time.UTC))
	if got := h.text("/daily"); !contains(got, "Next question: tomorrow at 09:00") {
		t.Errorf("status after coming back: %q", got)
	}

	// A tick that finds the user blocked while they are coming back (their
	// row locked by the transaction handling them) does not pause them for
	// good: it decides a minute later.
	ctx := context.Background()
	if _, err := h.db.Exec(ctx, `UPDATE users SET blocked_at = now()`); err != nil {
		t.Fatal(err)
	}
	back, err := h.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := back.Exec(ctx, `UPDATE users SET blocked_at = NULL`); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 5, 9, 0, 0, 0, time.UTC)
	if r := h.deliver(at); len(r) != 0 {
		t.Fatalf("delivered while undecided: %+v", r)
	}
	if err := back.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM daily_subscriptions WHERE next_at = '2026-06-05 09:01:00+00'`); n != 1 {
		t.Fatalf("the undecided subscription was not postponed a minute")
	}
	if r := h.deliver(at.Add(time.Minute)); len(r) != 1 {
		t.Fatalf("after the user came back: %+v", r)
	}
}

// TestDailyExactlyOncePerLocalDay runs the tick every simulated minute over
// eight days around each 2026 daylight-saving change in Europe/Oslo, with
// subscribers in Oslo, Tehran and Moscow at awkward times, two engines
// ticking at once on one database, engines replaced (restarts) after
// outages, and checks every delivery against an independent minute-by-minute
// model: exactly one question per subscriber and local day, at the first
// minute the engines ran at or after the local time (the first minute after
// a skipped hour; the first of a repeated one), none on a day that was over
// before the engines came back.
func TestDailyExactlyOncePerLocalDay(t *testing.T) {
	t.Parallel()
	europe := []string{"Europe/Oslo", "Asia/Tehran", "Europe/Moscow"}
	windows := []struct {
		name  string
		zones []string
		start time.Time
		down  [][2]time.Time // outages, in UTC
	}{
		// Clocks that jump at midnight (Havana, 2026-03-08: 00:00 → 01:00;
		// Santiago, 2026-04-05: 24:00 → 23:00 the day before) and by half an
		// hour (Lord Howe, 2026-04-05: 02:00 → 01:30).
		{"midnight-march", []string{"America/Havana"}, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), nil},
		{"midnight-april", []string{"America/Santiago", "Australia/Lord_Howe"}, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), nil},
		{"spring", europe, time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC), [][2]time.Time{
			{time.Date(2026, 3, 27, 5, 0, 0, 0, time.UTC), time.Date(2026, 3, 27, 8, 15, 0, 0, time.UTC)},
			{time.Date(2026, 3, 29, 21, 0, 0, 0, time.UTC), time.Date(2026, 3, 30, 3, 0, 0, 0, time.UTC)},
		}},
		{"autumn", europe, time.Date(2026, 10, 21, 0, 0, 0, 0, time.UTC), [][2]time.Time{
			{time.Date(2026, 10, 23, 20, 0, 0, 0, time.UTC), time.Date(2026, 10, 24, 1, 0, 0, 0, time.UTC)},
			{time.Date(2026, 10, 26, 4, 10, 0, 0, time.UTC), time.Date(2026, 10, 26, 4, 40, 0, 0, time.UTC)},
		}},
	}
	for _, w := range windows {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			simulate(t, w.zones, w.start, 8*24*time.Hour, w.down)
		})
	}
}

type subscriber struct {
	id   string
	zone *time.Location
	at   interview.ClockTime
}

func simulate(t *testing.T, zones []string, start time.Time, span time.Duration, down [][2]time.Time) {
	h := setup(t)
	ctx := context.Background()
	var subs []subscriber
	for _, zone := range zones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []string{"00:00", "00:30", "01:59", "02:00", "02:30", "03:00", "07:30", "23:30", "23:59"} {
			c, _ := interview.ParseClockTime(at)
			subs = append(subs, subscriber{id: zone + " " + at, zone: loc, at: c})
		}
	}
	err := h.store.InTx(ctx, func(tx interview.Tx) error {
		for _, s := range subs {
			u, err := tx.User(ctx, "test", s.id, "en")
			if err != nil {
				return err
			}
			err = tx.SaveSubscription(ctx, interview.Subscription{
				UserID: u.ID, Platform: "test", ChatID: s.id, At: s.at, Zone: s.zone.String(),
				Tracks: []string{"demo"}, NextAt: interview.NextDelivery(start, s.at, s.zone),
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	isDown := func(m time.Time) bool {
		for _, d := range down {
			if !m.Before(d[0]) && m.Before(d[1]) {
				return true
			}
		}
		return false
	}
	newEngines := func() [2]*interview.Engine {
		var es [2]*interview.Engine
		for i := range es {
			es[i] = interview.New(h.bank, h.store, h.tr, interview.Options{})
		}
		return es
	}
	engines := newEngines()
	wasDown := false
	end := start.Add(span)
	for m := start.Add(time.Minute); m.Before(end); m = m.Add(time.Minute) {
		if isDown(m) {
			wasDown = true
			continue
		}
		if wasDown { // the replicas restart after an outage
			engines, wasDown = newEngines(), false
		}
		var wg sync.WaitGroup
		errs := make([]error, len(engines))
		for i, e := range engines {
			wg.Add(1)
			go func() { defer wg.Done(); _, errs[i] = e.DeliverDaily(ctx, "test", m) }()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("tick at %s: %v", m, err)
			}
		}
	}

	// The model: for each subscriber and local date, the first minute whose
	// local clock shows the time or later; delivered at the first minute
	// the engines ran from then on, if that is still the same local date.
	type key struct{ id, date string }
	want := map[key]time.Time{}
	for _, s := range subs {
		scheduled := map[string]bool{}
		pending := map[string]bool{}
		// Subscribed at start: a time already passed that day is not due.
		for m := start; m.Before(end); m = m.Add(time.Minute) {
			local := m.In(s.zone)
			date := local.Format(time.DateOnly)
			if !scheduled[date] && local.Hour()*60+local.Minute() >= s.at.Hour*60+s.at.Minute {
				scheduled[date], pending[date] = true, m.After(start)
			}
			if pending[date] && !isDown(m) {
				want[key{s.id, date}] = m
				pending[date] = false
			}
		}
	}
	rows, err := h.db.Query(ctx, `
		SELECT u.external_id, d.local_date::text, d.sent_at, d.question_id
		FROM daily_deliveries d JOIN users u ON u.id = d.user_id ORDER BY u.external_id, d.local_date`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[key]time.Time{}
	lastQuestion := map[string]string{}
	for rows.Next() {
		var id, date, question string
		var sent time.Time
		if err := rows.Scan(&id, &date, &sent, &question); err != nil {
			t.Fatal(err)
		}
		got[key{id, date}] = sent
		if lastQuestion[id] == question {
			t.Errorf("%s: the same question on %s as the day before", id, date)
		}
		lastQuestion[id] = question
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s on %s: no delivery, want one at %s", k.id, k.date, w.Format(time.RFC3339))
		case !g.Equal(w):
			t.Errorf("%s on %s: delivered at %s, want %s", k.id, k.date, g.UTC().Format(time.RFC3339), w.Format(time.RFC3339))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s on %s: delivered, want none", k.id, k.date)
		}
	}
	// One queued message per delivery: nothing was sent twice.
	if n, m := h.count(`SELECT count(*) FROM outbox`), h.count(`SELECT count(*) FROM daily_deliveries`); n != m {
		t.Errorf("%d messages queued for %d deliveries", n, m)
	}
	if len(want) < len(subs)*5 {
		t.Errorf("the model expects only %d deliveries", len(want))
	}
	t.Logf("%d deliveries to %d subscribers, each checked against the model", len(got), len(subs))
}

// TestDailyAnswerEditKeepsWhatWasAdded: editing the message that answered
// changes its part of the answer only, and the old text is kept.
func TestDailyAnswerEditKeepsWhatWasAdded(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.setClock(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
	h.subscribe("09:00", "UTC")
	h.deliver(time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC))
	h.setClock(time.Date(2026, 6, 2, 9, 30, 0, 0, time.UTC))
	h.send(interview.Event{Text: "first part", MessageID: "m1"})
	h.send(interview.Event{Text: "second part", MessageID: "m2"})
	got, _ := h.send(interview.Event{Kind: interview.KindEdit, Text: "first part, fixed", MessageID: "m1"})
	if !contains(got, "updated your answer") {
		t.Errorf("edit: %q", got)
	}
	var answer string
	if err := h.db.QueryRow(context.Background(), `SELECT answer FROM daily_deliveries`).Scan(&answer); err != nil || answer != "first part, fixed\n\nsecond part" {
		t.Errorf("answer after the edit = %q (%v)", answer, err)
	}
	if n := h.count(`SELECT count(*) FROM daily_answer_edits WHERE answer = 'first part' || chr(10) || chr(10) || 'second part'`); n != 1 {
		t.Errorf("edit history rows = %d, want 1", n)
	}
}
