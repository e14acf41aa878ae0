package interview

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/interviewbot/interviewbot/internal/bank"
	"github.com/interviewbot/interviewbot/internal/review"
)

func (c *conv) interviewCommand() error {
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if iv != nil {
		if err := c.setDialog(Dialog{Kind: DialogRestart}); err != nil {
			return err
		}
		c.restartQuestion(iv)
		return nil
	}
	if err := c.setDialog(Dialog{Kind: DialogTrack}); err != nil {
		return err
	}
	c.trackPicker()
	return nil
}

func (c *conv) trackPicker() {
	var rows [][]Button
	for _, t := range c.e.bank.Tracks {
		label := c.n("TrackButton", len(t.Questions), map[string]any{"Track": t.Title[c.lang]})
		rows = append(rows, []Button{{Label: label, Data: "track:" + t.ID}})
	}
	c.say(c.t("ChooseTrack", nil), rows...)
}

func (c *conv) pickTrack(id string) error {
	t := c.e.bank.Track(id)
	if t == nil || c.user.Dialog.Kind != DialogTrack && c.user.Dialog.Kind != DialogLength {
		c.stale()
		return nil
	}
	if err := c.setDialog(Dialog{Kind: DialogLength, Track: t.ID}); err != nil {
		return err
	}
	c.lengthPicker(t)
	return nil
}

// lengthChoices are the lengths offered for a track: the standard lengths the
// track can fill, and "all" when it has fewer questions than the longest.
func lengthChoices(t *bank.Track) []int {
	var out []int
	for _, n := range Lengths {
		if n <= len(t.Questions) {
			out = append(out, n)
		}
	}
	if all := len(t.Questions); all < Lengths[len(Lengths)-1] && !slices.Contains(out, all) {
		out = append(out, all)
	}
	return out
}

func (c *conv) lengthPicker(t *bank.Track) {
	var row []Button
	for _, n := range lengthChoices(t) {
		row = append(row, Button{Label: c.n("QuestionsCount", n, nil), Data: fmt.Sprintf("len:%s:%d", t.ID, n)})
	}
	c.say(c.t("ChooseLength", map[string]any{"Track": t.Title[c.lang]}), row)
}

func (c *conv) pickLength(trackID string, n int) error {
	t := c.e.bank.Track(trackID)
	if t == nil || c.user.Dialog != (Dialog{Kind: DialogLength, Track: trackID}) || !slices.Contains(lengthChoices(t), n) {
		c.stale()
		return nil
	}
	if err := c.setDialog(Dialog{}); err != nil {
		return err
	}
	ids, err := c.choose(t, n)
	if err != nil {
		return err
	}
	iv := &Interview{UserID: c.user.ID, Track: t.ID, QuestionIDs: ids, Status: StatusActive, StartedAt: c.now}
	if err := c.tx.CreateInterview(c.ctx, iv); err != nil {
		return fmt.Errorf("error creating interview: %w", err)
	}
	c.say(c.t("InterviewIntro", map[string]any{"Track": t.Title[c.lang], "Questions": c.n("QuestionsCount", n, nil)}))
	return c.next(iv)
}

// choose picks n questions of the track for the user: questions they have
// never graded first (in random order), then the ones they know weakest by
// FSRS over their whole review log — lowest predicted recall, then soonest due.
func (c *conv) choose(t *bank.Track, n int) ([]string, error) {
	log, err := c.tx.Reviews(c.ctx, c.user.ID)
	if err != nil {
		return nil, fmt.Errorf("error loading reviews: %w", err)
	}
	qs := slices.Clone(t.Questions)
	c.e.shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	weakestFirst(qs, log, c.now)
	ids := make([]string, 0, n)
	for _, q := range qs[:min(n, len(qs))] {
		ids = append(ids, q.ID)
	}
	return ids, nil
}

