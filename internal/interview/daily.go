package interview

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The daily question: /daily sets up a time, a time zone and tracks; every
// day at that local time one question is sent (DeliverDaily); a reply to it,
// or the next plain text while no interview runs, is its answer; the
// reference answer is one tap away, then the self-grade, which joins the
// review log the choice of questions is derived from.

// dailyBatch is how many due subscriptions one transaction delivers.
const dailyBatch = 200

// dailyAnswerWindow is how long after its delivery plain text (not a reply)
// still counts as the answer to a daily question.
const dailyAnswerWindow = 24 * time.Hour

// dailyTimes are the times of day offered as buttons.
var dailyTimes = [][]string{{"07:00", "08:00", "09:00"}, {"12:00", "13:00", "17:00"}, {"18:00", "20:00", "21:00"}}

// defaultZones is the time zone offered first in each language.
var defaultZones = map[string]string{"nb": "Europe/Oslo", "ru": "Europe/Moscow", "fa": "Asia/Tehran", "en": "UTC"}

// commonZones are the time zones offered as buttons, after the default.
var commonZones = []string{"Europe/Oslo", "Europe/Moscow", "Asia/Tehran", "Europe/London", "Europe/Berlin", "America/New_York", "UTC"}

// DeliverDaily sends every daily question of platform due at now, in
// transactions of up to dailyBatch subscriptions, and returns how many
// subscriptions it handled.
func (e *Engine) DeliverDaily(ctx context.Context, platform string, now time.Time) (int, error) {
	return e.DeliverDailyIn(ctx, e.store, platform, now)
}

// DeliverDailyIn is DeliverDaily in transactions of s: a platform adapter
// passes a store whose transactions render the replies for it.
func (e *Engine) DeliverDailyIn(ctx context.Context, s Store, platform string, now time.Time) (int, error) {
	total := 0
	for {
		var n int
		err := s.InTx(ctx, func(tx Tx) error {
			var err error
			n, err = e.deliverDue(ctx, tx, platform, now, dailyBatch)
			return err
		})
		total += n
		if err != nil || n < dailyBatch {
			return total, err
		}
	}
}

// deliverDue claims up to limit subscriptions of platform due at now
// and, in tx, records and queues each one's question for its local date —
// at most one per subscriber and local date, whatever the number of engines
// and restarts. A subscription whose time passed on an earlier local day
// while no engine ran only moves on to its next time. It returns how many
// subscriptions it claimed.
func (e *Engine) deliverDue(ctx context.Context, tx Tx, platform string, now time.Time, limit int) (int, error) {
	due, err := tx.DueSubscriptions(ctx, platform, now, limit)
	if err != nil {
		return 0, fmt.Errorf("error claiming due daily questions: %w", err)
	}
	for _, d := range due {
		if err := e.deliver(ctx, tx, d, now); err != nil {
			return 0, fmt.Errorf("error delivering the daily question of user %d: %w", d.Sub.UserID, err)
		}
	}
	return len(due), nil
}

