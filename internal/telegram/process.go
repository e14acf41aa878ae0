package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// Outbox kinds of Telegram items.
const (
	kindMessage        = "message"         // a rendered message: message
	kindAnswerCallback = "answer_callback" // answer a button press: callbackAnswer
	kindRemoveButtons  = "remove_buttons"  // remove the buttons of a pressed message: buttonsRemoval
	kindEditMessage    = "edit_message"    // replace a message's text and buttons: messageEdit
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

// messageEdit replaces the text and buttons of a message the bot sent.
type messageEdit struct {
	MessageID int `json:"message_id"`
	message
}

// Inbox is the durable queue of received updates.
type Inbox interface {
	Add(ctx context.Context, updates []interview.Incoming) error
	// Process handles up to batch updates, each the next of its chat, in one
	// transaction, and returns how many it claimed.
	Process(ctx context.Context, batch int, fn func(ctx context.Context, tx interview.Tx, u interview.Incoming) error) (int, error)
}

// Engine handles one event inside the caller's transaction, and delivers
// the due daily questions in transactions of a store.
type Engine interface {
	HandleTx(ctx context.Context, tx interview.Tx, ev interview.Event) error
	DeliverDailyIn(ctx context.Context, s interview.Store, platform string, now time.Time) (int, error)
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
	batch := p.Batch
	if batch == 0 {
		batch = 8
	}
	repeat(stop, p.Wake, poll, func() bool {
		n, err := p.Inbox.Process(work, batch, p.handle)
		if err != nil {
			p.Log.Error("error handling updates", "err", err)
		}
		if n > 0 {
			p.Sent.Notify()
		}
		return n > 0
	})
}

// handle decodes one update and handles it in tx: it answers a pressed
// button, runs the engine, removes the pressed buttons (unless a reply
// replaces that message) and queues the engine's replies as rendered
// messages.
func (p *Processor) handle(ctx context.Context, tx interview.Tx, u interview.Incoming) error {
	atx, ok := tx.(actionTx)
	if !ok {
		return fmt.Errorf("the store's transaction cannot queue Telegram actions")
	}
	d, err := decode(u.Raw)
	if err != nil {
		return err
	}
	if d.callbackID != "" {
		// A queue of its own, so that a paused chat does not keep the
		// button's spinner turning.
		chat := "cb"
		if d.event != nil {
			chat += d.event.ChatID
		}
		if err := enqueue(ctx, atx, chat, kindAnswerCallback, callbackAnswer{ID: d.callbackID}); err != nil {
			return err
		}
	}
	var replies []interview.Reply
	if d.event != nil {
		rec := &recordingTx{Tx: tx}
		if err := p.Engine.HandleTx(ctx, rec, *d.event); err != nil {
			return err
		}
		replies = rec.replies
	} else {
		p.Log.Debug("ignoring update", "update_id", u.ID, "why", d.why)
	}
	if m := d.pressedIn; m != nil && m.ReplyMarkup != nil && len(m.ReplyMarkup.InlineKeyboard) > 0 && !edits(replies, m.ID) {
		if err := enqueue(ctx, atx, itoa(m.Chat.ID), kindRemoveButtons, buttonsRemoval{MessageID: m.ID}); err != nil {
			return err
		}
	}
	return queueReplies(ctx, atx, replies)
}

// edits reports whether a reply replaces message id in place.
func edits(replies []interview.Reply, id int) bool {
	for _, r := range replies {
		if r.Edit == itoa(int64(id)) {
			return true
		}
	}
	return false
}

func enqueue(ctx context.Context, atx actionTx, chat, kind string, v any) error {
	payload, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return atx.EnqueueAction(ctx, Platform, chat, kind, payload)
}

// queueReplies renders replies (merged, with bidi controls for Persian,
// split at Telegram's length limit) and queues them. A reply that edits a
// message and fits in one is queued as an edit.
func queueReplies(ctx context.Context, atx actionTx, replies []interview.Reply) error {
	for _, r := range merge(replies) {
		text := r.Text
		if r.Lang == "fa" {
			text = bidi(text)
		}
		chunks := split(text, maxMessage)
		if id, err := strconv.Atoi(r.Edit); err == nil && len(chunks) == 1 {
			if err := enqueue(ctx, atx, r.ChatID, kindEditMessage, messageEdit{MessageID: id, message: message{Text: chunks[0], Buttons: r.Buttons}}); err != nil {
				return err
			}
			continue
		}
		for i, c := range chunks {
			m := message{Text: c, Thread: r.Thread}
			if i == len(chunks)-1 {
				m.Buttons = r.Buttons
			}
			if err := enqueue(ctx, atx, r.ChatID, kindMessage, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// renderingStore runs transactions whose replies are rendered for Telegram
// and queued when the transaction's work is done.
type renderingStore struct{ interview.Store }

func (s renderingStore) InTx(ctx context.Context, fn func(interview.Tx) error) error {
	return s.Store.InTx(ctx, func(tx interview.Tx) error {
		atx, ok := tx.(actionTx)
		if !ok {
			return fmt.Errorf("the store's transaction cannot queue Telegram actions")
		}
		rec := &recordingTx{Tx: tx}
		if err := fn(rec); err != nil {
			return err
		}
		return queueReplies(ctx, atx, rec.replies)
	})
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