func (c *conv) restartQuestion(iv *Interview) {
	n := len(iv.Steps)
	c.say(c.t("InProgress", map[string]any{"Track": c.trackTitle(iv.Track), "N": n, "Total": len(iv.QuestionIDs)}),
		[]Button{
			{Label: c.t("ContinueButton", nil), Data: fmt.Sprintf("cont:%d", iv.ID)},
			{Label: c.t("RestartButton", nil), Data: fmt.Sprintf("restart:%d", iv.ID)},
		})
}

func (c *conv) restartChoice(kind string, id int64) error {
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if iv == nil || iv.ID != id || c.user.Dialog.Kind != DialogRestart {
		c.stale()
		return nil
	}
	if kind == "cont" {
		if err := c.setDialog(Dialog{}); err != nil {
			return err
		}
		return c.prompt(iv)
	}
	if err := c.close(iv, StatusStopped); err != nil {
		return err
	}
	if err := c.setDialog(Dialog{Kind: DialogTrack}); err != nil {
		return err
	}
	c.say(c.t("StartedOver", nil))
	c.trackPicker()
	return nil
}

func (c *conv) trackTitle(id string) string {
	if t := c.e.bank.Track(id); t != nil {
		return t.Title[c.lang]
	}
	return id
}

// question returns the bank question of a step; a question removed from the
// bank since it was asked is shown by its id.
func (c *conv) question(id string) *bank.Question {
	if q := c.e.bank.Question(id); q != nil {
		return q
	}
	missing := bank.Text{Question: id, Answer: "—"}
	return &bank.Question{ID: id, Topic: "—", Text: map[string]bank.Text{"en": missing}}
}

// next asks the interview's next question, or finishes it.
func (c *conv) next(iv *Interview) error {
	pos := len(iv.Steps) + 1
	if pos > len(iv.QuestionIDs) {
		return c.finish(iv, StatusFinished)
	}
	s := Step{Position: pos, QuestionID: iv.QuestionIDs[pos-1], AskedAt: c.now}
	if err := c.tx.SaveStep(c.ctx, iv.ID, s); err != nil {
		return fmt.Errorf("error saving step: %w", err)
	}
	iv.Steps = append(iv.Steps, s)
	return c.prompt(iv)
}

// prompt shows what the interview waits for: an answer or a grade.
func (c *conv) prompt(iv *Interview) error {
	s := iv.Current()
	if s == nil || !s.Open() {
		return c.next(iv)
	}
	if s.Answered {
		c.feedback(iv, s)
		return nil
	}
	q := c.question(s.QuestionID)
	head := c.t("QuestionHeader", map[string]any{"N": s.Position, "Total": len(iv.QuestionIDs), "Topic": c.e.bank.TopicName(q, c.lang)})
	c.ask(head + "\n\n" + q.In(c.lang).Question)
	return nil
}

// answer saves the typed answer, then shows the feedback.
func (c *conv) answer(iv *Interview, s *Step, text string) error {
	if strings.TrimSpace(text) == "" {
		c.ask(c.t("EmptyAnswer", nil))
		return nil
	}
	s.Answer, s.Answered, s.AnsweredAt, s.AnswerMsg, s.FirstLen = text, true, c.now, c.ev.MessageID, len(text)
	c.judge(s)
	if err := c.tx.SaveStep(c.ctx, iv.ID, *s); err != nil {
		return fmt.Errorf("error saving answer: %w", err)
	}
	c.say(c.t("AnswerSaved", nil))
	c.feedback(iv, s)
	return nil
}

// appendAnswer adds text typed while the grade is pending to the answer.
func (c *conv) appendAnswer(iv *Interview, s *Step, text string) error {
	if strings.TrimSpace(text) == "" {
		c.say(c.t("PleaseGrade", nil), c.gradeButtons(iv, s))
		return nil
	}
	s.Answer += "\n\n" + text
	c.judge(s)
	if err := c.tx.SaveStep(c.ctx, iv.ID, *s); err != nil {
		return fmt.Errorf("error saving answer: %w", err)
	}
	c.say(c.t("AnswerAppended", nil))
	c.feedback(iv, s)
	return nil
}

