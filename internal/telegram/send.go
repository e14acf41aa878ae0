package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// API is the part of the Bot API the sender uses; *bot.Bot implements it.
type API interface {
	SendMessage(ctx context.Context, params *bot.SendMessageParams) (*models.Message, error)
	AnswerCallbackQuery(ctx context.Context, params *bot.AnswerCallbackQueryParams) (bool, error)
	EditMessageReplyMarkup(ctx context.Context, params *bot.EditMessageReplyMarkupParams) (*models.Message, error)
	EditMessageText(ctx context.Context, params *bot.EditMessageTextParams) (*models.Message, error)
}

// Outbox is the durable queue of outgoing items.
type Outbox interface {
	// Deliver claims up to batch items, each the next of its chat, and
	// records the outcomes send returns, one per item.
	Deliver(ctx context.Context, platform string, batch int, send func(context.Context, []interview.Outgoing) []interview.Outcome) (int, error)
	// Reserve grants the first of sends that fit into the global limit of
	// limit calls per second, shared with other replicas, and durably pauses
	// their chats, so that neither a crash between sending and recording nor
	// another replica can break a rate limit. Each granted call must end
	// within lease; its outcome names the grant's permit.
	Reserve(ctx context.Context, platform string, limit int, lease time.Duration, sends []interview.Send) (interview.Grant, error)
}

// Telegram's per-chat limits, as the pause after each message.
const (
	privatePause = time.Second      // 1 message per second in a private chat
	groupPause   = 3 * time.Second  // 20 messages per minute in a group
	maxRetry     = 15 * time.Second // the longest wait between retries of a failing send
	sendLease    = 30 * time.Second // a send's permit lasts this long unless released: a call may take a little less
)

// Sender delivers the outbox to Telegram within its rate limits.
type Sender struct {
	Outbox  Outbox
	API     API
	Rate    float64 // messages per second in all, shared by every replica
	Workers int     // concurrent delivery transactions; 0 means 2
	Batch   int     // items per delivery transaction, sent concurrently; 0 means 64
	Log     *slog.Logger
	Wake    *Signal       // notified when new items were queued
	Poll    time.Duration // how often to look for due items without a wake-up; 0 means 100 ms

	mu          sync.Mutex
	pausedUntil time.Time // a global 429, or no capacity left: no one sends before this
	recent429   []chat429 // recent 429s, to tell a global flood from one chat's
}

type chat429 struct {
	chat string
	at   time.Time
}

// Run delivers until stop is closed; deliveries in hand finish with work.
func (s *Sender) Run(stop <-chan struct{}, work context.Context) {
	workers := s.Workers
	if workers == 0 {
		// Two: each sends a whole batch at once, so two keep up with
		// 1,000 messages/s even at 100 ms to the Bot API, and more only
		// contend for the same queue heads (BENCHMARKS.md, scenario 1).
		workers = 2
	}
	batch := s.Batch
	if batch == 0 {
		batch = 64
	}
	poll := s.Poll
	if poll == 0 {
		poll = 100 * time.Millisecond
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			repeat(stop, s.Wake, poll, func() bool {
				s.waitGlobalPause(stop)
				n, err := s.Outbox.Deliver(work, Platform, batch, s.sendAll)
				if err != nil {
					s.Log.Error("error delivering", "err", err)
				}
				return n > 0
			})
		}()
	}
	wg.Wait()
}

func (s *Sender) waitGlobalPause(stop <-chan struct{}) {
	s.mu.Lock()
	wait := time.Until(s.pausedUntil)
	s.mu.Unlock()
	if wait > 0 {
		select {
		case <-stop:
		case <-time.After(wait):
		}
	}
}

// pause is how long a chat must wait after a message is sent to it.
func pause(chatID string) time.Duration {
	if strings.HasPrefix(chatID, "-") {
		return groupPause
	}
	return privatePause
}

// counts says whether an item counts toward Telegram's global limit.
func counts(kind string) bool { return kind == kindMessage || kind == kindEditMessage }

// sendAll reserves places under the global and per-chat limits for the
// items that need them, then sends all items that may go concurrently and
// returns their outcomes; those that found no place are deferred, and no
// worker of this replica claims more until capacity frees.
func (s *Sender) sendAll(ctx context.Context, items []interview.Outgoing) []interview.Outcome {
	outcomes := make([]interview.Outcome, len(items))
	var sends []interview.Send
	for _, m := range items {
		if !counts(m.Kind) {
			continue
		}
		send := interview.Send{ChatID: m.ChatID}
		if m.Kind == kindMessage {
			send.Pause = pause(m.ChatID)
		}
		sends = append(sends, send)
	}
	// Every call ends before its permit's lease does, by the local clock
	// started before the permits were.
	ctx, cancel := context.WithDeadline(ctx, time.Now().Add(sendLease-time.Second))
	defer cancel()
	grant, err := s.Outbox.Reserve(ctx, Platform, max(int(s.Rate), 1), sendLease, sends)
	if err != nil {
		s.Log.Error("error reserving sends", "err", err)
		for i := range outcomes {
			outcomes[i] = interview.Outcome{Deferred: true}
		}
		s.pauseAll(time.Second)
		return outcomes
	}
	if grant.Sends < len(sends) {
		s.pauseAll(grant.Wait)
	}
	granted := grant.Sends
	var wg sync.WaitGroup
	for i, m := range items {
		if counts(m.Kind) {
			if granted == 0 {
				outcomes[i] = interview.Outcome{Deferred: true}
				continue
			}
			granted--
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = s.send(ctx, m)
			outcomes[i].Ended = time.Now()
			outcomes[i].Permit = grant.Permit
		}()
	}
	wg.Wait()
	return outcomes
}

