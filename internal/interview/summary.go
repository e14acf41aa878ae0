package interview

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// weakScore is the topic score below which a topic counts as weak.
const weakScore = 0.67

// summary describes a finished or stopped interview.
func (c *conv) summary(iv *Interview) string {
	var answered, skipped int
	var answerTime time.Duration
	grades := map[Grade]int{}
	for _, s := range iv.Steps {
		switch {
		case s.Answered:
			answered++
			answerTime += s.AnsweredAt.Sub(s.AskedAt)
		case s.Skipped:
			skipped++
		}
		grades[s.Grade]++
	}
	title := "SummaryFinished"
	if iv.Status == StatusStopped {
		title = "SummaryStopped"
	}
	lines := []string{c.t(title, map[string]any{"Track": c.trackTitle(iv.Track)})}
	perAnswer := "—"
	if answered > 0 {
		perAnswer = c.duration(answerTime / time.Duration(answered))
	}
	lines = append(lines,
		c.t("SummaryTime", map[string]any{"Total": c.duration(iv.FinishedAt.Sub(iv.StartedAt)), "PerAnswer": perAnswer}),
		c.n("SummaryAnswered", len(iv.QuestionIDs), map[string]any{"Answered": answered, "Skipped": skipped}),
		c.t("SummaryGrades", map[string]any{
			"Again": grades[Again], "Hard": grades[Hard], "Good": grades[Good], "Easy": grades[Easy],
		}),
	)
	if weak := c.weakTopics(iv); len(weak) > 0 {
		lines = append(lines, c.t("SummaryWeakest", map[string]any{"Topics": strings.Join(weak, c.t("ListSeparator", nil))}))
	} else if answered > 0 {
		lines = append(lines, c.t("SummaryNoWeak", nil))
	}
	lines = append(lines, "", c.t("SummaryFooter", nil))
	return strings.Join(lines, "\n")
}

// weakTopics returns the names of up to three topics the interview showed
// weakest, weakest first. A skipped question scores 0, a graded one its
// grade (Again 0 … Easy 1), an ungraded answer its share of covered points.
func (c *conv) weakTopics(iv *Interview) []string {
	type score struct {
		name       string
		sum        float64
		n          int
		firstIndex int
	}
	byTopic := map[string]*score{}
	for i, s := range iv.Steps {
		var v float64
		switch {
		case s.Grade > 0:
			v = float64(s.Grade-Again) / float64(Easy-Again)
		case s.Answered && s.Points > 0:
			v = float64(len(s.Covered)) / float64(s.Points)
		case !s.Skipped:
			continue // asked but never answered: the interview was stopped there
		}
		q := c.question(s.QuestionID)
		name := c.e.bank.TopicName(q, c.lang)
		if byTopic[name] == nil {
			byTopic[name] = &score{name: name, firstIndex: i}
		}
		byTopic[name].sum += v
		byTopic[name].n++
	}
	var weak []*score
	for _, s := range byTopic {
		if s.sum/float64(s.n) < weakScore {
			weak = append(weak, s)
		}
	}
	slices.SortFunc(weak, func(a, b *score) int {
		return cmp.Or(cmp.Compare(a.sum/float64(a.n), b.sum/float64(b.n)), cmp.Compare(a.firstIndex, b.firstIndex))
	})
	var names []string
	for _, s := range weak[:min(3, len(weak))] {
		names = append(names, s.name)
	}
	return names
}

// duration formats d for people: "45 s", "3 min 20 s", "1 h 5 min".
func (c *conv) duration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case d < time.Minute:
		return c.t("DurationSec", map[string]any{"Sec": s})
	case d < time.Hour:
		return c.t("DurationMinSec", map[string]any{"Min": m, "Sec": s})
	}
	return c.t("DurationHourMin", map[string]any{"Hours": h, "Min": m})
}

// historyList lists the user's latest interviews as buttons.
func (c *conv) historyList() error {
	ivs, err := c.tx.Interviews(c.ctx, c.user.ID, historyLimit)
	if err != nil {
		return fmt.Errorf("error loading history: %w", err)
	}
	if len(ivs) == 0 {
		c.say(c.t("HistoryEmpty", nil))
		return nil
	}
	if c.user.Dialog.Kind == "" || c.user.Dialog.soft() {
		if err := c.setDialog(Dialog{Kind: DialogHistory}); err != nil {
			return err
		}
	}
	var rows [][]Button
	for _, iv := range ivs {
		answered := 0
		for _, s := range iv.Steps {
			if s.Answered {
				answered++
			}
		}
		label := c.t("HistoryButton", map[string]any{
			"Date": iv.StartedAt.Format("2006-01-02"), "Track": c.trackTitle(iv.Track),
			"Answered": answered, "Total": len(iv.QuestionIDs),
		})
		if iv.Status == StatusActive {
			label += " · " + c.t("InProgressMark", nil)
		}
		rows = append(rows, []Button{{Label: label, Data: "hist:" + itoa(iv.ID)}})
	}
	c.say(c.t("HistoryList", nil), rows...)
	return nil
}

// historyShow shows one interview: each question with the user's answer next
// to the reference answer.
func (c *conv) historyShow(id int64) error {
	iv, err := c.tx.Interview(c.ctx, c.user.ID, id)
	if err != nil {
		return fmt.Errorf("error loading interview: %w", err)
	}
	if iv == nil {
		c.stale()
		return nil
	}
	if c.user.Dialog.Kind == DialogHistory {
		if err := c.setDialog(Dialog{}); err != nil {
			return err
		}
	}
	c.say(c.t("HistoryTitle", map[string]any{"Track": c.trackTitle(iv.Track), "Date": iv.StartedAt.Format("2006-01-02 15:04")}))
	for _, s := range iv.Steps {
		q := c.question(s.QuestionID)
		text := q.In(c.lang)
		var b strings.Builder
		b.WriteString(c.t("HistoryQuestion", map[string]any{"N": s.Position, "Topic": c.e.bank.TopicName(q, c.lang)}))
		b.WriteString("\n" + text.Question + "\n\n")
		b.WriteString(c.t("YourAnswer", nil) + "\n")
		switch {
		case s.Answered:
			b.WriteString(s.Answer)
		case s.Skipped:
			b.WriteString(c.t("NoAnswerSkipped", nil))
		default:
			b.WriteString(c.t("NoAnswerYet", nil))
		}
		b.WriteString("\n\n" + c.t("ReferenceAnswer", nil) + "\n" + text.Answer)
		if s.Grade > 0 {
			b.WriteString("\n\n" + c.t("YourGrade", map[string]any{"Grade": c.gradeName(s.Grade)}))
		}
		c.say(b.String())
	}
	if iv.Status != StatusActive {
		c.say(c.summary(iv))
	}
	return nil
}
