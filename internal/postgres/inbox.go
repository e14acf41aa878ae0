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

// MaxAttempts is how often an update or a message is tried before it is parked.
const MaxAttempts = 6

// Inbox is the durable queue of received platform updates.
type Inbox struct {
	pool *pgxpool.Pool
}

// NewInbox returns the inbox in pool's database.
func NewInbox(pool *pgxpool.Pool) *Inbox { return &Inbox{pool: pool} }

// Add stores updates in one statement; updates already stored are ignored.
func (in *Inbox) Add(ctx context.Context, updates []interview.Incoming) error {
	if len(updates) == 0 {
		return nil
	}
	ids := make([]int64, len(updates))
	keys := make([]string, len(updates))
	raws := make([]string, len(updates))
	for i, u := range updates {
		ids[i], keys[i], raws[i] = u.ID, u.ChatKey, string(u.Raw)
	}
	_, err := in.pool.Exec(ctx, `
		INSERT INTO inbox (update_id, chat_key, payload)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::jsonb[])
		ON CONFLICT (update_id) DO NOTHING`, ids, keys, raws)
	if err != nil {
		return fmt.Errorf("error storing updates: %w", err)
	}
	return nil
}

// beginClaim begins a transaction that claims queue rows. Queue tables
// change faster than their statistics, and a connection keeps the plan of a
// prepared claim: planned while the queue was empty (or analysed as empty),
// the claim reads the whole table for every row it checks once thousands
// are pending. Without sequential scans every plan is a walk of the pending
// index in order with one index probe per row, whatever the statistics
// said when it was made (TestClaimsStayIndexScansUnderABurst). Sent in the
// same round trip as BEGIN.
const beginClaim = "BEGIN; SET LOCAL enable_seqscan = off"

// claimSQL picks the oldest due updates that are the first pending update
// of their chat — so at most one per chat — and locks them; other workers
// skip them. The per-chat check (is there an earlier pending update in the
// chat?) is a scalar subquery, not NOT EXISTS: the planner cannot turn it
// into a join (as an anti-join it became a scan of every pending row per row
// under a burst). It can only be served by the per-chat index, one step per
// row, because the id-ordered index the walk uses also requires
// attempts >= 0, which the check does not state (migration 008: with stale
// statistics the planner had costed a walk of that index the same).
const claimSQL = `
	SELECT update_id, chat_key, payload::text, attempts FROM inbox i
	WHERE done_at IS NULL AND parked_at IS NULL AND attempts >= 0 AND next_attempt_at <= now()
	  AND (chat_key = '' OR (
		SELECT true FROM inbox e
		WHERE e.chat_key = i.chat_key AND e.update_id < i.update_id AND e.done_at IS NULL AND e.parked_at IS NULL
		LIMIT 1) IS NULL)
	ORDER BY update_id
	LIMIT $1
	FOR UPDATE SKIP LOCKED`

// Process claims up to batch updates that may be handled now (each the next
// of its chat) and calls fn with each inside one transaction, which also
// marks them done: one commit for the whole batch. If fn fails for any of
// them, the batch is rolled back and its updates are handled again one per
// transaction, so that only the failing one fails: its failure is recorded,
// it is retried with backoff and, after MaxAttempts, parked with its error.
// Process returns how many updates it claimed.
func (in *Inbox) Process(ctx context.Context, batch int, fn func(ctx context.Context, tx interview.Tx, u interview.Incoming) error) (int, error) {
	claimed, err := in.process(ctx, max(batch, 1), fn)
	if claimed <= 1 || err == nil || ctx.Err() != nil {
		return claimed, err
	}
	// A batch failed: go one by one.
	var errs []error
	for range claimed {
		n, err := in.process(ctx, 1, fn)
		if n == 0 {
			break
		}
		errs = append(errs, err)
	}
	return claimed, errors.Join(errs...)
}