// judge records which key points the step's answer covers.
func (c *conv) judge(s *Step) {
	s.Lang, s.Points, s.Covered = c.judgeText(s.QuestionID, s.Answer)
}

// judgeText judges an answer to a question in the user's language: it
// returns the language, the number of key points and the covered ones.
func (c *conv) judgeText(questionID, answer string) (lang string, points int, covered []int) {
	text := c.question(questionID).In(c.lang)
	for i, ok := range text.Coverage(answer) {
		if ok {
			covered = append(covered, i)
		}
	}
	return c.lang, len(text.Points), covered
}

// feedback shows the reference answer, the covered and missed key points and
// the grade buttons.
func (c *conv) feedback(iv *Interview, s *Step) {
	c.say(c.reference(s.QuestionID, s.Answer, true, s.Lang, s.Covered))
	c.say(c.t("GradePrompt", nil), c.gradeButtons(iv, s))
}

// reference is the reference answer of a question with its key points: for
// an answer, marked covered or missed (as judged in lang, or judged again
// when the user's language changed since), else as a plain list.
func (c *conv) reference(questionID, answer string, answered bool, lang string, covered []int) string {
	text := c.question(questionID).In(c.lang)
	var b strings.Builder
	b.WriteString(c.t("ReferenceAnswer", nil))
	b.WriteString("\n")
	b.WriteString(text.Answer)
	b.WriteString("\n\n")
	b.WriteString(c.t("KeyPoints", nil))
	n := 0
	for i, p := range text.Points {
		mark := "•"
		if answered {
			mark = "✗"
			if lang == c.lang && slices.Contains(covered, i) || lang != c.lang && review.Coverage(c.lang, answer, [][]string{p.Match})[0] {
				mark = "✓"
				n++
			}
		}
		b.WriteString("\n" + mark + " " + p.Text)
	}
	if answered {
		b.WriteString("\n\n")
		b.WriteString(c.n("CoveredCount", len(text.Points), map[string]any{"Covered": n}))
	}
	return b.String()
}

func (c *conv) gradeButtons(iv *Interview, s *Step) []Button {
	row := make([]Button, 0, 4)
	for g := Again; g <= Easy; g++ {
		row = append(row, Button{Label: c.gradeName(g), Data: fmt.Sprintf("grade:%d:%d:%d", iv.ID, s.Position, g)})
	}
	return row
}

func (c *conv) gradeName(g Grade) string {
	return c.t([]string{"", "GradeAgain", "GradeHard", "GradeGood", "GradeEasy"}[g], nil)
}

func (c *conv) grade(id int64, pos int, g Grade) error {
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if iv == nil || iv.ID != id || g < Again || g > Easy {
		c.stale()
		return nil
	}
	s := iv.Current()
	if s == nil || s.Position != pos || !s.Answered || !s.Open() {
		c.stale()
		return nil
	}
	if err := c.setDialog(Dialog{}); err != nil {
		return err
	}
	s.Grade, s.ClosedAt = g, c.now
	if err := c.tx.SaveStep(c.ctx, iv.ID, *s); err != nil {
		return fmt.Errorf("error saving grade: %w", err)
	}
	if err := c.tx.AddReview(c.ctx, Review{UserID: c.user.ID, QuestionID: s.QuestionID, Grade: g, At: c.now, InterviewID: iv.ID}); err != nil {
		return fmt.Errorf("error saving review: %w", err)
	}
	c.say(c.t("Graded", map[string]any{"Grade": c.gradeName(g)}))
	return c.next(iv)
}