// pauseAll keeps every worker from claiming items for d, and says whether
// that extended the pause.
func (s *Sender) pauseAll(d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until := time.Now().Add(d)
	if !until.After(s.pausedUntil) {
		return false
	}
	s.pausedUntil = until
	return true
}

// send makes one Bot API call for an outbox item and says what became of it.
func (s *Sender) send(ctx context.Context, m interview.Outgoing) interview.Outcome {
	chat, err := strconv.ParseInt(m.ChatID, 10, 64)
	if err != nil && m.Kind != kindAnswerCallback {
		return interview.Outcome{Park: fmt.Sprintf("invalid chat id %q", m.ChatID)}
	}
	switch m.Kind {
	case kindMessage:
		var msg message
		if err := json.Unmarshal(m.Payload, &msg); err != nil {
			return interview.Outcome{Park: "invalid payload: " + err.Error()}
		}
		params := &bot.SendMessageParams{
			ChatID:             chat,
			Text:               htmlEscaper.Replace(msg.Text),
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()},
		}
		if k := keyboard(msg.Buttons); k != nil {
			params.ReplyMarkup = k
		}
		if msg.Thread != "" {
			params.MessageThreadID, _ = strconv.Atoi(msg.Thread)
		}
		_, err = s.API.SendMessage(ctx, params)
		if err == nil {
			return interview.Outcome{Sent: true, ChatPause: pause(m.ChatID)}
		}
		return s.failed(m, err)
	case kindAnswerCallback:
		var a callbackAnswer
		if err := json.Unmarshal(m.Payload, &a); err != nil {
			return interview.Outcome{Park: "invalid payload: " + err.Error()}
		}
		_, err := s.API.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: a.ID})
		if err == nil {
			return interview.Outcome{Sent: true}
		}
		return s.failed(m, err)
	case kindEditMessage:
		var e messageEdit
		if err := json.Unmarshal(m.Payload, &e); err != nil {
			return interview.Outcome{Park: "invalid payload: " + err.Error()}
		}
		params := &bot.EditMessageTextParams{
			ChatID: chat, MessageID: e.MessageID,
			Text:               htmlEscaper.Replace(e.Text),
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()},
			ReplyMarkup:        &inlineKeyboard{InlineKeyboard: [][]inlineButton{}},
		}
		if k := keyboard(e.Buttons); k != nil {
			params.ReplyMarkup = k
		}
		_, err := s.API.EditMessageText(ctx, params)
		if err == nil || strings.Contains(fmt.Sprint(err), "message is not modified") {
			return interview.Outcome{Sent: true}
		}
		return s.failed(m, err)
	case kindRemoveButtons:
		var r buttonsRemoval
		if err := json.Unmarshal(m.Payload, &r); err != nil {
			return interview.Outcome{Park: "invalid payload: " + err.Error()}
		}
		_, err := s.API.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{
			ChatID: chat, MessageID: r.MessageID, ReplyMarkup: &inlineKeyboard{InlineKeyboard: [][]inlineButton{}},
		})
		if err == nil || strings.Contains(fmt.Sprint(err), "message is not modified") {
			return interview.Outcome{Sent: true}
		}
		return s.failed(m, err)
	}
	return interview.Outcome{Park: fmt.Sprintf("unknown outbox kind %q", m.Kind)}
}

// failed turns a Bot API error into an outcome.
func (s *Sender) failed(m interview.Outgoing, err error) interview.Outcome {
	var tooMany *bot.TooManyRequestsError
	var migrated *bot.MigrateError
	switch {
	case errors.As(err, &tooMany):
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		s.note429(m.ChatID, wait)
		s.Log.Warn("rate limited by Telegram", "chat", m.ChatID, "retry_after", tooMany.RetryAfter)
		return interview.Outcome{ChatPause: wait, Retry: wait}
	case errors.As(err, &migrated):
		return interview.Outcome{MovedTo: strconv.FormatInt(int64(migrated.MigrateToChatID), 10)}
	case errors.Is(err, bot.ErrorForbidden):
		s.Log.Info("the bot is blocked in a chat", "chat", m.ChatID)
		return interview.Outcome{Blocked: true}
	case errors.Is(err, bot.ErrorBadRequest), errors.Is(err, bot.ErrorNotFound), errors.Is(err, bot.ErrorUnauthorized):
		s.Log.Error("Telegram refused an item", "chat", m.ChatID, "kind", m.Kind, "err", err)
		return interview.Outcome{Park: err.Error()}
	}
	wait := min(250*time.Millisecond<<min(m.Attempts, 8), maxRetry)
	s.Log.Warn("sending failed, will retry", "chat", m.ChatID, "kind", m.Kind, "in", wait, "err", err)
	return interview.Outcome{Retry: wait}
}

// note429 records a 429; when several chats got one within a second, the
// limit is global and all sending pauses.
func (s *Sender) note429(chat string, wait time.Duration) {
	s.mu.Lock()
	now := time.Now()
	kept := s.recent429[:0]
	chats := map[string]bool{chat: true}
	for _, r := range s.recent429 {
		if now.Sub(r.at) < time.Second {
			kept = append(kept, r)
			chats[r.chat] = true
		}
	}
	s.recent429 = append(kept, chat429{chat, now})
	s.mu.Unlock()
	if len(chats) >= 3 && s.pauseAll(wait) {
		s.Log.Warn("Telegram is rate limiting every chat: pausing all sending", "for", wait)
	}
}