// process handles up to batch updates in one transaction; with batch 1 a
// failure is recorded in a transaction of its own.
func (in *Inbox) process(ctx context.Context, batch int, fn func(ctx context.Context, tx interview.Tx, u interview.Incoming) error) (int, error) {
	type claim struct {
		u        interview.Incoming
		attempts int
	}
	var claims []claim
	var failed *claim
	err := pgx.BeginTxFunc(ctx, in.pool, pgx.TxOptions{BeginQuery: beginClaim}, func(t pgx.Tx) error {
		rows, err := t.Query(ctx, claimSQL, batch)
		if err != nil {
			return fmt.Errorf("error claiming updates: %w", err)
		}
		claims, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (claim, error) {
			var c claim
			var raw string
			err := r.Scan(&c.u.ID, &c.u.ChatKey, &raw, &c.attempts)
			c.u.Raw = []byte(raw)
			return c, err
		})
		if err != nil {
			return fmt.Errorf("error claiming updates: %w", err)
		}
		ids := make([]int64, len(claims))
		x := &tx{Tx: t}
		for i, c := range claims {
			if err := fn(ctx, x, c.u); err != nil {
				failed = &claims[i]
				return fmt.Errorf("update %d failed (attempt %d): %w", c.u.ID, c.attempts+1, err)
			}
			ids[i] = c.u.ID
		}
		if len(ids) == 0 {
			return nil
		}
		// The replies and the done marks in one round trip.
		b := &pgx.Batch{}
		x.queueFlush(b)
		b.Queue(`UPDATE inbox SET done_at = now(), attempts = attempts + 1 WHERE update_id = ANY($1)`, ids)
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("error storing replies and marking updates done: %w", err)
		}
		return nil
	})
	if err == nil || failed == nil || len(claims) > 1 || ctx.Err() != nil {
		return len(claims), err
	}
	_, recErr := in.pool.Exec(ctx, `
		UPDATE inbox SET attempts = attempts + 1, last_error = $2,
			next_attempt_at = now() + $3 * interval '1 second',
			parked_at = CASE WHEN attempts + 1 >= $4 THEN now() END
		WHERE update_id = $1`, failed.u.ID, err.Error(), backoff(failed.attempts+1).Seconds(), MaxAttempts)
	if recErr != nil {
		return 1, fmt.Errorf("error recording failure (%v): %w", err, recErr)
	}
	return 1, err
}

// backoff is the wait before attempt n+1: 1 s, 2 s, 4 s, … up to 5 min.
func backoff(n int) time.Duration {
	d := time.Second << min(n-1, 9)
	return min(d, 5*time.Minute)
}

// Stats counts the inbox's updates by state, for tests and operators.
func (in *Inbox) Stats(ctx context.Context) (pending, done, parked int, err error) {
	err = in.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE done_at IS NULL AND parked_at IS NULL),
		       count(*) FILTER (WHERE done_at IS NOT NULL),
		       count(*) FILTER (WHERE parked_at IS NOT NULL)
		FROM inbox`).Scan(&pending, &done, &parked)
	return
}

// Leader holds a PostgreSQL advisory lock on a connection of its own; the
// lock goes away with the connection, so another replica takes over when
// this one dies.
type Leader struct {
	conn *pgxpool.Conn
	key  int64
}

// TryLead tries to take the advisory lock named name in the current schema
// (advisory locks are database-wide; the schema keeps bots that share a
// database apart). It returns nil when another session holds it.
func TryLead(ctx context.Context, pool *pgxpool.Pool, name string) (*Leader, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("error acquiring connection for leader lock: %w", err)
	}
	var ok bool
	var key int64
	if err := conn.QueryRow(ctx, `SELECT k, pg_try_advisory_lock(k) FROM (SELECT hashtextextended($1 || '/' || current_schema(), 0) AS k) x`, name).Scan(&key, &ok); err != nil || !ok {
		conn.Release()
		if err != nil {
			return nil, fmt.Errorf("error taking leader lock: %w", err)
		}
		return nil, nil
	}
	return &Leader{conn: conn, key: key}, nil
}

// Alive checks that the lock's connection still works.
func (l *Leader) Alive(ctx context.Context) error {
	if _, err := l.conn.Exec(ctx, `SELECT 1`); err != nil {
		return fmt.Errorf("leader connection lost: %w", err)
	}
	return nil
}

// Release gives the lock up.
func (l *Leader) Release() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, l.key); err != nil {
		l.conn.Conn().Close(ctx) // closing the session releases the lock
	}
	l.conn.Release()
}
