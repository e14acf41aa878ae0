package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/telegram/fakeapi"
)

// runUsers runs an interview for each user concurrently and waits for all.
func runUsers(t *testing.T, api *fakeapi.Server, users []int64) {
	t.Helper()
	var wg sync.WaitGroup
	for _, id := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := &chatter{t: t, api: api, user: fakeapi.User{ID: id, FirstName: "U", LanguageCode: "en"}}
			interviewOver(u, answersOf(id))
		}()
	}
	wg.Wait()
}

// TestTelegramTwoReplicas runs two bots on one database: one polls, both
// process and send; no update is handled twice and each chat keeps its order.
func TestTelegramTwoReplicas(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	b.startBot(api, "polling", nil)
	b.startBot(api, "polling", nil)
	users := []int64{8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008}
	runUsers(t, api, users)
	checkAnswers(t, b, users)
	if repeats := checkDelivery(t, b, api, users); repeats != 0 {
		t.Errorf("%d messages sent twice without any crash", repeats)
	}
	if v := api.Violations(); v != 0 {
		t.Errorf("%d rate limit violations", v)
	}
	var handledTwice int
	_ = b.db.QueryRow(context.Background(), `SELECT count(*) FROM inbox WHERE attempts <> 1 OR done_at IS NULL`).Scan(&handledTwice)
	if handledTwice != 0 {
		t.Errorf("%d updates not handled exactly once", handledTwice)
	}
}

// TestTelegramReplicasShareTheRate: two replicas working off one backlog
// keep TELEGRAM_RATE between them, not each, however late their calls
// reach Telegram.
func TestTelegramReplicasShareTheRate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	const rate, n = 10, 45
	api.Limits.Global = rate
	var delays []fakeapi.Fault
	for range n {
		delays = append(delays, fakeapi.Fault{Delay: time.Duration(rand.IntN(80)) * time.Millisecond})
	}
	api.Inject("sendMessage", delays...)
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return b.env[k] }, nil, &stderr, &stderr, nil); err != nil {
		t.Fatalf("migrate: %v: %s", err, stderr.String())
	}
	if _, err := b.db.Exec(context.Background(), `
		INSERT INTO outbox (platform, chat_id, kind, payload)
		SELECT 'telegram', (700000 + g)::text, 'message', jsonb_build_object('text', 'Message ' || g)
		FROM generate_series(1, $1) g`, n); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TELEGRAM_RATE": fmt.Sprint(rate)}
	b.startBot(api, "polling", env)
	b.startBot(api, "polling", env)
	b.eventually(`SELECT count(*) = 0 FROM outbox WHERE sent_at IS NULL`, "the backlog is delivered")
	if v := api.Violations(); v != 0 {
		t.Errorf("%d rate limit violations", v)
	}
	if got := api.Sent(); got != n {
		t.Errorf("%d messages sent, want %d", got, n)
	}
}

// TestTelegramFaultStorm injects 429 storms, 5xx errors and slow answers
// into sendMessage while users hold interviews: nothing is lost and the
// limits are never exceeded.
func TestTelegramFaultStorm(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	var faults []fakeapi.Fault
	for i := range 40 {
		switch i % 4 {
		case 0, 1:
			faults = append(faults, fakeapi.Fault{Code: 429, RetryAfter: 1})
		case 2:
			faults = append(faults, fakeapi.Fault{Code: 502})
		case 3:
			faults = append(faults, fakeapi.Fault{Delay: 1500 * time.Millisecond})
		}
	}
	api.Inject("sendMessage", faults...)
	api.Inject("answerCallbackQuery", fakeapi.Fault{Code: 500}, fakeapi.Fault{Code: 429, RetryAfter: 1})
	api.Inject("getUpdates", fakeapi.Fault{Code: 502}, fakeapi.Fault{Code: 429, RetryAfter: 1})
	b.startBot(api, "polling", nil)
	users := []int64{9001, 9002, 9003, 9004, 9005}
	runUsers(t, api, users)
	checkAnswers(t, b, users)
	if repeats := checkDelivery(t, b, api, users); repeats != 0 {
		t.Errorf("%d messages sent twice", repeats)
	}
	if v := api.Violations(); v != 0 {
		t.Errorf("%d rate limit violations", v)
	}
	failed := 0
	for _, c := range api.Calls("sendMessage") {
		if c.Code != 200 {
			failed++
		}
	}
	if failed < 30 {
		t.Errorf("only %d sendMessage calls failed: the storm did not happen", failed)
	}
}

// TestTelegramBlockedAndMigrated: a 403 marks the user as having blocked
// the bot and stops their queue; an update from them later unblocks them.
func TestTelegramBlockedUser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	b.startBot(api, "polling", nil)
	u := &chatter{t: t, api: api, user: fakeapi.User{ID: 9501, FirstName: "U", LanguageCode: "en"}}
	api.SendText(u.user, "/start")
	u.next("/interview")
	api.Block(u.user.ID)
	api.SendText(u.user, "/help")
	b.eventually(`SELECT blocked_at IS NOT NULL FROM users WHERE external_id = '9501'`, "a 403 marks the user as blocked")
	ctx := context.Background()
	var parked int
	_ = b.db.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE chat_id = '9501' AND parked_at IS NOT NULL`).Scan(&parked)
	if parked == 0 {
		t.Error("the blocked chat's message was not parked")
	}
	api.SetMember(u.user, "kicked", "member")
	b.eventually(`SELECT blocked_at IS NULL FROM users WHERE external_id = '9501'`, "unblocking clears the block")
}

// eventually waits up to 10 s for a query's boolean to become true. The
// database sends no signal for this state, so it polls.
func (b *bundle) eventually(sql, what string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ok bool
		if err := b.db.QueryRow(context.Background(), sql).Scan(&ok); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTelegramPollingTakeover: when the polling replica stops, the other one
// takes the polling lock over and the bot keeps answering.
func TestTelegramPollingTakeover(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	first := b.startBot(api, "polling", nil)
	u := &chatter{t: t, api: api, user: fakeapi.User{ID: 9601, FirstName: "U", LanguageCode: "en"}}
	api.SendText(u.user, "/help")
	u.next("Commands:") // the first replica polls
	b.startBot(api, "polling", nil)
	first.stop()
	api.SendText(u.user, "/start")
	u.next("mock interviewer")
}
