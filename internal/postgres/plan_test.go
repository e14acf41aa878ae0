package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/postgres/pgtest"
)

// TestClaimsStayIndexScansUnderABurst reproduces what made claims
// quadratic under a burst: a connection plans a claim while the queues are
// empty (and analysed so), caches that plan, and keeps using it when
// thousands of rows are pending. Begun as claim transactions begin, the
// cached plans must not read a table sequentially, nor walk the pending
// rows for each row's chat check.
func TestClaimsStayIndexScansUnderABurst(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	plans := cachedClaimPlans(t, pool, postgres.BeginClaim)
	if strings.Contains(plans, "Seq Scan") {
		t.Errorf("a claim reads a table sequentially:\n%s", plans)
	}
	// Each row's probe for an earlier pending row of its chat must be one
	// step in the per-chat index, not a walk of the id-ordered one.
	for _, probe := range []string{"inbox_chat_pending on inbox e", "outbox_pending on outbox h"} {
		if !strings.Contains(plans, probe) {
			t.Errorf("a claim's per-chat probe does not use %s:\n%s", probe, plans)
		}
	}
}

// cachedClaimPlans plans both claims on one connection while the queues are
// empty, fills them, and returns the plans the connection then uses.
func cachedClaimPlans(t *testing.T, pool *pgxpool.Pool, begin string) string {
	t.Helper()
	ctx := context.Background()
	for _, table := range []string{"inbox", "outbox", "send_chats"} {
		if _, err := pool.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	claims := map[string]string{"inbox_claim": "(8)", "outbox_claim": "('telegram', 64)"}
	for _, sql := range []string{
		"SET plan_cache_mode = force_generic_plan", // plan once, as a prepared statement does after five runs
		"PREPARE inbox_claim AS " + postgres.ClaimSQL,
		"PREPARE outbox_claim AS " + postgres.HeadSQL,
	} {
		if _, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatal(err)
		}
	}
	run := func(sql string) (out []string) {
		err := pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{BeginQuery: begin}, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
			if err != nil {
				return err
			}
			out, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for name, args := range claims {
		run("EXECUTE " + name + args) // planned and cached while empty
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO inbox (update_id, chat_key, payload)
		SELECT g, (10000000 + g)::text, '{"update_id": 1}' FROM generate_series(1, 3000) g;
		INSERT INTO outbox (platform, chat_id, kind, payload)
		SELECT 'telegram', (10000000 + g)::text, 'message', '{"text": "hi"}' FROM generate_series(1, 3000) g`); err != nil {
		t.Fatal(err)
	}
	var plans []string
	for name, args := range claims {
		plans = append(plans, run("EXPLAIN EXECUTE "+name+args)...)
	}
	return strings.Join(plans, "\n")
}