func (c *conv) skip() error {
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if iv == nil {
		c.say(c.t("NothingToSkip", nil))
		return nil
	}
	if err := c.setDialog(Dialog{}); err != nil {
		return err
	}
	s := iv.Current()
	if s == nil || !s.Open() {
		return c.next(iv)
	}
	s.Skipped, s.ClosedAt = !s.Answered, c.now
	if err := c.tx.SaveStep(c.ctx, iv.ID, *s); err != nil {
		return fmt.Errorf("error saving step: %w", err)
	}
	if s.Answered {
		c.say(c.t("GradeSkipped", nil))
	} else {
		c.say(c.t("Skipped", nil))
	}
	return c.next(iv)
}

func (c *conv) stop() error {
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if c.user.Dialog.Kind != "" && iv == nil {
		if err := c.setDialog(Dialog{}); err != nil {
			return err
		}
		c.say(c.t("Cancelled", nil))
		return nil
	}
	if iv == nil {
		c.say(c.t("NothingToStop", nil))
		return nil
	}
	if err := c.setDialog(Dialog{}); err != nil {
		return err
	}
	return c.finish(iv, StatusStopped)
}

// close ends an interview; an open step without an answer counts as skipped.
func (c *conv) close(iv *Interview, status string) error {
	if s := iv.Current(); s != nil && s.Open() {
		s.Skipped, s.ClosedAt = !s.Answered, c.now
		if err := c.tx.SaveStep(c.ctx, iv.ID, *s); err != nil {
			return fmt.Errorf("error saving step: %w", err)
		}
	}
	iv.Status, iv.FinishedAt = status, c.now
	if err := c.tx.SaveInterview(c.ctx, iv); err != nil {
		return fmt.Errorf("error saving interview: %w", err)
	}
	return nil
}

func (c *conv) finish(iv *Interview, status string) error {
	if err := c.close(iv, status); err != nil {
		return err
	}
	c.say(c.summary(iv))
	return nil
}

// nonText answers a photo, sticker, voice message or file: only typed text
// can be an answer.
func (c *conv) nonText() error {
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if iv != nil && c.user.Dialog.Kind == "" {
		if s := iv.Current(); s != nil && s.Open() && !s.Answered {
			c.ask(c.t("NonTextAnswer", nil))
			return nil
		}
	}
	if iv == nil && c.user.Dialog.Kind == "" {
		d, err := c.openDaily()
		if err != nil {
			return err
		}
		if d != nil && !d.Answered {
			c.ask(c.t("NonTextAnswer", nil))
			return nil
		}
	}
	c.say(c.t("NonText", nil))
	return nil
}

// edit applies an edited message: an answer whose question is still open
// takes the new text, and the old text is kept in the edit history.
func (c *conv) edit(messageID, text string) error {
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	var s *Step
	if iv != nil {
		s = iv.Current()
	}
	if s == nil || messageID == "" || s.AnswerMsg != messageID || !s.Answered {
		if messageID != "" {
			if _, err := c.dailyEdit(messageID, text); err != nil {
				return err
			}
		}
		return nil // an edited command or chatter: nothing to change
	}
	if !s.Open() {
		c.say(c.t("EditTooLate", nil))
		return nil
	}
	first := firstPart(s.Answer, s.FirstLen)
	if strings.TrimSpace(text) == "" || text == s.Answer[:first] {
		return nil
	}
	if err := c.tx.AddAnswerEdit(c.ctx, iv.ID, s.Position, s.Answer, c.now); err != nil {
		return fmt.Errorf("error saving answer edit: %w", err)
	}
	// Only the edited message's part changes; what was added after stays.
	s.Answer, s.FirstLen = text+s.Answer[first:], len(text)
	c.judge(s)
	if err := c.tx.SaveStep(c.ctx, iv.ID, *s); err != nil {
		return fmt.Errorf("error saving answer: %w", err)
	}
	c.say(c.t("AnswerEdited", nil))
	c.feedback(iv, s)
	return nil
}

// firstPart is the length of the part of answer that came in its first
// message: firstLen when known and valid, else all of it.
func firstPart(answer string, firstLen int) int {
	if firstLen <= 0 || firstLen > len(answer) {
		return len(answer)
	}
	return firstLen
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
