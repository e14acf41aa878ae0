// Package terminal is a chat with the interview engine in a terminal: typed
// lines become events, replies are printed, and buttons become numbered
// choices that can be picked by number or by typing their label.
package terminal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// Platform is the platform name of terminal users and chats.
const Platform = "terminal"

// Engine handles one event in one transaction, and queues the daily
// questions that are due.
type Engine interface {
	Handle(ctx context.Context, ev interview.Event) error
	DeliverDaily(ctx context.Context, platform string, now time.Time) (int, error)
}

// Outbox holds the replies queued for a chat.
type Outbox interface {
	Pending(ctx context.Context, platform, chatID string) ([]interview.Queued, error)
	MarkSent(ctx context.Context, ids []int64) error
}

// Texts gives the terminal's own texts in a language.
type Texts interface {
	Text(lang, id string, data map[string]any) string
}

// Chat is one terminal conversation.
type Chat struct {
	Engine      Engine
	Outbox      Outbox
	Texts       Texts
	User        string // the terminal user's name; also the chat id
	Locale      string // the language hint, e.g. "ru" or "nb_NO.UTF-8"
	In          io.Reader
	Out         io.Writer
	Interactive bool // print input prompts
	// Retries is how often a failed event is retried before Run gives up; 0 means 3.
	Retries int

	lang    string
	buttons []interview.Button // the choices on screen
	answer  bool               // the bot waits for a free-text answer
}

// Run talks until the input ends or ctx is cancelled. It first prints what
// was queued but not shown before (for example when the last run was killed)
// and where the user is.
func (c *Chat) Run(ctx context.Context) error {
	if err := c.flush(ctx); err != nil {
		return err
	}
	if err := c.send(ctx, interview.Event{Resume: true}); err != nil {
		return err
	}
	fmt.Fprintf(c.Out, "%s\n\n", c.Texts.Text(c.lang, "TerminalWelcome", nil))
	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() { readErr <- readLines(c.In, lines, done) }()
	for {
		msg, ok, err := c.readMessage(ctx, lines)
		if err != nil {
			return err
		}
		if !ok {
			select {
			case err := <-readErr:
				return err
			case <-ctx.Done():
				return nil
			}
		}
		ev := interview.Event{Text: msg}
		if data, ok := c.choice(msg); ok {
			ev = interview.Event{Data: data}
		}
		if err := c.send(ctx, ev); err != nil {
			return err
		}
	}
}

// send handles ev, retrying on failure so that nothing typed is lost to a
// passing database error, then prints the replies.
func (c *Chat) send(ctx context.Context, ev interview.Event) error {
	ev.Platform, ev.UserID, ev.ChatID, ev.Locale = Platform, c.User, c.User, c.Locale
	retries := c.Retries
	if retries == 0 {
		retries = 3
	}
	// The terminal has no scheduler running in the background: a daily
	// question that came due while the chat was closed arrives with the
	// next message, before its reply.
	if _, err := c.Engine.DeliverDaily(ctx, Platform, time.Now()); err != nil && ctx.Err() == nil {
		return fmt.Errorf("error delivering the daily question: %w", err)
	}
	var err error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
		}
		if err = c.Engine.Handle(ctx, ev); err == nil || ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("your last message could not be saved (%w); it was:\n%s", err, ev.Text)
	}
	return c.flush(ctx)
}

// flush prints the chat's queued replies and marks them sent.
func (c *Chat) flush(ctx context.Context) error {
	msgs, err := c.Outbox.Pending(ctx, Platform, c.User)
	if err != nil || len(msgs) == 0 {
		return err
	}
	ids := make([]int64, len(msgs))
	c.buttons, c.answer = nil, false
	for i, m := range msgs {
		ids[i] = m.ID
		c.print(m.Reply)
	}
	return c.Outbox.MarkSent(ctx, ids)
}

func (c *Chat) print(r interview.Reply) {
	c.lang = r.Lang
	fmt.Fprintf(c.Out, "%s\n", r.Text)
	if r.Answer {
		c.buttons, c.answer = nil, true
	}
	if len(r.Buttons) > 0 {
		c.buttons, c.answer = nil, false
		for _, row := range r.Buttons {
			cells := make([]string, len(row))
			for i, b := range row {
				c.buttons = append(c.buttons, b)
				cells[i] = fmt.Sprintf("[%d] %s", len(c.buttons), b.Label)
			}
			fmt.Fprintf(c.Out, "  %s\n", strings.Join(cells, "   "))
		}
	}
	fmt.Fprintln(c.Out)
}

// choice maps a typed number or label to the data of a button on screen.
func (c *Chat) choice(msg string) (string, bool) {
	s := strings.TrimSpace(msg)
	if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= len(c.buttons) {
		return c.buttons[n-1].Data, true
	}
	for _, b := range c.buttons {
		if strings.EqualFold(s, strings.TrimSpace(b.Label)) {
			return b.Data, true
		}
	}
	return "", false
}

// readMessage reads the next message: while the bot waits for an answer,
// lines up to an empty line (a command on the first line is sent alone);
// otherwise one non-empty line.
func (c *Chat) readMessage(ctx context.Context, lines <-chan string) (string, bool, error) {
	var parts []string
	for {
		if c.Interactive {
			switch {
			case c.answer && len(parts) == 0:
				fmt.Fprintf(c.Out, "%s\n> ", c.Texts.Text(c.lang, "TerminalAnswerPrompt", nil))
			case c.answer:
				fmt.Fprint(c.Out, "  ")
			default:
				fmt.Fprint(c.Out, "> ")
			}
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return "", false, nil
		case line, ok = <-lines:
		}
		if !ok {
			if len(parts) > 0 {
				return strings.Join(parts, "\n"), true, nil
			}
			return "", false, nil
		}
		empty := strings.TrimSpace(line) == ""
		switch {
		case !c.answer && empty, c.answer && empty && len(parts) == 0:
			continue
		case !c.answer:
			return line, true, nil
		case empty:
			return strings.Join(parts, "\n"), true, nil
		case len(parts) == 0 && strings.HasPrefix(strings.TrimSpace(line), "/"):
			return line, true, nil
		}
		parts = append(parts, line)
	}
}

// readLines sends r's lines, without their line endings, until EOF or
// until done is closed.
func readLines(r io.Reader, lines chan<- string, done <-chan struct{}) error {
	defer close(lines)
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" || err == nil {
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			select {
			case lines <- line:
			case <-done:
				return nil
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("error reading input: %w", err)
		}
	}
}
