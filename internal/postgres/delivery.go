package postgres

import (
	"context"
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
func (t *tx) EnqueueAction(_ context.Context, platform, chatID, kind string, payload []byte) error {
	t.queued = append(t.queued, queued{platform: platform, chatID: chatID, kind: kind, payload: payload})
	return nil
}

// headSQL locks the first undelivered item of chats that may be sent to
// now: due, not paused, and first in its chat's queue — so at most one item
// per chat. Both checks are scalar subqueries, one index probe per row: as
// NOT EXISTS, stale statistics under a burst made the planner scan all of
// send_chats for every row.
const headSQL = `
	SELECT o.id, o.chat_id, o.kind, o.payload::text, o.attempts FROM outbox o
	WHERE o.platform = $1 AND o.sent_at IS NULL AND o.parked_at IS NULL AND o.next_attempt_at <= now()
	  AND o.id = (SELECT min(h.id) FROM outbox h
	              WHERE h.platform = o.platform AND h.chat_id = o.chat_id AND h.sent_at IS NULL AND h.parked_at IS NULL)
	  AND coalesce((SELECT s.next_send_at FROM send_chats s WHERE s.platform = o.platform AND s.chat_id = o.chat_id), '-infinity') <= now()
	ORDER BY o.id
	LIMIT $2
	FOR UPDATE OF o SKIP LOCKED`

// Deliver claims up to batch items that may be sent now, each the next of
// its chat, calls send with them and records the outcomes, all in one
// transaction: an item is sent by one replica at a time and every chat's
// items leave in order. send returns one outcome per item. Deliver returns
// how many items it claimed.
func (o *Outbox) Deliver(ctx context.Context, platform string, batch int, send func(context.Context, []interview.Outgoing) []interview.Outcome) (int, error) {
	claimed := 0
	// Delivery bookkeeping may commit asynchronously: losing the last few
	// "sent" marks in a database crash means sending those again, the same
	// window a process crash already has. What users typed is never
	// committed this way.
	opts := pgx.TxOptions{BeginQuery: beginClaim + "; SET LOCAL synchronous_commit = off"}
	err := pgx.BeginTxFunc(ctx, o.pool, opts, func(t pgx.Tx) error {
		rows, err := t.Query(ctx, headSQL, platform, max(batch, 1))
		if err != nil {
			return fmt.Errorf("error claiming outbox items: %w", err)
		}
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (interview.Outgoing, error) {
			m := interview.Outgoing{Platform: platform}
			var payload string
			err := r.Scan(&m.ID, &m.ChatID, &m.Kind, &payload, &m.Attempts)
			m.Payload = []byte(payload)
			return m, err
		})
		if err != nil {
			return fmt.Errorf("error claiming outbox items: %w", err)
		}
		claimed = len(items)
		if claimed == 0 {
			return nil
		}
		outcomes := send(ctx, items)
		b := &pgx.Batch{}
		recordAll(b, platform, items, outcomes)
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("error recording deliveries: %w", err)
		}
		return nil
	})
	return claimed, err
}

// recordAll queues the statements that store the outcomes of a batch of
// delivery attempts: the common ones (sent, chat paused) as one statement
// each for the whole batch, the rare ones item by item.
func recordAll(b *pgx.Batch, platform string, items []interview.Outgoing, outcomes []interview.Outcome) {
	var sent []int64
	pauses := map[string]float64{}
	for i, m := range items {
		out := outcomes[i]
		if p := out.ChatPause.Seconds(); p > 0 {
			pauses[m.ChatID] = max(pauses[m.ChatID], p)
		}
		if out.Sent {
			sent = append(sent, m.ID)
			continue
		}
		record(b, m, out)
	}
	if len(pauses) > 0 {
		chats, secs := make([]string, 0, len(pauses)), make([]float64, 0, len(pauses))
		for c, p := range pauses {
			chats, secs = append(chats, c), append(secs, p)
		}
		b.Queue(`
			INSERT INTO send_chats (platform, chat_id, next_send_at)
			SELECT $1, c, clock_timestamp() + p * interval '1 second' FROM unnest($2::text[], $3::float8[]) AS x(c, p)
			ON CONFLICT (platform, chat_id) DO UPDATE SET next_send_at = greatest(send_chats.next_send_at, EXCLUDED.next_send_at)`,
			platform, chats, secs)
	}
	if len(sent) > 0 {
		b.Queue(`UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY($1)`, sent)
	}
}

// record queues the statements that store the outcome of one delivery
// attempt that did not deliver.
func record(b *pgx.Batch, m interview.Outgoing, out interview.Outcome) {
	switch {
	case out.Blocked:
		b.Queue(`UPDATE users SET blocked_at = now() WHERE platform = $1 AND external_id = $2`, m.Platform, m.ChatID)
		// A daily question that never arrived waits for no answer.
		b.Queue(`
			UPDATE daily_deliveries SET closed_at = now()
			WHERE user_id = (SELECT id FROM users WHERE platform = $1 AND external_id = $2) AND answered_at IS NULL AND closed_at IS NULL`,
			m.Platform, m.ChatID)
		b.Queue(`
			UPDATE outbox SET parked_at = now(), last_error = 'the user blocked the bot'
			WHERE platform = $1 AND chat_id = $2 AND sent_at IS NULL AND parked_at IS NULL`, m.Platform, m.ChatID)
	case out.MovedTo != "":
		b.Queue(`
			UPDATE outbox SET chat_id = $3
			WHERE platform = $1 AND chat_id = $2 AND sent_at IS NULL AND parked_at IS NULL`, m.Platform, m.ChatID, out.MovedTo)
	case out.Park != "":
		b.Queue(`UPDATE outbox SET parked_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = $1`, m.ID, out.Park)
	default: // retry
		b.Queue(`
			UPDATE outbox SET attempts = attempts + 1, next_attempt_at = now() + $2 * interval '1 second',
				parked_at = CASE WHEN attempts + 1 >= $3 THEN now() END,
				last_error = CASE WHEN attempts + 1 >= $3 THEN 'gave up after retries' END
			WHERE id = $1`, m.ID, out.Retry.Seconds(), MaxAttempts*3)
	}
}

// Reserve pauses chats, each for its duration from now, committed at once
// and outside any delivery transaction: called just before sending, it keeps
// each chat's rate limit even when the process dies after sending and
// before recording it. A reservation only has to outlive the process, not
// the database, so it commits asynchronously.
func (o *Outbox) Reserve(ctx context.Context, platform string, chats []string, pauses []time.Duration) error {
	if len(chats) == 0 {
		return nil
	}
	secs := make([]float64, len(pauses))
	for i, d := range pauses {
		secs[i] = d.Seconds()
	}
	opts := pgx.TxOptions{BeginQuery: "BEGIN; SET LOCAL synchronous_commit = off"}
	return pgx.BeginTxFunc(ctx, o.pool, opts, func(t pgx.Tx) error {
		_, err := t.Exec(ctx, `
			INSERT INTO send_chats (platform, chat_id, next_send_at)
			SELECT $1, c, clock_timestamp() + p * interval '1 second' FROM unnest($2::text[], $3::float8[]) AS x(c, p)
			ON CONFLICT (platform, chat_id) DO UPDATE SET next_send_at = greatest(send_chats.next_send_at, EXCLUDED.next_send_at)`,
			platform, chats, secs)
		if err != nil {
			return fmt.Errorf("error reserving sends: %w", err)
		}
		return nil
	})
}