func (e *Engine) deliver(ctx context.Context, tx Tx, d Due, now time.Time) error {
	sub := d.Sub
	loc, err := ParseZone(sub.Zone)
	if err != nil {
		e.log.ErrorContext(ctx, "stored time zone does not load; using UTC", "user", sub.UserID, "zone", sub.Zone, "err", err)
		loc = time.UTC
	}
	if !d.User.BlockedAt.IsZero() {
		// The claim read the user without locking: check again, so that a
		// user coming back at this moment is not paused for good.
		blocked, busy, err := tx.UserBlocked(ctx, sub.UserID)
		switch {
		case err != nil:
			return err
		case busy:
			sub.NextAt = now.Add(time.Minute) // decide at the next tick
			return tx.SaveSubscription(ctx, sub)
		case blocked:
			sub.NextAt = time.Time{} // paused until the user comes back
			return tx.SaveSubscription(ctx, sub)
		}
	}
	y, m, day := now.In(loc).Date()
	today := onDay(y, m, day, sub.At, loc)
	if today.After(now) {
		// Due from an earlier day that passed while no engine ran: that
		// day is over; today's time is still ahead.
		sub.NextAt = today
		return tx.SaveSubscription(ctx, sub)
	}
	sub.NextAt = NextDelivery(now, sub.At, loc)
	if err := tx.SaveSubscription(ctx, sub); err != nil {
		return err
	}
	c := &conv{e: e, ctx: ctx, tx: tx, user: d.User, now: now,
		ev: Event{Platform: sub.Platform, UserID: d.User.ExternalID, ChatID: sub.ChatID}}
	c.lang = cmp.Or(d.User.Language, e.tr.Negotiate(d.User.Locale))

	start := time.Date(y, m, day, 0, 0, 0, 0, loc)
	log, err := tx.Reviews(ctx, sub.UserID)
	if err != nil {
		return err
	}
	answered, err := tx.AnsweredSince(ctx, sub.UserID, start)
	if err != nil {
		return err
	}
	exclude := map[string]bool{}
	for _, id := range answered {
		exclude[id] = true
	}
	for _, r := range log {
		if !r.At.Before(start) {
			exclude[r.QuestionID] = true
		}
	}
	q := pickDaily(e.bank, sub.Tracks, log, exclude, d.LastQuestion, now, e.shuffle)
	if q == nil {
		e.log.WarnContext(ctx, "no questions in the daily question's tracks", "user", sub.UserID, "tracks", sub.Tracks)
		return nil
	}
	date := LocalDate(now, loc)
	added, err := tx.AddDelivery(ctx, Delivery{UserID: sub.UserID, Date: date, QuestionID: q.ID, SentAt: now})
	if err != nil || !added {
		return err // !added: today's question went out already
	}
	text := c.t("DailyQuestion", map[string]any{"Topic": c.e.bank.TopicName(q, c.lang), "Question": q.In(c.lang).Question})
	r := c.reply(text, []Button{{Label: c.t("DailyShowButton", nil), Data: "dq:show:" + date}})
	r.Answer = true
	return tx.Enqueue(ctx, r)
}

