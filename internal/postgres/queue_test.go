package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/interview"
	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/postgres/pgtest"
)

func update(id int64, chat string) interview.Incoming {
	return interview.Incoming{ID: id, ChatKey: chat, Raw: []byte(fmt.Sprintf(`{"update_id": %d}`, id))}
}

func TestInboxAddIsIdempotent(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	in := postgres.NewInbox(pool)
	ctx := context.Background()
	for range 2 {
		if err := in.Add(ctx, []interview.Incoming{update(1, "a"), update(2, "a")}); err != nil {
			t.Fatal(err)
		}
	}
	if pending, _, _, err := in.Stats(ctx); err != nil || pending != 2 {
		t.Errorf("pending = %d, %v; want 2", pending, err)
	}
}

// TestInboxOrderPerChat: concurrent workers never handle two updates of one
// chat at the same time, and each chat's updates are handled in order.
func TestInboxOrderPerChat(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	in := postgres.NewInbox(pool)
	ctx := context.Background()
	var batch []interview.Incoming
	for i := range 60 {
		batch = append(batch, update(int64(i+1), fmt.Sprint("chat", i%5)))
	}
	if err := in.Add(ctx, batch); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string][]int64{}
	busy := map[string]bool{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := in.Process(ctx, 3, func(ctx context.Context, _ interview.Tx, u interview.Incoming) error {
					mu.Lock()
					if busy[u.ChatKey] {
						t.Errorf("two updates of %s at once", u.ChatKey)
					}
					busy[u.ChatKey] = true
					seen[u.ChatKey] = append(seen[u.ChatKey], u.ID)
					mu.Unlock()
					time.Sleep(time.Millisecond) // hold the chat a moment
					mu.Lock()
					busy[u.ChatKey] = false
					mu.Unlock()
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	for chat, ids := range seen {
		if !slices.IsSorted(ids) || len(ids) != 12 {
			t.Errorf("%s handled %v", chat, ids)
		}
	}
}

// TestInboxRetriesThenParks: a failing update is rolled back, retried with
// growing backoff, keeps its chat's later updates waiting, and is parked with
// its error after MaxAttempts; then the chat goes on.
func TestInboxRetriesThenParks(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	in := postgres.NewInbox(pool)
	ctx := context.Background()
	if err := in.Add(ctx, []interview.Incoming{update(1, "a"), update(2, "a"), update(3, "b")}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	var handled []int64
	fn := func(ctx context.Context, tx interview.Tx, u interview.Incoming) error {
		if u.ID == 1 {
			// Work done before the failure must be rolled back.
			if err := tx.Enqueue(ctx, interview.Reply{Platform: "test", ChatID: "a", Text: "lost"}); err != nil {
				return err
			}
			return boom
		}
		handled = append(handled, u.ID)
		return nil
	}
	var lastDelay time.Duration
	for attempt := 1; attempt <= postgres.MaxAttempts; attempt++ {
		if _, err := in.Process(ctx, 8, fn); !errors.Is(err, boom) {
			t.Fatalf("attempt %d: err = %v, want boom", attempt, err)
		}
		var delay time.Duration
		var parked bool
		var lastErr string
		if err := pool.QueryRow(ctx, `SELECT extract(epoch FROM next_attempt_at - now())::float8 * interval '1 second', parked_at IS NOT NULL, last_error FROM inbox WHERE update_id = 1`).Scan(&delay, &parked, &lastErr); err != nil {
			t.Fatal(err)
		}
		if parked != (attempt == postgres.MaxAttempts) || lastErr == "" {
			t.Fatalf("attempt %d: parked %v, error %q", attempt, parked, lastErr)
		}
		if attempt > 1 && !parked && delay <= lastDelay {
			t.Errorf("attempt %d: backoff %v not longer than %v", attempt, delay, lastDelay)
		}
		lastDelay = delay
		if !slices.Equal(handled, []int64{3}) {
			t.Fatalf("attempt %d: handled %v; update 2 must wait for update 1", attempt, handled)
		}
		// Make the retry due now.
		if _, err := pool.Exec(ctx, `UPDATE inbox SET next_attempt_at = now() WHERE update_id = 1`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := in.Process(ctx, 8, fn); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(handled, []int64{3, 2}) {
		t.Errorf("after parking: handled %v, want 3 then 2", handled)
	}
	var n int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&n)
	if n != 0 {
		t.Errorf("%d outbox rows from failed attempts", n)
	}
}

// TestOutboxDeliverOutcomes: items leave in order per chat, one per chat at
// a time, and each outcome is recorded.
func TestOutboxDeliverOutcomes(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	out := postgres.NewOutbox(pool)
	store := postgres.NewStore(pool)
	ctx := context.Background()
	// A user who will turn out to have blocked the bot.
	if err := store.InTx(ctx, func(tx interview.Tx) error {
		_, err := tx.User(ctx, "telegram", "300", "en")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []string{"100", "100", "200", "300", "300", "400", "500"} {
		if _, err := pool.Exec(ctx, `INSERT INTO outbox (platform, chat_id, kind, payload) VALUES ('telegram', $1, 'message', '{}')`, chat); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	n, err := out.Deliver(ctx, "telegram", 10, func(_ context.Context, items []interview.Outgoing) []interview.Outcome {
		outcomes := make([]interview.Outcome, len(items))
		for i, m := range items {
			got = append(got, m.ChatID)
			switch m.ChatID {
			case "100":
				outcomes[i] = interview.Outcome{Sent: true, ChatPause: time.Hour}
			case "200":
				outcomes[i] = interview.Outcome{Retry: time.Hour}
			case "300":
				outcomes[i] = interview.Outcome{Blocked: true}
			case "400":
				outcomes[i] = interview.Outcome{MovedTo: "401"}
			case "500":
				outcomes[i] = interview.Outcome{Park: "Bad Request: chat not found"}
			}
		}
		return outcomes
	})
	if err != nil || n != 5 {
		t.Fatalf("Deliver = %d, %v; want 5 items, one per chat", n, err)
	}
	if !slices.Equal(got, []string{"100", "200", "300", "400", "500"}) {
		t.Errorf("claimed chats %v", got)
	}
	check := func(sql string, want int) {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d, %v; want %d", sql, n, err, want)
		}
	}
	check(`SELECT count(*) FROM outbox WHERE chat_id = '100' AND sent_at IS NOT NULL`, 1)
	check(`SELECT count(*) FROM send_chats WHERE chat_id = '100' AND next_send_at > now() + interval '50 minutes'`, 1)
	check(`SELECT count(*) FROM outbox WHERE chat_id = '200' AND attempts = 1 AND next_attempt_at > now() + interval '50 minutes'`, 1)
	check(`SELECT count(*) FROM outbox WHERE chat_id = '300' AND parked_at IS NOT NULL`, 2)
	check(`SELECT count(*) FROM users WHERE external_id = '300' AND blocked_at IS NOT NULL`, 1)
	check(`SELECT count(*) FROM outbox WHERE chat_id = '401' AND sent_at IS NULL`, 1)
	check(`SELECT count(*) FROM outbox WHERE chat_id = '500' AND parked_at IS NOT NULL AND last_error LIKE 'Bad Request%'`, 1)

	// Next round: chat 100 is paused, 200 waits for its retry, 300 is
	// parked; only the moved item is due.
	got = nil
	_, err = out.Deliver(ctx, "telegram", 10, func(_ context.Context, items []interview.Outgoing) []interview.Outcome {
		for _, m := range items {
			got = append(got, m.ChatID)
		}
		return make([]interview.Outcome, len(items)) // zero outcomes: retry
	})
	if err != nil || !slices.Equal(got, []string{"401"}) {
		t.Errorf("second round claimed %v (%v), want only 401", got, err)
	}
}

// sends returns sends to chats id, id+1, ….
func sends(id int64, n int, pause time.Duration) []interview.Send {
	var s []interview.Send
	for i := range n {
		s = append(s, interview.Send{ChatID: fmt.Sprint(id + int64(i)), Pause: pause})
	}
	return s
}

// TestReserve: a reservation made outside the delivery transaction survives
// its rollback, and never shortens a longer pause.
func TestReserve(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	out := postgres.NewOutbox(pool)
	ctx := context.Background()
	reserve := func(s ...interview.Send) {
		t.Helper()
		if g, err := out.Reserve(ctx, "telegram", 100, time.Second, s); err != nil || g.Sends != len(s) || g.Permit == 0 {
			t.Fatalf("Reserve = %+v, %v; want all %d", g, err, len(s))
		}
	}
	reserve(interview.Send{ChatID: "1", Pause: time.Hour}, interview.Send{ChatID: "2", Pause: time.Second})
	reserve(interview.Send{ChatID: "1", Pause: time.Second})
	var long int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM send_chats WHERE chat_id = '1' AND next_send_at > now() + interval '50 minutes'`).Scan(&long)
	if long != 1 {
		t.Error("a shorter reservation shortened a longer pause")
	}
}

// TestSendPermitsAreShared: replicas reserving at once never get more than
// the limit between them; a permit counts while its call is under way and
// until a second after it ended, and a dead replica's permits expire with
// their lease.
func TestSendPermitsAreShared(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	const limit = 10

	// Twenty replicas (each its own Outbox) ask for one place each at once,
	// with a lease that outlasts all their requests even on a busy machine.
	const lease = 1500 * time.Millisecond
	var granted atomic.Int64
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := postgres.NewOutbox(pool).Reserve(ctx, "telegram", limit, lease, sends(int64(100+i), 1, 0))
			if err != nil {
				t.Error(err)
			}
			granted.Add(int64(g.Sends))
		}()
	}
	wg.Wait()
	if granted.Load() != limit {
		t.Fatalf("%d places granted at once, limit %d", granted.Load(), limit)
	}
	// Nobody released them (the replicas "died"): full until the lease ends.
	out := postgres.NewOutbox(pool)
	if g, err := out.Reserve(ctx, "telegram", limit, time.Second, sends(200, 1, 0)); err != nil || g.Sends != 0 || g.Permit != 0 || g.Wait <= 0 || g.Wait > lease {
		t.Fatalf("Reserve while full = %+v, %v; want none and a wait within the leases", g, err)
	}
	time.Sleep(lease + 50*time.Millisecond)

	// The leases have ended. A delivery's calls, recorded as ended now,
	// count for a second more; the places left go to others.
	for i := range 7 {
		if _, err := pool.Exec(ctx, `INSERT INTO outbox (platform, chat_id, kind, payload) VALUES ('telegram', $1, 'message', '{}')`, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	var ended time.Time
	n, err := out.Deliver(ctx, "telegram", 7, func(ctx context.Context, items []interview.Outgoing) []interview.Outcome {
		var s []interview.Send
		for _, m := range items {
			s = append(s, interview.Send{ChatID: m.ChatID})
		}
		g, err := out.Reserve(ctx, "telegram", limit, time.Minute, s)
		if err != nil || g.Sends != 7 {
			t.Errorf("Reserve after the leases ended = %+v, %v; want 7", g, err)
		}
		ended = time.Now()
		outcomes := make([]interview.Outcome, len(items))
		for i := range outcomes {
			outcomes[i] = interview.Outcome{Sent: true, Ended: ended, Permit: g.Permit}
		}
		return outcomes
	})
	if err != nil || n != 7 {
		t.Fatalf("Deliver = %d, %v", n, err)
	}
	g, err := out.Reserve(ctx, "telegram", limit, time.Minute, sends(300, 5, 0))
	if err != nil || g.Sends != 3 {
		t.Fatalf("Reserve beside 7 ended calls = %+v, %v; want 3", g, err)
	}
	// The database computed the wait a moment before this test's clock reads.
	if left := time.Until(ended.Add(time.Second)); g.Wait < left-20*time.Millisecond || g.Wait > left+300*time.Millisecond {
		t.Errorf("wait = %v; want about %v, when the first call stops counting", g.Wait, left)
	}
	time.Sleep(time.Until(ended.Add(time.Second + 20*time.Millisecond)))
	if g, err := out.Reserve(ctx, "telegram", limit, time.Second, sends(400, 10, 0)); err != nil || g.Sends != 7 {
		t.Errorf("Reserve a second after the calls ended = %+v, %v; want the 7 places the ended calls held", g, err)
	}
	var rows int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM send_permits WHERE until <= clock_timestamp()`).Scan(&rows)
	if rows > 7 {
		t.Errorf("%d expired permits kept", rows)
	}
}

// TestLeaderLock: one holder at a time; the lock frees when released.
func TestLeaderLock(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	a, err := postgres.TryLead(ctx, pool, "poll 1")
	if err != nil || a == nil {
		t.Fatalf("first TryLead = %v, %v", a, err)
	}
	if b, err := postgres.TryLead(ctx, pool, "poll 1"); err != nil || b != nil {
		t.Fatalf("second TryLead while held = %v, %v", b, err)
	}
	if c, err := postgres.TryLead(ctx, pool, "poll 2"); err != nil || c == nil {
		t.Fatalf("another bot's lock = %v, %v", c, err)
	} else {
		c.Release()
	}
	a.Release()
	b, err := postgres.TryLead(ctx, pool, "poll 1")
	if err != nil || b == nil {
		t.Fatalf("TryLead after release = %v, %v", b, err)
	}
	b.Release()
}

// TestPermitOfADeadDeliveryKeepsCounting: when a delivery dies with its
// call under way, another replica sending the same item again and recording
// it does not end the dead delivery's permit early.
func TestPermitOfADeadDeliveryKeepsCounting(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	out := postgres.NewOutbox(pool)
	ctx := context.Background()
	const limit = 3
	if _, err := pool.Exec(ctx, `INSERT INTO outbox (platform, chat_id, kind, payload) VALUES ('telegram', '1', 'message', '{}')`); err != nil {
		t.Fatal(err)
	}
	// One replica reserved and is calling; its delivery transaction then
	// died and recorded nothing.
	if g, err := out.Reserve(ctx, "telegram", limit, time.Minute, sends(1, 1, 0)); err != nil || g.Sends != 1 {
		t.Fatalf("first Reserve = %+v, %v", g, err)
	}
	// Another claims the same item (same attempt), sends it and records it.
	_, err := out.Deliver(ctx, "telegram", 1, func(ctx context.Context, items []interview.Outgoing) []interview.Outcome {
		g, err := out.Reserve(ctx, "telegram", limit, time.Minute, sends(1, 1, 0))
		if err != nil || g.Sends != 1 {
			t.Errorf("second Reserve = %+v, %v", g, err)
		}
		return []interview.Outcome{{Sent: true, Ended: time.Now(), Permit: g.Permit}}
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	// The recorded call no longer counts; the one under way still does.
	if g, err := out.Reserve(ctx, "telegram", limit, time.Minute, sends(100, limit, 0)); err != nil || g.Sends != limit-1 {
		t.Errorf("Reserve beside a call still under way = %+v, %v; want %d", g, err, limit-1)
	}
}
