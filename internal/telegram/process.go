package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// Outbox kinds of Telegram items.
const (
	kindMessage        = "message"         // a rendered message: message
	kindAnswerCallback = "answer_callback" // answer a button press: callbackAnswer
	kindRemoveButtons  = "remove_buttons"  // remove the buttons of a pressed message: buttonsRemoval
)

// message is the outbox payload of one Telegram message: plain text ready
// for escaping (bidi controls applied, at most maxMessage long).
type message struct {
	Text    string               `json:"text"`
	Thread  string               `json:"thread,omitempty"`
	Buttons [][]interview.Button `json:"buttons,omitempty"`
}

type callbackAnswer struct {
	ID string `json:"id"`
}

type buttonsRemoval struct {
	MessageID int `json:"message_id"`
}

// Inbox is the durable queue of received updates.
type Inbox interface {
	Add(ctx context.Context, updates []interview.Incoming) error
	// Process handles up to batch updates, each the next of its chat, in one
	// transaction, and returns how many it claimed.
	Process(ctx context.Context, batch int, fn func(ctx context.Context, tx interview.Tx, u interview.Incoming) error) (int, error)
}

// Engine handles one event inside the caller's transaction.
type Engine interface {
	HandleTx(ctx context.Context, tx interview.Tx, ev interview.Event) error
}

// actionTx is a transaction that can also queue platform actions.
type actionTx interface {
	EnqueueAction(ctx context.Context, platform, chatID, kind string, payload []byte) error
}

// Processor handles stored updates, one chat at a time, in order.
type Processor struct {
	Inbox  Inbox
	Engine Engine
	Log    *slog.Logger
	Wake   *Signal       // notified when new updates were stored
	Sent   *Signal       // notified when replies were queued
	Poll   time.Duration // how often to look for work without a wake-up; 0 means 250 ms
	Batch  int           // updates per transaction; 0 means 8
}

// Run handles updates until stop is closed, finishing the one in hand with
// work (which outlives stop).
func (p *Processor) Run(stop <-chan struct{}, work context.Context) {
	poll := p.Poll
	if poll == 0 {
		poll = 250 * time.Millisecond
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		wake := p.Wake.C() // before looking, so a notify during the look is not lost
		batch := p.Batch
		if batch == 0 {
			batch = 8
		}
		n, err := p.Inbox.Process(work, batch, p.handle)
		if err != nil {
			p.Log.Error("error handling updates", "err", err)
		}
		if n > 0 {
			p.Sent.Notify()
			continue
		}
		select {
		case <-stop:
			return
		case <-wake:
		case <-time.After(poll):
		}
	}
}

// handle decodes one update and handles it in tx: it answers a pressed
// button and removes the buttons it was under, runs the engine, and queues
// the engine's replies as rendered messages.
func (p *Processor) handle(ctx context.Context, tx interview.Tx, u interview.Incoming) error {
	atx, ok := tx.(actionTx)
	if !ok {
		return fmt.Errorf("the store's transaction cannot queue Telegram actions")
	}
	d, err := decode(u.Raw)
	if err != nil {
		return err
	}
	enqueue := func(chat, kind string, v any) error {
		payload, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return atx.EnqueueAction(ctx, Platform, chat, kind, payload)
	}
	if d.callbackID != "" {
		// A queue of its own, so that a paused chat does not keep the
		// button's spinner turning.
		chat := "cb"
		if d.event != nil {
			chat += d.event.ChatID
		}
		if err := enqueue(chat, kindAnswerCallback, callbackAnswer{ID: d.callbackID}); err != nil {
			return err
		}
	}
	if m := d.pressedIn; m != nil && m.ReplyMarkup != nil && len(m.ReplyMarkup.InlineKeyboard) > 0 {
		if err := enqueue(itoa(m.Chat.ID), kindRemoveButtons, buttonsRemoval{MessageID: m.ID}); err != nil {
			return err
		}
	}
	if d.event == nil {
		p.Log.Debug("ignoring update", "update_id", u.ID, "why", d.why)
		return nil
	}
	rec := &recordingTx{Tx: tx}
	if err := p.Engine.HandleTx(ctx, rec, *d.event); err != nil {
		return err
	}
	for _, r := range merge(rec.replies) {
		text := r.Text
		if r.Lang == "fa" {
			text = bidi(text)
		}
		chunks := split(text, maxMessage)
		for i, c := range chunks {
			m := message{Text: c, Thread: r.Thread}
			if i == len(chunks)-1 {
				m.Buttons = r.Buttons
			}
			if err := enqueue(r.ChatID, kindMessage, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordingTx collects the engine's replies so they can be merged and
// rendered before they are queued.
type recordingTx struct {
	interview.Tx
	replies []interview.Reply
}

func (t *recordingTx) Enqueue(_ context.Context, r interview.Reply) error {
	t.replies = append(t.replies, r)
	return nil
}
