// Command loadbot measures the Telegram bot end to end: it runs the real
// adapter and engine against the fake Bot API and a PostgreSQL database, and
// reports throughput, delivery time and latency. Each run uses a fresh
// schema that is dropped at the end.
//
//	loadbot -scenario answers -users 3000     answers in running interviews: updates/s, and pgbench on the same transaction
//	loadbot -scenario deliver -messages 10000 -rate 30 [-replicas 2]
//	loadbot -scenario latency -in 200 -duration 20s
//	loadbot -scenario daily -subscriptions 1000000 -due 10000 -rate 30
//
// See BENCHMARKS.md for the numbers and how to read them.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot"
	"github.com/interviewbot/interviewbot/internal/bank"
	"github.com/interviewbot/interviewbot/internal/i18n"
	"github.com/interviewbot/interviewbot/internal/interview"
	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/telegram"
	"github.com/interviewbot/interviewbot/internal/telegram/fakeapi"
)

const (
	token     = "4242:LOAD"
	userBase  = 10000000 // simulated users' Telegram ids start here
	loadTrack = "backend"
)

func main() {
	telegram.SetGC() // as the bot runs
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadbot:", err)
		os.Exit(1)
	}
}

type options struct {
	scenario  string
	dbURL     string
	users     int
	messages  int
	rate      float64
	in        float64
	duration  time.Duration
	pgbench   time.Duration
	warmup    time.Duration
	batch     int
	procs     int
	sendRate  float64
	senders   int
	sendBatch int
	subs      int
	due       int
	replicas  int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fl := flag.NewFlagSet("loadbot", flag.ContinueOnError)
	fl.StringVar(&o.scenario, "scenario", "answers", "answers, deliver, latency or daily")
	fl.StringVar(&o.dbURL, "db", cmp.Or(os.Getenv("DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/interviewbot_load?sslmode=disable"), "database URL (a fresh schema is used and dropped)")
	fl.IntVar(&o.users, "users", 3000, "simulated users (answers, latency)")
	fl.IntVar(&o.messages, "messages", 10000, "messages to deliver (deliver)")
	fl.Float64Var(&o.rate, "rate", 30, "TELEGRAM_RATE for deliver; answers and latency use a high rate so sending is not the limit")
	fl.Float64Var(&o.in, "in", 200, "updates per second to offer (latency)")
	fl.DurationVar(&o.duration, "duration", 20*time.Second, "how long to offer updates (latency)")
	fl.DurationVar(&o.warmup, "warmup", 3*time.Second, "latency: offer updates this long before measuring (the pool grows and statements are prepared)")
	fl.DurationVar(&o.pgbench, "pgbench", 15*time.Second, "how long pgbench runs (answers)")
	fl.IntVar(&o.batch, "batch", 0, "updates per processing transaction (0: the bot's default)")
	fl.IntVar(&o.procs, "processors", 0, "concurrent update handlers (0: the bot's default)")
	fl.IntVar(&o.senders, "senders", 0, "concurrent delivery transactions (0: the bot's default)")
	fl.IntVar(&o.sendBatch, "send-batch", 0, "messages per delivery transaction (0: the bot's default)")
	fl.Float64Var(&o.sendRate, "send-rate", 1000000, "TELEGRAM_RATE in the answers scenario (set it tiny to time handling alone)")
	fl.IntVar(&o.subs, "subscriptions", 1000000, "daily question subscriptions in the database (daily)")
	fl.IntVar(&o.due, "due", 10000, "subscriptions due at the same minute (daily)")
	fl.IntVar(&o.replicas, "replicas", 1, "bot replicas sharing the database, each with TELEGRAM_RATE=rate (deliver)")
	cpuProfile := fl.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fl.Parse(args); err != nil {
		return err
	}
	env, err := newEnv(ctx, o)
	if err != nil {
		return err
	}
	defer env.close()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		env.profile = f
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(out, "loadbot %s on %d CPUs, %s\n", o.scenario, runtime.NumCPU(), time.Now().UTC().Format(time.RFC3339))
	switch o.scenario {
	case "answers":
		return env.answers(ctx, out)
	case "deliver":
		return env.deliver(ctx, out)
	case "latency":
		return env.latency(ctx, out)
	case "daily":
		return env.daily(ctx, out)
	}
	return fmt.Errorf("unknown scenario %q", o.scenario)
}

// env is one run's database schema, engine and fake Bot API.
type env struct {
	o       options
	url     string // with the run's search_path
	admin   *pgxpool.Pool
	pool    *pgxpool.Pool
	schema  string
	bank    *bank.Bank
	texts   *i18n.Bundle
	engine  *interview.Engine
	api     *fakeapi.Server
	log     *slog.Logger
	now     func() time.Time // the bot's clock; nil means time.Now
	profile io.Writer        // where the measured part of the run writes its CPU profile, if anywhere

	handledAfter time.Duration // when the inbox was last drained, from waitDrained's start
}

func newEnv(ctx context.Context, o options) (*env, error) {
	e := &env{o: o, log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
	var err error
	if e.admin, err = postgres.Open(ctx, o.dbURL); err != nil {
		return nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	e.schema = "load_" + hex.EncodeToString(b)
	if _, err := e.admin.Exec(ctx, "CREATE SCHEMA "+e.schema); err != nil {
		return nil, err
	}
	if e.url, err = postgres.WithSchema(o.dbURL, e.schema); err != nil {
		return nil, err
	}
	if e.pool, err = postgres.Open(ctx, e.url); err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, e.pool, interviewbot.Migrations()); err != nil {
		return nil, err
	}
	var probs bank.Problems
	if e.bank, probs = bank.Load(interviewbot.Questions(), "questions"); e.bank == nil {
		return nil, probs
	}
	if e.texts, err = i18n.Load(interviewbot.Locales(), "locales"); err != nil {
		return nil, err
	}
	e.engine = interview.New(e.bank, postgres.NewStore(e.pool), e.texts, interview.Options{Logger: e.log})
	e.api = fakeapi.New(token)
	return e, nil
}

func (e *env) close() {
	e.api.Close()
	e.pool.Close()
	_, _ = e.admin.Exec(context.Background(), "DROP SCHEMA "+e.schema+" CASCADE")
	e.admin.Close()
}

// startBot runs the Telegram service; stop stops it and waits.
func (e *env) startBot(rate float64) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	svc := &telegram.Service{
		Config: telegram.Config{Token: token, APIURL: e.api.URL(), Rate: rate, PollTimeout: 5 * time.Second, Batch: e.o.batch, Processors: e.o.procs, Senders: e.o.senders, SendBatch: e.o.sendBatch},
		Engine: e.engine, Inbox: postgres.NewInbox(e.pool), Outbox: postgres.NewOutbox(e.pool), Store: postgres.NewStore(e.pool),
		Lead: func(ctx context.Context) (telegram.Leader, error) {
			l, err := postgres.TryLead(ctx, e.pool, "loadbot")
			if l == nil {
				return nil, err
			}
			return l, nil
		},
		Texts: e.texts, Log: e.log, Now: e.now,
	}
	done := make(chan struct{})
	go func() { _ = svc.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// prepareUsers puts n users into a running interview, waiting for an answer,
// directly through the engine, and clears what that queued.
func (e *env) prepareUsers(ctx context.Context, n int) error {
	jobs := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				id := fmt.Sprint(userBase + i)
				for _, ev := range []interview.Event{{Text: "/interview"}, {Data: "track:" + loadTrack}, {Data: "len:" + loadTrack + ":15"}} {
					ev.Platform, ev.UserID, ev.ChatID, ev.Locale = telegram.Platform, id, id, "en"
					if err := e.engine.Handle(ctx, ev); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	for i := 1; i <= n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	_, err := e.pool.Exec(ctx, `DELETE FROM outbox`)
	return err
}

func (e *env) counts(ctx context.Context) (inboxPending, outboxPending int, err error) {
	err = e.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox WHERE done_at IS NULL AND parked_at IS NULL),
		(SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL)`).Scan(&inboxPending, &outboxPending)
	return
}

// waitDrained waits until the fake has no unconfirmed update, the inbox and
// outbox have nothing pending, and at least sent messages reached the fake.
func (e *env) waitDrained(ctx context.Context, sent int, limit time.Duration) error {
	start := time.Now()
	deadline := start.Add(limit)
	handled := false
	for i := 0; time.Now().Before(deadline); i++ {
		// The fake's count first: the bot confirms updates only after storing
		// them, so once nothing is pending there, everything is in the inbox.
		fakePending := e.api.Pending()
		if e.api.Sent() < sent && i%10 != 0 {
			// Not done: look at the database only every 100 ms, so that
			// the measuring does not load it.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		in, outbox, err := e.counts(ctx)
		if err != nil {
			return err
		}
		if !handled && in == 0 && fakePending == 0 {
			handled = true
			e.handledAfter = time.Since(start)
			if e.o.sendRate < 1 {
				return nil // timing handling alone
			}
		}
		if in == 0 && outbox == 0 && fakePending == 0 && e.api.Sent() >= sent {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("not drained in time")
}

// answers: every user sends an answer at once; updates/s is users divided
// by the time until every answer is handled and its reply sent. Then
// pgbench runs the same transaction, one per answer, on the same database.
func (e *env) answers(ctx context.Context, out io.Writer) error {
	n := e.o.users
	if err := e.prepareUsers(ctx, n); err != nil {
		return err
	}
	e.api.Limits.Global = 1000000
	if err := e.settle(ctx); err != nil {
		return err
	}
	stop := e.startBot(e.o.sendRate)
	time.Sleep(1500 * time.Millisecond) // let the bot start: measure the steady state
	var firstUpd, lastUpd int64
	cpu0 := cpuTimes()
	e.startProfile()
	start := time.Now()
	for i := 1; i <= n; i++ {
		id := e.api.SendText(fakeapi.User{ID: int64(userBase + i), FirstName: "L", LanguageCode: "en"}, fmt.Sprintf("Answer %d: scale out with more instances behind a load balancer, cache hot reads, and move slow work to a queue.", i))
		if firstUpd == 0 {
			firstUpd = id
		}
		lastUpd = id
	}
	err := e.waitDrained(ctx, n, 10*time.Minute)
	elapsed := time.Since(start)
	cpu1 := cpuTimes()
	pprof.StopCPUProfile()
	stop()
	if err != nil {
		return err
	}
	botRate := float64(n) / elapsed.Seconds()
	fmt.Fprintf(out, "answers: %d updates handled and replied to in %v: %.0f updates/s end to end (all handled after %v; %d messages sent, %d limit violations)\n",
		n, elapsed.Round(time.Millisecond), botRate, e.handledAfter.Round(time.Millisecond), e.api.Sent(), e.api.Violations())
	fmt.Fprintf(out, "CPU meanwhile: this process (bot and fake Bot API) %.2f s, PostgreSQL %.2f s, in %.2f s on %d CPUs\n",
		(cpu1.self - cpu0.self).Seconds(), (cpu1.postgres - cpu0.postgres).Seconds(), elapsed.Seconds(), runtime.NumCPU())

	if err := e.settle(ctx); err != nil {
		return err
	}
	pg0 := cpuTimes()
	tps, txs, pgbenchCPU, err := e.runPgbench(ctx, n, firstUpd, lastUpd)
	if err != nil {
		return err
	}
	pg1 := cpuTimes()
	fmt.Fprintf(out, "pgbench, the same transaction one per answer (8 clients, %v): %.0f tps\n", e.o.pgbench, tps)
	// CPU per unit of work is steadier than throughput on a shared machine.
	botCPU := (cpu1.self - cpu0.self + cpu1.postgres - cpu0.postgres).Seconds() * 1000 / float64(n)
	benchCPU := (pgbenchCPU + pg1.postgres - pg0.postgres).Seconds() * 1000 / float64(txs)
	fmt.Fprintf(out, "CPU per answer end to end %.3f ms (bot, fake Bot API and PostgreSQL); per pgbench transaction %.3f ms (pgbench and PostgreSQL)\n", botCPU, benchCPU)
	fmt.Fprintf(out, "ratio bot/pgbench: %.2f (by CPU per unit of work: %.2f)\n", botRate/tps, benchCPU/botCPU)
	return nil
}

// runPgbench runs the pgbench script and returns its transactions per
// second, how many it ran and the CPU time pgbench itself used.
func (e *env) runPgbench(ctx context.Context, users int, minUpd, maxUpd int64) (tps float64, txs int, cpu time.Duration, err error) {
	script, err := findScript()
	if err != nil {
		return 0, 0, 0, err
	}
	u, _ := url.Parse(e.o.dbURL)
	q := u.Query()
	q.Set("options", "-csearch_path="+e.schema)
	q.Del("search_path")
	u.RawQuery = q.Encode()
	cmd := exec.CommandContext(ctx, "pgbench", "-n", "-c", "8", "-j", "2", "-T", fmt.Sprint(int(e.o.pgbench.Seconds())),
		"-D", fmt.Sprintf("users=%d", users), "-D", fmt.Sprintf("minupd=%d", minUpd), "-D", fmt.Sprintf("maxupd=%d", maxUpd),
		"-f", script, u.String())
	outBytes, err := cmd.CombinedOutput()
	text := string(outBytes)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("pgbench: %v\n%s", err, text)
	}
	cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "number of transactions actually processed: ") {
			_, _ = fmt.Sscanf(line, "number of transactions actually processed: %d", &txs)
		}
		if strings.HasPrefix(line, "tps = ") {
			_, _ = fmt.Sscanf(line, "tps = %f", &tps)
		}
	}
	if tps == 0 || txs == 0 {
		return 0, 0, 0, fmt.Errorf("no tps or transaction count in pgbench output:\n%s", text)
	}
	return tps, txs, cpu, nil
}

// findScript finds bench/answer.pgbench from the working directory up.
func findScript() (string, error) {
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, "bench", "answer.pgbench")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("bench/answer.pgbench not found: run loadbot from the repository")
		}
		dir = parent
	}
}

// deliver: N messages to N chats are queued at once; they must leave at the
// configured rate, within the fake's limits.
func (e *env) deliver(ctx context.Context, out io.Writer) error {
	n := e.o.messages
	sent := e.watchSends(e.o.rate)
	if _, err := e.pool.Exec(ctx, `
		INSERT INTO outbox (platform, chat_id, kind, payload)
		SELECT 'telegram', (20000000 + g)::text, 'message', jsonb_build_object('text', 'Your daily question, number ' || g)
		FROM generate_series(1, $1) g`, n); err != nil {
		return err
	}
	start := time.Now()
	replicas := max(e.o.replicas, 1)
	var stops []func()
	for range replicas {
		stops = append(stops, e.startBot(e.o.rate))
	}
	err := e.waitDrained(ctx, n, time.Duration(float64(n)/e.o.rate*2+60)*time.Second)
	total := time.Since(start)
	for _, stop := range stops {
		stop()
	}
	if err != nil {
		return err
	}
	ideal := time.Duration(float64(n) / e.o.rate * float64(time.Second))
	got, span := sent.result()
	fmt.Fprintf(out, "deliver: %d replicas, %d messages at TELEGRAM_RATE=%g: first to last %v, N/rate %v, ratio %.3f; with start-up %v (ratio %.3f); %d limit violations, %d 429s\n",
		replicas, got, e.o.rate, span.Round(time.Millisecond), ideal, span.Seconds()/ideal.Seconds(), total.Round(time.Millisecond), total.Seconds()/ideal.Seconds(), e.api.Violations(), e.count429())
	return nil
}

// latency: updates are offered at a steady rate, round-robin over the
// users; latency is from the update becoming available to the reply
// reaching the fake Bot API.
func (e *env) latency(ctx context.Context, out io.Writer) error {
	n := e.o.users
	if err := e.prepareUsers(ctx, n); err != nil {
		return err
	}
	e.api.Limits.Global = 1000000
	var mu sync.Mutex
	sentAt := map[int64]time.Time{}
	var lat []time.Duration
	measureFrom := time.Now().Add(time.Hour) // set when warm-up ends; updates offered before it are not measured
	e.api.OnSend = func(m fakeapi.Message) {
		mu.Lock()
		defer mu.Unlock()
		if t, ok := sentAt[m.ChatID]; ok {
			if !t.Before(measureFrom) {
				lat = append(lat, m.SentAt.Sub(t))
			}
			delete(sentAt, m.ChatID)
		}
	}
	stop := e.startBot(1000000)
	time.Sleep(1500 * time.Millisecond) // let the bot start (the warm-up then fills the pool)
	interval := time.Duration(float64(time.Second) / e.o.in)
	warm := int(e.o.warmup.Seconds() * e.o.in)
	total := int(e.o.duration.Seconds() * e.o.in)
	tick := time.NewTicker(interval)
	var start time.Time
	for i := 0; i < warm+total; i++ {
		<-tick.C
		if i == warm {
			mu.Lock()
			start = time.Now()
			measureFrom = start
			mu.Unlock()
		}
		id := int64(userBase + 1 + i%n)
		mu.Lock()
		if _, busy := sentAt[id]; busy {
			mu.Unlock()
			continue // that user still waits for a reply: skip, as a person would
		}
		sentAt[id] = time.Now()
		mu.Unlock()
		e.api.SendText(fakeapi.User{ID: id, FirstName: "L", LanguageCode: "en"}, "and also: I would add a cache in front of the database")
	}
	offered := time.Since(start)
	tick.Stop()
	err := e.waitDrained(ctx, 0, time.Minute)
	stop()
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))].Round(100 * time.Microsecond)
	}
	var parkedIn, parkedOut int
	_ = e.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL OR last_error IS NOT NULL), (SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL)`).Scan(&parkedIn, &parkedOut)
	fmt.Fprintf(out, "latency (after %v warm-up): %d updates offered in %v (%.0f/s) over %d users; replies %d; p50 %v, p90 %v, p99 %v, max %v; %d limit violations; %d updates failed, %d messages parked\n",
		e.o.warmup, total, offered.Round(time.Millisecond), float64(total)/offered.Seconds(), n, len(lat), pct(0.50), pct(0.90), pct(0.99), pct(1), e.api.Violations(), parkedIn, parkedOut)
	return nil
}

// daily: subscriptions of the daily question fill the database, some of
// them due at the same minute. It shows the plan of the per-minute claim,
// times ticks with nothing due, then starts the bot at that minute and times
// the delivery of every due question through the fake Bot API.
func (e *env) daily(ctx context.Context, out io.Writer) error {
	at := time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)
	due := min(e.o.due, e.o.subs)
	var tracks []string
	for _, t := range e.bank.Tracks {
		tracks = append(tracks, t.ID)
	}
	start := time.Now()
	// The due ones at 07:30 UTC; the others at every other minute of the day.
	if _, err := e.pool.Exec(ctx, `
		INSERT INTO users (platform, external_id, locale)
		SELECT 'telegram', (30000000 + g)::text, (ARRAY['en', 'nb', 'ru', 'fa'])[1 + g % 4] FROM generate_series(1, $1) g`, e.o.subs); err != nil {
		return err
	}
	if _, err := e.pool.Exec(ctx, `
		INSERT INTO daily_subscriptions (user_id, platform, chat_id, at_minute, zone, tracks, next_at)
		SELECT id, platform, external_id, (450 + k) % 1440, 'UTC', $3, $2::timestamptz + k * interval '1 minute'
		FROM (SELECT id, platform, external_id, CASE WHEN n <= $1 THEN 0 ELSE 1 + n % 1439 END AS k
		      FROM (SELECT id, platform, external_id, row_number() OVER (ORDER BY id) AS n FROM users) u) s`, due, at, tracks); err != nil {
		return err
	}
	if _, err := e.pool.Exec(ctx, `ANALYZE users; ANALYZE daily_subscriptions`); err != nil {
		return err
	}
	fmt.Fprintf(out, "daily: %d subscriptions (%d due at %s) loaded in %v\n", e.o.subs, due, at.Format("15:04"), time.Since(start).Round(time.Millisecond))

	plan, err := postgres.ExplainDue(ctx, e.pool, telegram.Platform, at, 200)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the claim of one batch of due subscriptions (EXPLAIN ANALYZE):\n%s\n", plan)

	// Ticks of a minute with nothing due: the common case.
	const ticks = 200
	times := make([]time.Duration, ticks)
	for i := range times {
		t0 := time.Now()
		if n, err := e.engine.DeliverDaily(ctx, telegram.Platform, at.Add(-time.Minute)); err != nil || n != 0 {
			return fmt.Errorf("idle tick: %d due, %v", n, err)
		}
		times[i] = time.Since(t0)
	}
	slices.Sort(times)
	fmt.Fprintf(out, "tick with nothing due among %d subscriptions: median %v, p99 %v (%d ticks)\n",
		e.o.subs, times[ticks/2].Round(time.Microsecond), times[ticks*99/100].Round(time.Microsecond), ticks)

	// The due minute: the bot's first tick claims them all; the sender
	// delivers at the configured rate.
	sent := e.watchSends(e.o.rate)
	e.now = func() time.Time { return at }
	t0 := time.Now()
	stop := e.startBot(e.o.rate)
	defer stop()
	var queued time.Duration
	deadline := t0.Add(time.Duration(float64(due)/e.o.rate*2+120) * time.Second)
	for {
		if queued == 0 {
			var n int
			if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM daily_deliveries`).Scan(&n); err != nil {
				return err
			}
			if n >= due {
				queued = time.Since(t0)
			}
		}
		got, _ := sent.result()
		if got >= due && queued > 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d daily questions sent in time", got, due)
		}
		time.Sleep(20 * time.Millisecond)
	}
	total := time.Since(t0)
	stop()
	var deliveries, dupes int
	if err := e.pool.QueryRow(ctx, `SELECT count(*), count(*) - count(DISTINCT user_id) FROM daily_deliveries`).Scan(&deliveries, &dupes); err != nil {
		return err
	}
	ideal := time.Duration(float64(due) / e.o.rate * float64(time.Second))
	_, span := sent.result()
	fmt.Fprintf(out, "%d due at one minute: all claimed and queued in %v (%.0f/s); sent at TELEGRAM_RATE=%g: first to last %v, N/rate %v, ratio %.3f; with start-up %v (ratio %.3f); %d deliveries recorded, %d twice; %d limit violations, %d 429s\n",
		due, queued.Round(time.Millisecond), float64(due)/queued.Seconds(), e.o.rate, span.Round(time.Millisecond), ideal, span.Seconds()/ideal.Seconds(),
		total.Round(time.Millisecond), total.Seconds()/ideal.Seconds(), deliveries, dupes, e.api.Violations(), e.count429())
	return nil
}

// sends counts the messages reaching the fake Bot API and when the first
// and the last arrived.
type sends struct {
	mu          sync.Mutex
	first, last time.Time
	n           int
}

// watchSends makes the fake enforce rate messages per second and counts
// what reaches it.
func (e *env) watchSends(rate float64) *sends {
	e.api.Limits.Global = int(rate)
	s := &sends{}
	e.api.OnSend = func(m fakeapi.Message) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.first.IsZero() {
			s.first = m.SentAt
		}
		s.last = m.SentAt
		s.n++
	}
	return s
}

// result is how many messages arrived so far and the time from the first to the last.
func (s *sends) result() (int, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n, s.last.Sub(s.first)
}

// count429 is how many sendMessage calls the fake answered with 429.
func (e *env) count429() int {
	n := 0
	for _, c := range e.api.Calls("sendMessage") {
		if c.Code == 429 {
			n++
		}
	}
	return n
}

// settle prepares the database for a measured phase, as pgbench prepares
// its own tables: fresh statistics and vacuumed tables, so that autovacuum
// does not start in the middle of the phase, and a checkpoint, so that
// one is less likely to fall into it.
func (e *env) settle(ctx context.Context) error {
	if _, err := e.pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	if _, err := e.pool.Exec(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// startProfile starts the CPU profile (-cpuprofile) of the measured part of a run.
func (e *env) startProfile() {
	if e.profile != nil {
		if err := pprof.StartCPUProfile(e.profile); err != nil {
			e.log.Error("cannot profile", "err", err)
		}
	}
}

// cpu is CPU time used so far by this process and by PostgreSQL's processes.
type cpu struct{ self, postgres time.Duration }

// cpuTimes reads the CPU time of this process and of every process named
// postgres from /proc (Linux); what it cannot read counts as zero. For
// PostgreSQL it includes the time of ended children (the backends of closed
// connections, such as pgbench's), which the postmaster collects.
func cpuTimes() cpu {
	var c cpu
	entries, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid … utime stime cutime cstime: fields 14 to 17,
		// counted after the ")".
		stat := string(data)
		open, close := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
		if open < 0 || close < open {
			continue
		}
		comm, fields := stat[open+1:close], strings.Fields(stat[close+1:])
		if len(fields) < 15 || e.Name() != self && comm != "postgres" {
			continue
		}
		ticks := func(i int) time.Duration {
			n, _ := strconv.ParseInt(fields[i], 10, 64)
			return time.Duration(n) * time.Second / 100 // USER_HZ
		}
		if e.Name() == self {
			c.self += ticks(11) + ticks(12)
		} else {
			c.postgres += ticks(11) + ticks(12) + ticks(13) + ticks(14)
		}
	}
	return c
}
