package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// Outbox delivers queued replies and actions.
type Outbox struct {
	pool *pgxpool.Pool
}

// NewOutbox returns the outbox in pool's database.
func NewOutbox(pool *pgxpool.Pool) *Outbox { return &Outbox{pool: pool} }

// EnqueueAction queues a platform action (such as answering a button press)
// for a chat, in the caller's transaction.
func (t *tx) EnqueueAction(ctx context.Context, platform, chatID, kind string, payload []byte) error {
	_, err := t.Exec(ctx, `INSERT INTO outbox (platform, chat_id, kind, payload) VALUES ($1, $2, $3, $4)`, platform, chatID, kind, payload)
	if err != nil {
		return fmt.Errorf("error inserting outbox action: %w", err)
	}
	return nil
}

// headSQL locks the first undelivered item of one chat that may be sent to
// now: due, not paused, and first in its chat's queue.
const headSQL = `
	SELECT o.id, o.chat_id, o.kind, o.payload::text, o.attempts FROM outbox o
	WHERE o.platform = $1 AND o.sent_at IS NULL AND o.parked_at IS NULL AND o.next_attempt_at <= now()
	  AND o.id = (SELECT min(h.id) FROM outbox h
	              WHERE h.platform = o.platform AND h.chat_id = o.chat_id AND h.sent_at IS NULL AND h.parked_at IS NULL)
	  AND NOT EXISTS (SELECT 1 FROM send_chats s
	                  WHERE s.platform = o.platform AND s.chat_id = o.chat_id AND s.next_send_at > now())
	ORDER BY o.id
	LIMIT 1
	FOR UPDATE OF o SKIP LOCKED`

// Deliver claims the next item that may be sent now, calls send with it and
// records the outcome, all in one transaction, so that an item is sent by
// one replica at a time and every chat's items leave in order. It reports
// whether there was an item.
func (o *Outbox) Deliver(ctx context.Context, platform string, send func(context.Context, interview.Outgoing) interview.Outcome) (bool, error) {
	found := false
	err := pgx.BeginFunc(ctx, o.pool, func(t pgx.Tx) error {
		m := interview.Outgoing{Platform: platform}
		var payload string
		err := t.QueryRow(ctx, headSQL, platform).Scan(&m.ID, &m.ChatID, &m.Kind, &payload, &m.Attempts)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("error claiming outbox item: %w", err)
		}
		found = true
		m.Payload = []byte(payload)
		return record(ctx, t, m, send(ctx, m))
	})
	return found, err
}

// record stores the outcome of one delivery attempt.
func record(ctx context.Context, t pgx.Tx, m interview.Outgoing, out interview.Outcome) error {
	if out.ChatPause > 0 {
		if _, err := t.Exec(ctx, `
			INSERT INTO send_chats (platform, chat_id, next_send_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 second')
			ON CONFLICT (platform, chat_id) DO UPDATE SET next_send_at = EXCLUDED.next_send_at`,
			m.Platform, m.ChatID, out.ChatPause.Seconds()); err != nil {
			return fmt.Errorf("error pausing chat: %w", err)
		}
	}
	var err error
	switch {
	case out.Sent:
		_, err = t.Exec(ctx, `UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = $1`, m.ID)
	case out.Blocked:
		if _, err = t.Exec(ctx, `UPDATE users SET blocked_at = now() WHERE platform = $1 AND external_id = $2`, m.Platform, m.ChatID); err == nil {
			_, err = t.Exec(ctx, `
				UPDATE outbox SET parked_at = now(), last_error = 'the user blocked the bot'
				WHERE platform = $1 AND chat_id = $2 AND sent_at IS NULL AND parked_at IS NULL`, m.Platform, m.ChatID)
		}
	case out.MovedTo != "":
		_, err = t.Exec(ctx, `
			UPDATE outbox SET chat_id = $3
			WHERE platform = $1 AND chat_id = $2 AND sent_at IS NULL AND parked_at IS NULL`, m.Platform, m.ChatID, out.MovedTo)
	case out.Park != "":
		_, err = t.Exec(ctx, `UPDATE outbox SET parked_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = $1`, m.ID, out.Park)
	default: // retry
		_, err = t.Exec(ctx, `
			UPDATE outbox SET attempts = attempts + 1, next_attempt_at = now() + $2 * interval '1 second',
				parked_at = CASE WHEN attempts + 1 >= $3 THEN now() END,
				last_error = CASE WHEN attempts + 1 >= $3 THEN 'gave up after retries' END
			WHERE id = $1`, m.ID, out.Retry.Seconds(), MaxAttempts*3)
	}
	if err != nil {
		return fmt.Errorf("error recording delivery of outbox item %d: %w", m.ID, err)
	}
	return nil
}

// Reserve pauses a chat for d from now, committed at once and outside any
// delivery transaction: called just before a send, it keeps the chat's rate
// limit even when the process dies after sending and before recording it.
func (o *Outbox) Reserve(ctx context.Context, platform, chatID string, d time.Duration) error {
	_, err := o.pool.Exec(ctx, `
		INSERT INTO send_chats (platform, chat_id, next_send_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 second')
		ON CONFLICT (platform, chat_id) DO UPDATE SET next_send_at = greatest(send_chats.next_send_at, EXCLUDED.next_send_at)`,
		platform, chatID, d.Seconds())
	if err != nil {
		return fmt.Errorf("error reserving a send to chat %s: %w", chatID, err)
	}
	return nil
}

// Stats counts the outbox's items of a platform by state.
func (o *Outbox) Stats(ctx context.Context, platform string) (pending, sent, parked int, err error) {
	err = o.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE sent_at IS NULL AND parked_at IS NULL),
		       count(*) FILTER (WHERE sent_at IS NOT NULL),
		       count(*) FILTER (WHERE parked_at IS NOT NULL)
		FROM outbox WHERE platform = $1`, platform).Scan(&pending, &sent, &parked)
	return
}
