package telegram_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/postgres/pgtest"
	"github.com/interviewbot/interviewbot/internal/telegram"
	"github.com/interviewbot/interviewbot/internal/telegram/fakeapi"
)

// TestPollerConfirmsOnlyStoredUpdates: while the inbox cannot be written,
// the poller never moves the getUpdates offset, so Telegram keeps the
// updates; once storing works, they are stored and then confirmed.
func TestPollerConfirmsOnlyStoredUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	api := fakeapi.New("1:T")
	defer api.Close()
	u := fakeapi.User{ID: 11, FirstName: "A", LanguageCode: "en"}
	for _, text := range []string{"one", "two", "three"} {
		api.SendText(u, text)
	}
	// Break the inbox: every insert fails until the table is back.
	if _, err := pool.Exec(ctx, `ALTER TABLE inbox RENAME TO inbox_away`); err != nil {
		t.Fatal(err)
	}
	poller := &telegram.Poller{
		BaseURL: api.URL(), Token: "1:T", Client: &http.Client{Timeout: 10 * time.Second},
		Inbox: postgres.NewInbox(pool),
		Lead: func(ctx context.Context) (telegram.Leader, error) {
			l, err := postgres.TryLead(ctx, pool, "poller test")
			if l == nil {
				return nil, err
			}
			return l, nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Wake: &telegram.Signal{}, Timeout: time.Second,
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { poller.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()

	wait, cancelWait := context.WithTimeout(ctx, 20*time.Second)
	defer cancelWait()
	// Two failed rounds: the updates were fetched twice and never confirmed.
	if err := api.Wait(wait, func(s *fakeapi.Server) bool { return len(s.Calls("getUpdates")) >= 2 }); err != nil {
		t.Fatal("the poller did not poll")
	}
	for _, c := range api.Calls("getUpdates") {
		if c.Params["offset"] != "0" {
			t.Errorf("offset %s sent while nothing was stored", c.Params["offset"])
		}
	}
	if n := api.Pending(); n != 3 {
		t.Errorf("%d updates pending at Telegram, want all 3 kept", n)
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE inbox_away RENAME TO inbox`); err != nil {
		t.Fatal(err)
	}
	if err := api.Wait(wait, func(s *fakeapi.Server) bool { return s.Pending() == 0 }); err != nil {
		t.Fatal("the updates were never confirmed")
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inbox`).Scan(&stored); err != nil || stored != 3 {
		t.Errorf("stored %d updates (%v), want 3", stored, err)
	}
}
