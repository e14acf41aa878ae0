package postgres

import (
	"context"
	"fmt"
	"slices"
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
// now: due, not paused, and with no earlier unsent item in its chat — so at
// most one item per chat. Both checks are scalar subqueries, one index probe
// per row (see claimSQL: as NOT EXISTS, stale statistics under a burst made
// the planner scan all of send_chats for every row; attempts >= 0 keeps the
// chat check off the id-ordered index the walk uses).
const headSQL = `
	SELECT o.id, o.chat_id, o.kind, o.payload::text, o.attempts FROM outbox o
	WHERE o.platform = $1 AND o.sent_at IS NULL AND o.parked_at IS NULL AND o.attempts >= 0 AND o.next_attempt_at <= now()
	  AND (SELECT true FROM outbox h
	       WHERE h.platform = o.platform AND h.chat_id = o.chat_id AND h.id < o.id AND h.sent_at IS NULL AND h.parked_at IS NULL
	       LIMIT 1) IS NULL
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
// delivery attempts: the common ones (sent, chat paused, permit released)
// as one statement each for the whole batch, the rare ones item by item.
func recordAll(b *pgx.Batch, platform string, items []interview.Outgoing, outcomes []interview.Outcome) {
	var sent []int64
	pauses := map[string]float64{}
	var permits []int64
	var lastEnd time.Time
	for i, m := range items {
		out := outcomes[i]
		if out.Deferred {
			continue
		}
		if out.Permit != 0 && !slices.Contains(permits, out.Permit) {
			permits = append(permits, out.Permit)
		}
		if out.Ended.After(lastEnd) {
			lastEnd = out.Ended
		}
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
	if len(permits) > 0 {
		// The batch's permit counts until a second after its last call
		// ended; this statement runs ago or more after that. Without calls
		// (Ended zero) it stops counting now.
		ago := time.Since(lastEnd).Seconds()
		b.Queue(`UPDATE send_permits SET until = clock_timestamp() + (1 - least($2::float8, 1)) * interval '1 second' WHERE id = ANY($1)`, permits, ago)
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

// reserveSQL grants, in order, the sends that fit into the platform's
// global limit beside the calls of the last second and those under way,
// records one permit for them and pauses their chats. It returns how many it
// granted, the permit and, when not all were granted, how long until a call
// of the last second stops counting (NULL: only calls under way count). It
// runs under the platform's advisory lock, in a statement of its own so that
// its snapshot includes every permit committed before the lock.
const reserveSQL = `
	WITH live AS (
		SELECT coalesce(sum(calls), 0) AS n,
			min(until) FILTER (WHERE until <= clock_timestamp() + interval '1 second') AS first_free
		FROM send_permits WHERE platform = $1 AND until > clock_timestamp()
	), granted AS (
		SELECT x.chat, x.pause
		FROM unnest($3::text[], $4::float8[]) WITH ORDINALITY AS x(chat, pause, n), live
		WHERE x.n <= $2 - live.n
	), permit AS (
		INSERT INTO send_permits (platform, calls, until)
		SELECT $1, count(*), clock_timestamp() + $5 * interval '1 second'
		FROM granted HAVING count(*) > 0
		RETURNING id
	), paused AS (
		INSERT INTO send_chats (platform, chat_id, next_send_at)
		SELECT $1, chat, clock_timestamp() + pause * interval '1 second' FROM granted WHERE pause > 0
		ON CONFLICT (platform, chat_id) DO UPDATE SET next_send_at = greatest(send_chats.next_send_at, EXCLUDED.next_send_at)
	)
	SELECT (SELECT count(*) FROM granted), coalesce((SELECT id FROM permit), 0),
		extract(epoch FROM (SELECT first_free FROM live) - clock_timestamp())`

// Reserve grants the first of sends that fit into the platform's global
// limit of limit calls in any one second, shared by every replica, and
// pauses the chats of those granted, each for its pause from now. It commits
// at once, outside any delivery transaction, so that the permit and pauses
// hold even when the process dies after sending and before recording. The
// granted calls must end within lease; the delivery that records their
// outcomes (each naming the permit) releases the permit to count until a
// second after the last of them ended. The permit and pauses only have to
// outlive the process, not the database, so they commit asynchronously.
func (o *Outbox) Reserve(ctx context.Context, platform string, limit int, lease time.Duration, sends []interview.Send) (interview.Grant, error) {
	var g interview.Grant
	if len(sends) == 0 {
		return g, nil
	}
	chats, pauses := make([]string, len(sends)), make([]float64, len(sends))
	for i, s := range sends {
		chats[i], pauses[i] = s.ChatID, s.Pause.Seconds()
	}
	// One round trip: the transaction's statements are sent together. The
	// lock is a statement of its own, so the count after it sees every
	// permit committed before.
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SET LOCAL synchronous_commit = off`)
	b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended('send_permits/' || $1 || '/' || current_schema(), 0))`, platform)
	var free *float64
	b.Queue(reserveSQL, platform, limit, chats, pauses, lease.Seconds()).QueryRow(func(r pgx.Row) error {
		return r.Scan(&g.Sends, &g.Permit, &free)
	})
	b.Queue(`DELETE FROM send_permits WHERE platform = $1 AND until <= clock_timestamp()`, platform)
	b.Queue(`COMMIT`)
	if err := o.pool.SendBatch(ctx, b).Close(); err != nil {
		return interview.Grant{}, fmt.Errorf("error reserving sends: %w", err)
	}
	// Until a call of the last second stops counting, or a short poll while
	// only calls under way do.
	g.Wait = 50 * time.Millisecond
	if free != nil {
		g.Wait = max(time.Duration(*free*float64(time.Second)), time.Millisecond)
	}
	return g, nil
}
