// Package pgtest gives each test its own empty PostgreSQL schema in a shared
// test database, dropped when the test ends.
//
// The server is TEST_DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/interviewbot_test?sslmode=disable; the
// database is created when missing.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot"
	"github.com/interviewbot/interviewbot/internal/postgres"
)

// DefaultURL is the test database used when TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/interviewbot_test?sslmode=disable"

var (
	adminOnce sync.Once
	admin     *pgxpool.Pool
	adminErr  error
)

func baseURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// URL creates a fresh schema and returns a database URL whose connections use
// it as their search_path.
func URL(t testing.TB) string {
	t.Helper()
	adminOnce.Do(func() { admin, adminErr = postgres.Open(context.Background(), baseURL()) })
	if adminErr != nil {
		t.Fatalf("test database: %v", adminErr)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := postgres.WithSchema(baseURL(), schema)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	return u
}

// Pool returns a pool on a fresh, migrated schema, closed when the test ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.Migrate(ctx, pool, interviewbot.Migrations()); err != nil {
		t.Fatal(err)
	}
	return pool
}