// daily handles /daily: the setup for a new subscriber, else the status.
func (c *conv) daily() error {
	sub, err := c.tx.Subscription(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if sub == nil {
		if err := c.setDialog(Dialog{Kind: DialogDailyTime}); err != nil {
			return err
		}
		c.say(c.t("DailyIntro", nil))
		c.timePicker()
		return nil
	}
	if strings.HasPrefix(c.user.Dialog.Kind, "daily_") {
		if err := c.setDialog(Dialog{}); err != nil {
			return err
		}
	}
	return c.dailyStatus(sub)
}

func (c *conv) dailyStatus(sub *Subscription) error {
	days, err := c.tx.AnsweredDays(c.ctx, c.user.ID, 1000)
	if err != nil {
		return err
	}
	loc := c.zone(sub.Zone)
	data := map[string]any{
		"Time": sub.At.String(), "Zone": sub.Zone, "Tracks": c.trackList(sub.Tracks),
		"Streak": c.n("StreakDays", streak(days, LocalDate(c.now, loc)), nil),
	}
	change := []Button{
		{Label: c.t("DailyChangeTime", nil), Data: "dset:time"},
		{Label: c.t("DailyChangeZone", nil), Data: "dset:zone"},
		{Label: c.t("DailyChangeTracks", nil), Data: "dset:tracks"},
	}
	if sub.Stopped {
		c.say(c.t("DailyStatusOff", data), change, []Button{{Label: c.t("DailyResumeButton", nil), Data: "dresume"}})
		return nil
	}
	data["Next"] = c.when(sub.nextOrNow(c.now, loc), loc)
	c.say(c.t("DailyStatus", data), change, []Button{{Label: c.t("DailyStopButton", nil), Data: "dstop"}})
	return nil
}

// nextOrNow is the subscription's next delivery, computed afresh when it
// is paused.
func (s *Subscription) nextOrNow(now time.Time, loc *time.Location) time.Time {
	if s.NextAt.IsZero() {
		return NextDelivery(now, s.At, loc)
	}
	return s.NextAt
}

// zone loads a stored zone name; one that no longer loads is shown as UTC.
func (c *conv) zone(name string) *time.Location {
	loc, err := ParseZone(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// when says when t is, in loc, relative to now: "today at 07:30",
// "tomorrow at 07:30" or "on 2026-03-29 at 07:30".
func (c *conv) when(t time.Time, loc *time.Location) string {
	local, today := t.In(loc), c.now.In(loc)
	data := map[string]any{"Time": local.Format("15:04"), "Date": local.Format(time.DateOnly)}
	switch local.Format(time.DateOnly) {
	case today.Format(time.DateOnly):
		return c.t("DayToday", data)
	case today.AddDate(0, 0, 1).Format(time.DateOnly):
		return c.t("DayTomorrow", data)
	}
	return c.t("DayOn", data)
}

func (c *conv) trackList(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = c.trackTitle(id)
	}
	return strings.Join(names, c.t("ListSeparator", nil))
}

func (c *conv) timePicker() {
	rows := make([][]Button, len(dailyTimes))
	for i, row := range dailyTimes {
		for _, t := range row {
			rows[i] = append(rows[i], Button{Label: t, Data: "dtime:" + t})
		}
	}
	c.say(c.t("DailyTimePrompt", nil), rows...)
}

func (c *conv) zonePicker() {
	zones := []string{cmp.Or(defaultZones[c.lang], "UTC")}
	for _, z := range commonZones {
		if !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	var rows [][]Button
	for i, z := range zones {
		label := z + " · " + c.now.In(c.zone(z)).Format("15:04")
		if i%2 == 1 && i > 1 {
			rows[len(rows)-1] = append(rows[len(rows)-1], Button{Label: label, Data: "dzone:" + z})
			continue
		}
		rows = append(rows, []Button{{Label: label, Data: "dzone:" + z}})
	}
	c.say(c.t("DailyZonePrompt", nil), rows...)
}

// tracksPicker shows the tracks with the chosen ones ticked. When edit is
// set, it replaces the message whose button was pressed.
func (c *conv) tracksPicker(edit bool) {
	chosen := splitTracks(c.user.Dialog.Tracks)
	var rows [][]Button
	for _, t := range c.e.bank.Tracks {
		mark := "▫️ "
		if slices.Contains(chosen, t.ID) {
			mark = "✅ "
		}
		rows = append(rows, []Button{{Label: mark + t.Title[c.lang], Data: "dtrack:" + t.ID}})
	}
	rows = append(rows, []Button{{Label: c.t("DailyTracksDone", nil), Data: "dtracks"}})
	r := c.reply(c.t("DailyTracksPrompt", nil), rows...)
	if edit {
		r.Edit = c.ev.MessageID
	}
	c.out = append(c.out, r)
}

func splitTracks(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// pickTime takes a time of day, typed or from a button.
func (c *conv) pickTime(input string, typed bool) error {
	if c.user.Dialog.Kind != DialogDailyTime {
		c.stale()
		return nil
	}
	at, err := ParseClockTime(input)
	if err != nil {
		if typed {
			c.say(c.t("DailyTimeInvalid", map[string]any{"Input": clip(input)}))
		}
		c.timePicker()
		return nil
	}
	d := c.user.Dialog
	d.Time = at.String()
	if d.Change {
		return c.changeSubscription(func(s *Subscription) { s.At = at })
	}
	d.Kind = DialogDailyZone
	if err := c.setDialog(d); err != nil {
		return err
	}
	c.zonePicker()
	return nil
}

// pickZone takes a time zone, typed or from a button.
func (c *conv) pickZone(input string, typed bool) error {
	if c.user.Dialog.Kind != DialogDailyZone {
		c.stale()
		return nil
	}
	loc, err := ParseZone(input)
	if err != nil {
		if typed {
			c.say(c.t("DailyZoneInvalid", map[string]any{"Input": clip(input)}))
		}
		c.zonePicker()
		return nil
	}
	d := c.user.Dialog
	d.Zone = loc.String()
	if d.Change {
		return c.changeSubscription(func(s *Subscription) { s.Zone = loc.String() })
	}
	d.Kind = DialogDailyTracks
	var all []string
	for _, t := range c.e.bank.Tracks {
		all = append(all, t.ID)
	}
	d.Tracks = strings.Join(all, ",")
	if err := c.setDialog(d); err != nil {
		return err
	}
	c.tracksPicker(false)
	return nil
}

// toggleTrack switches one track on or off in the tracks picker.
func (c *conv) toggleTrack(id string) error {
	if c.user.Dialog.Kind != DialogDailyTracks || c.e.bank.Track(id) == nil {
		c.stale()
		return nil
	}
	d := c.user.Dialog
	chosen := splitTracks(d.Tracks)
	if i := slices.Index(chosen, id); i >= 0 {
		chosen = slices.Delete(chosen, i, i+1)
	} else {
		chosen = append(chosen, id)
	}
	// Keep the bank's order.
	var ordered []string
	for _, t := range c.e.bank.Tracks {
		if slices.Contains(chosen, t.ID) {
			ordered = append(ordered, t.ID)
		}
	}
	d.Tracks = strings.Join(ordered, ",")
	if err := c.setDialog(d); err != nil {
		return err
	}
	c.tracksPicker(true)
	return nil
}

// tracksDone ends the tracks choice: it saves the new subscription or the
// changed tracks.
func (c *conv) tracksDone() error {
	if c.user.Dialog.Kind != DialogDailyTracks {
		c.stale()
		return nil
	}
	d := c.user.Dialog
	tracks := splitTracks(d.Tracks)
	if len(tracks) == 0 {
		c.say(c.t("DailyTracksNone", nil))
		c.tracksPicker(false)
		return nil
	}
	if d.Change {
		return c.changeSubscription(func(s *Subscription) { s.Tracks = tracks })
	}
	at, err := ParseClockTime(d.Time)
	if err != nil {
		return fmt.Errorf("daily setup lost its time %q: %w", d.Time, err)
	}
	loc := c.zone(d.Zone)
	sub := Subscription{
		UserID: c.user.ID, Platform: c.ev.Platform, ChatID: c.ev.ChatID,
		At: at, Zone: loc.String(), Tracks: tracks, NextAt: NextDelivery(c.now, at, loc),
	}
	if err := c.tx.SaveSubscription(c.ctx, sub); err != nil {
		return fmt.Errorf("error saving subscription: %w", err)
	}
	if err := c.setDialog(Dialog{}); err != nil {
		return err
	}
	c.say(c.t("DailySet", map[string]any{"Time": at.String(), "Zone": sub.Zone, "Tracks": c.trackList(tracks), "Next": c.when(sub.NextAt, loc)}))
	return nil
}

// changeSubscription applies one changed setting, turns the subscription
// on and confirms with the next delivery.
func (c *conv) changeSubscription(change func(*Subscription)) error {
	sub, err := c.tx.Subscription(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if err := c.setDialog(Dialog{}); err != nil {
		return err
	}
	if sub == nil {
		c.stale()
		return nil
	}
	return c.applyChange(sub, change)
}

// applyChange applies a changed setting to sub, turns it on, saves it and
// confirms with the next delivery.
func (c *conv) applyChange(sub *Subscription, change func(*Subscription)) error {
	change(sub)
	loc := c.zone(sub.Zone)
	sub.Stopped, sub.ChatID = false, c.ev.ChatID
	sub.NextAt = NextDelivery(c.now, sub.At, loc)
	if err := c.tx.SaveSubscription(c.ctx, *sub); err != nil {
		return fmt.Errorf("error saving subscription: %w", err)
	}
	c.say(c.t("DailyUpdated", map[string]any{"Next": c.when(sub.NextAt, loc)}))
	return c.dailyStatus(sub)
}

// dailyButton handles the buttons of the status message.
func (c *conv) dailyButton(kind, arg string) error {
	sub, err := c.tx.Subscription(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if sub == nil {
		c.stale()
		return nil
	}
	switch {
	case kind == "dstop" && !sub.Stopped:
		sub.Stopped, sub.NextAt = true, time.Time{}
		if err := c.tx.SaveSubscription(c.ctx, *sub); err != nil {
			return fmt.Errorf("error saving subscription: %w", err)
		}
		c.say(c.t("DailyStopped", nil))
		return nil
	case kind == "dresume" && sub.Stopped:
		if err := c.setDialog(Dialog{}); err != nil {
			return err
		}
		return c.applyChange(sub, func(*Subscription) {})
	case kind == "dset":
		d := Dialog{Change: true, Time: sub.At.String(), Zone: sub.Zone, Tracks: strings.Join(sub.Tracks, ",")}
		switch arg {
		case "time":
			d.Kind = DialogDailyTime
		case "zone":
			d.Kind = DialogDailyZone
		case "tracks":
			d.Kind = DialogDailyTracks
		default:
			c.stale()
			return nil
		}
		if err := c.setDialog(d); err != nil {
			return err
		}
		return c.current(nil)
	}
	c.stale()
	return nil
}

// resumeDaily restarts the deliveries a block paused.
func (c *conv) resumeDaily() error {
	sub, err := c.tx.Subscription(c.ctx, c.user.ID)
	if err != nil || sub == nil || sub.Stopped || !sub.NextAt.IsZero() {
		return err
	}
	sub.NextAt = NextDelivery(c.now, sub.At, c.zone(sub.Zone))
	return c.tx.SaveSubscription(c.ctx, *sub)
}

// pauseDaily stops deliveries to a user who blocked the bot.
func (c *conv) pauseDaily() error {
	sub, err := c.tx.Subscription(c.ctx, c.user.ID)
	if err != nil || sub == nil || sub.NextAt.IsZero() {
		return err
	}
	sub.NextAt = time.Time{}
	return c.tx.SaveSubscription(c.ctx, *sub)
}

// openDaily returns the latest daily question if plain text may still
// answer it (or add to its answer): not graded, not revealed before an
// answer, and delivered within dailyAnswerWindow.
func (c *conv) openDaily() (*Delivery, error) {
	d, err := c.tx.LatestDelivery(c.ctx, c.user.ID)
	if err != nil || d == nil {
		return nil, err
	}
	if !d.ClosedAt.IsZero() || !d.Answered && !d.RevealedAt.IsZero() || c.now.Sub(d.SentAt) > dailyAnswerWindow {
		return nil, nil
	}
	return d, nil
}

// dailyDate returns the date of the daily question a reply or button
// (data "dq:…:2006-01-02…") refers to.
func dailyDate(data string) (string, bool) {
	parts := strings.Split(data, ":")
	if len(parts) < 3 || parts[0] != "dq" {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, parts[2]); err != nil {
		return "", false
	}
	return parts[2], true
}

// dailyReply handles a reply to a daily question's message.
func (c *conv) dailyReply(date, text string) error {
	d, err := c.tx.Delivery(c.ctx, c.user.ID, date)
	if err != nil {
		return err
	}
	if d == nil {
		c.stale()
		return nil
	}
	if !d.ClosedAt.IsZero() {
		c.say(c.t("DailyAlreadyGraded", nil))
		return nil
	}
	return c.dailyAnswer(d, text)
}

// dailyAnswer saves text as the answer to a daily question, or adds it to
// the answer given before.
func (c *conv) dailyAnswer(d *Delivery, text string) error {
	if strings.TrimSpace(text) == "" {
		c.ask(c.t("EmptyAnswer", nil))
		return nil
	}
	first := !d.Answered
	if first {
		d.Answer, d.Answered, d.AnsweredAt, d.AnswerMsg, d.FirstLen = text, true, c.now, c.ev.MessageID, len(text)
	} else {
		d.Answer += "\n\n" + text
	}
	d.Lang, d.Points, d.Covered = c.judgeText(d.QuestionID, d.Answer)
	if err := c.tx.SaveDelivery(c.ctx, *d); err != nil {
		return fmt.Errorf("error saving daily answer: %w", err)
	}
	msg := c.n("DailySaved", d.Points, map[string]any{"Covered": len(d.Covered)})
	if !first {
		msg = c.t("AnswerAppended", nil)
	}
	c.say(msg, []Button{{Label: c.t("DailyReferenceButton", nil), Data: "dq:ref:" + d.Date}})
	if first {
		days, err := c.tx.AnsweredDays(c.ctx, c.user.ID, 1000)
		if err != nil {
			return err
		}
		if n := streak(days, d.Date); slices.Contains(streakMilestones, n) {
			c.say(c.n("StreakMilestone", n, nil))
		}
	}
	return nil
}

// dailyEdit applies an edit of the message that answered the latest daily
// question; it reports whether the message was that answer.
func (c *conv) dailyEdit(messageID, text string) (bool, error) {
	d, err := c.tx.LatestDelivery(c.ctx, c.user.ID)
	if err != nil || d == nil || !d.Answered || d.AnswerMsg != messageID {
		return false, err
	}
	if !d.ClosedAt.IsZero() {
		c.say(c.t("EditTooLate", nil))
		return true, nil
	}
	first := firstPart(d.Answer, d.FirstLen)
	if strings.TrimSpace(text) == "" || text == d.Answer[:first] {
		return true, nil
	}
	if err := c.tx.AddDailyAnswerEdit(c.ctx, d.UserID, d.Date, d.Answer, c.now); err != nil {
		return true, fmt.Errorf("error saving daily answer edit: %w", err)
	}
	// Only the edited message's part changes; what was added after stays.
	d.Answer, d.FirstLen = text+d.Answer[first:], len(text)
	d.Lang, d.Points, d.Covered = c.judgeText(d.QuestionID, d.Answer)
	if err := c.tx.SaveDelivery(c.ctx, *d); err != nil {
		return true, fmt.Errorf("error saving daily answer: %w", err)
	}
	c.say(c.t("AnswerEdited", nil), []Button{{Label: c.t("DailyReferenceButton", nil), Data: "dq:ref:" + d.Date}})
	return true, nil
}

// dailyQuestionButton handles the buttons under daily questions and their
// answers: show the reference answer, and grade.
func (c *conv) dailyQuestionButton(data string) error {
	date, ok := dailyDate(data)
	if !ok {
		c.stale()
		return nil
	}
	d, err := c.tx.Delivery(c.ctx, c.user.ID, date)
	if err != nil {
		return err
	}
	if d == nil || !d.ClosedAt.IsZero() {
		c.stale()
		return nil
	}
	parts := strings.Split(data, ":")
	switch parts[1] {
	case "show", "ref":
		if d.RevealedAt.IsZero() {
			d.RevealedAt = c.now
			if err := c.tx.SaveDelivery(c.ctx, *d); err != nil {
				return fmt.Errorf("error saving daily question: %w", err)
			}
		}
		c.say(c.reference(d.QuestionID, d.Answer, d.Answered, d.Lang, d.Covered))
		row := make([]Button, 0, 4)
		for g := Again; g <= Easy; g++ {
			row = append(row, Button{Label: c.gradeName(g), Data: fmt.Sprintf("dq:grade:%s:%d", d.Date, g)})
		}
		c.say(c.t("GradePrompt", nil), row)
		return nil
	case "grade":
		g := Grade(-1)
		if len(parts) == 4 {
			g = Grade(atoi(parts[3]))
		}
		if g < Again || g > Easy || d.RevealedAt.IsZero() {
			c.stale()
			return nil
		}
		d.Grade, d.ClosedAt = g, c.now
		if err := c.tx.SaveDelivery(c.ctx, *d); err != nil {
			return fmt.Errorf("error saving daily grade: %w", err)
		}
		if err := c.tx.AddReview(c.ctx, Review{UserID: c.user.ID, QuestionID: d.QuestionID, Grade: g, At: c.now}); err != nil {
			return fmt.Errorf("error saving review: %w", err)
		}
		sub, err := c.tx.Subscription(c.ctx, c.user.ID)
		if err != nil {
			return err
		}
		if sub == nil || sub.Stopped || sub.NextAt.IsZero() {
			c.say(c.t("Graded", map[string]any{"Grade": c.gradeName(g)}))
			return nil
		}
		c.say(c.t("DailyGraded", map[string]any{"Grade": c.gradeName(g), "Next": c.when(sub.NextAt, c.zone(sub.Zone))}))
		return nil
	}
	c.stale()
	return nil
}

// clip shortens what a user typed for quoting it back.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
