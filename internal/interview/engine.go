package interview

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/interviewbot/interviewbot/internal/bank"
)

// Lengths are the interview lengths offered, in questions.
var Lengths = []int{5, 10, 15}

// historyLimit is how many past interviews /history lists.
const historyLimit = 10

// Engine handles events. It keeps no state of its own between events: all of
// it is in the Store, so any number of engines can serve one database.
type Engine struct {
	bank    *bank.Bank
	store   Store
	tr      Translator
	now     func() time.Time
	shuffle func(n int, swap func(i, j int))
	log     *slog.Logger
}

// Options are the engine's optional dependencies.
type Options struct {
	Now     func() time.Time                 // default time.Now
	Shuffle func(n int, swap func(i, j int)) // default math/rand/v2.Shuffle
	Logger  *slog.Logger                     // default slog.Default()
}

// New returns an engine over the bank, the store and the translations.
func New(b *bank.Bank, s Store, tr Translator, opts Options) *Engine {
	e := &Engine{bank: b, store: s, tr: tr, now: opts.Now, shuffle: opts.Shuffle, log: opts.Logger}
	if e.now == nil {
		e.now = time.Now
	}
	if e.shuffle == nil {
		e.shuffle = rand.Shuffle
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	return e
}

// Handle handles ev in its own transaction.
func (e *Engine) Handle(ctx context.Context, ev Event) error {
	return e.store.InTx(ctx, func(tx Tx) error { return e.HandleTx(ctx, tx, ev) })
}

// HandleTx handles ev inside the caller's transaction: it saves what the user
// typed, changes the conversation's state and enqueues the replies.
func (e *Engine) HandleTx(ctx context.Context, tx Tx, ev Event) error {
	u, err := tx.User(ctx, ev.Platform, ev.UserID, ev.Locale)
	if err != nil {
		return fmt.Errorf("error loading user: %w", err)
	}
	c := &conv{e: e, ctx: ctx, tx: tx, user: u, ev: ev, now: e.now().UTC()}
	c.lang = cmp.Or(u.Language, e.tr.Negotiate(u.Locale))
	if err := c.handle(ev); err != nil {
		return err
	}
	for _, r := range c.out {
		if err := tx.Enqueue(ctx, r); err != nil {
			return fmt.Errorf("error queueing reply: %w", err)
		}
	}
	e.log.DebugContext(ctx, "handled event", "platform", ev.Platform, "user", u.ID, "button", ev.Data != "", "replies", len(c.out))
	return nil
}

// conv is the handling of one event.
type conv struct {
	e    *Engine
	ctx  context.Context
	tx   Tx
	user User
	ev   Event
	lang string
	now  time.Time
	out  []Reply
}

func (c *conv) t(id string, data map[string]any) string { return c.e.tr.Text(c.lang, id, data) }

func (c *conv) n(id string, n int, data map[string]any) string {
	return c.e.tr.Plural(c.lang, id, n, data)
}

func (c *conv) say(text string, buttons ...[]Button) {
	c.out = append(c.out, c.reply(text, buttons...))
}

func (c *conv) reply(text string, buttons ...[]Button) Reply {
	return Reply{Platform: c.ev.Platform, ChatID: c.ev.ChatID, Thread: c.ev.Thread, Lang: c.lang, Text: text, Buttons: buttons}
}

// ask says text and waits for a free-text answer.
func (c *conv) ask(text string) {
	r := c.reply(text)
	r.Answer = true
	c.out = append(c.out, r)
}

func (c *conv) handle(ev Event) error {
	if !c.user.BlockedAt.IsZero() && ev.Kind != KindBlocked && !ev.Group {
		// Any event from the user in the private chat means they are back
		// (in a group they may still have blocked the bot).
		c.user.BlockedAt = time.Time{}
		if err := c.tx.SaveUser(c.ctx, c.user); err != nil {
			return fmt.Errorf("error saving user: %w", err)
		}
		if err := c.resumeDaily(); err != nil {
			return fmt.Errorf("error resuming the daily question: %w", err)
		}
	}
	switch ev.Kind {
	case KindBlocked:
		c.user.BlockedAt = c.now
		if err := c.tx.SaveUser(c.ctx, c.user); err != nil {
			return fmt.Errorf("error saving user: %w", err)
		}
		if err := c.pauseDaily(); err != nil {
			return fmt.Errorf("error pausing the daily question: %w", err)
		}
		return nil
	case KindUnblocked:
		return nil
	case KindAddedToGroup:
		c.say(c.t("GroupPrivateOnly", nil))
		return nil
	}
	if ev.Group {
		// Practice rooms are not there yet: in a group, answer commands only.
		if _, ok := command(ev.Text); ok || ev.Data != "" {
			c.say(c.t("GroupPrivateOnly", nil))
		}
		return nil
	}
	switch {
	case ev.Kind == KindNonText:
		return c.nonText()
	case ev.Kind == KindEdit:
		return c.edit(ev.MessageID, ev.Text)
	case ev.Resume:
		return c.resume()
	case ev.Data != "":
		return c.button(ev.Data)
	}
	if cmd, ok := command(ev.Text); ok {
		return c.command(cmd)
	}
	return c.text(ev.Text)
}

// command returns the command name of text such as "/start" or
// "/help@SomeBot args", lower-cased, and whether text is a command.
func command(text string) (string, bool) {
	s := strings.TrimSpace(text)
	if !strings.HasPrefix(s, "/") || len(s) < 2 {
		return "", false
	}
	name, _, _ := strings.Cut(s[1:], " ")
	name, _, _ = strings.Cut(name, "\n")
	name, _, _ = strings.Cut(name, "@")
	return strings.ToLower(name), true
}

func (c *conv) command(name string) error {
	switch name {
	case "start":
		return c.start()
	case "help":
		c.say(c.t("Help", nil))
		return nil
	case "language":
		if c.user.Dialog.Kind == "" || c.user.Dialog.soft() {
			if err := c.setDialog(Dialog{Kind: DialogLanguage}); err != nil {
				return err
			}
		}
		c.languagePicker()
		return nil
	case "interview":
		return c.interviewCommand()
	case "skip":
		return c.skip()
	case "stop":
		return c.stop()
	case "history":
		return c.historyList()
	case "daily":
		return c.daily()
	}
	c.say(c.t("UnknownCommand", map[string]any{"Command": "/" + name}))
	return nil
}

func (c *conv) start() error {
	if err := c.setDialog(Dialog{}); err != nil {
		return err
	}
	c.say(c.t("Start", nil))
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil || iv == nil {
		return err
	}
	c.say(c.t("InProgressNote", nil))
	return c.prompt(iv)
}

// resume re-shows where the user is, for a client that (re)connected.
func (c *conv) resume() error {
	if c.user.New {
		c.say(c.t("Start", nil))
		return nil
	}
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if iv == nil && c.user.Dialog.Kind == "" {
		c.say(c.t("WelcomeBackIdle", nil))
		return nil
	}
	c.say(c.t("WelcomeBack", nil))
	return c.current(iv)
}

// current re-shows the pending choice, or else the interview's open step.
func (c *conv) current(iv *Interview) error {
	switch c.user.Dialog.Kind {
	case DialogTrack:
		c.trackPicker()
		return nil
	case DialogLength:
		if t := c.e.bank.Track(c.user.Dialog.Track); t != nil {
			c.lengthPicker(t)
			return nil
		}
	case DialogRestart:
		if iv != nil {
			c.restartQuestion(iv)
			return nil
		}
	case DialogLanguage:
		c.languagePicker()
		return nil
	case DialogHistory:
		return c.historyList()
	case DialogDailyTime:
		c.timePicker()
		return nil
	case DialogDailyZone:
		c.zonePicker()
		return nil
	case DialogDailyTracks:
		c.tracksPicker(false)
		return nil
	}
	if iv != nil {
		return c.prompt(iv)
	}
	return nil
}

func (c *conv) setDialog(d Dialog) error {
	if c.user.Dialog == d {
		return nil
	}
	c.user.Dialog = d
	if err := c.tx.SaveUser(c.ctx, c.user); err != nil {
		return fmt.Errorf("error saving user: %w", err)
	}
	return nil
}

// text handles typed text that is not a command.
func (c *conv) text(text string) error {
	if date, ok := dailyDate(c.ev.ReplyData); ok {
		return c.dailyReply(date, text)
	}
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	if c.user.Dialog.soft() {
		if err := c.setDialog(Dialog{}); err != nil {
			return err
		}
	}
	switch c.user.Dialog.Kind {
	case "":
	case DialogDailyTime:
		return c.pickTime(text, true)
	case DialogDailyZone:
		return c.pickZone(text, true)
	default:
		c.say(c.t("PleaseChoose", nil))
		return c.current(iv)
	}
	if iv == nil {
		d, err := c.openDaily()
		if err != nil {
			return err
		}
		if d != nil {
			return c.dailyAnswer(d, text)
		}
		c.say(c.t("IdleHint", nil))
		return nil
	}
	step := iv.Current()
	if step == nil || !step.Open() {
		return c.next(iv)
	}
	if step.Answered {
		return c.appendAnswer(iv, step, text)
	}
	return c.answer(iv, step, text)
}

func (c *conv) languagePicker() {
	var rows [][]Button
	for _, lang := range c.e.tr.Languages() {
		rows = append(rows, []Button{{Label: c.e.tr.Text(lang, "LanguageName", nil), Data: "lang:" + lang}})
	}
	c.say(c.t("LanguagePrompt", nil), rows...)
}

// button handles a pressed button.
func (c *conv) button(data string) error {
	kind, arg, _ := strings.Cut(data, ":")
	switch kind {
	case "lang":
		return c.setLanguage(arg)
	case "track":
		return c.pickTrack(arg)
	case "len":
		track, n, _ := strings.Cut(arg, ":")
		return c.pickLength(track, atoi(n))
	case "cont", "restart":
		return c.restartChoice(kind, int64(atoi(arg)))
	case "grade":
		ids := strings.Split(arg, ":")
		if len(ids) == 3 {
			return c.grade(int64(atoi(ids[0])), atoi(ids[1]), Grade(atoi(ids[2])))
		}
	case "hist":
		return c.historyShow(int64(atoi(arg)))
	case "dtime":
		return c.pickTime(arg, false)
	case "dzone":
		return c.pickZone(arg, false)
	case "dtrack":
		return c.toggleTrack(arg)
	case "dtracks":
		return c.tracksDone()
	case "dset", "dstop", "dresume":
		return c.dailyButton(kind, arg)
	case "dq":
		return c.dailyQuestionButton(data)
	}
	c.stale()
	return nil
}

func (c *conv) stale() { c.say(c.t("StaleButton", nil)) }

func (c *conv) setLanguage(lang string) error {
	known := false
	for _, l := range c.e.tr.Languages() {
		known = known || l == lang
	}
	if !known {
		c.stale()
		return nil
	}
	c.user.Language = lang
	c.lang = lang
	if c.user.Dialog.Kind == DialogLanguage {
		c.user.Dialog = Dialog{}
	}
	if err := c.tx.SaveUser(c.ctx, c.user); err != nil {
		return fmt.Errorf("error saving user: %w", err)
	}
	c.say(c.t("LanguageSet", nil))
	iv, err := c.tx.ActiveInterview(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	return c.current(iv)
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1e8 {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	if s == "" {
		return -1
	}
	return n
}
