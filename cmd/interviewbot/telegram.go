package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/telegram"
)

var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// telegramConfig reads and validates the Telegram settings.
func telegramConfig(getenv func(string) string) (telegram.Config, error) {
	c := telegram.Config{
		Token:         getenv("TELEGRAM_TOKEN"),
		APIURL:        cmp.Or(getenv("TELEGRAM_API_URL"), telegram.DefaultAPIURL),
		WebhookURL:    getenv("WEBHOOK_URL"),
		WebhookSecret: getenv("WEBHOOK_SECRET"),
		ListenAddr:    cmp.Or(getenv("LISTEN_ADDR"), ":8080"),
		Rate:          30,
	}
	if c.Token == "" {
		return c, usageError{"TELEGRAM_TOKEN is required: the bot token from @BotFather"}
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, usageError{fmt.Sprintf("invalid TELEGRAM_API_URL %q: want an http(s) URL such as %s", c.APIURL, telegram.DefaultAPIURL)}
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, usageError{fmt.Sprintf("invalid WEBHOOK_URL %q: want the public https URL Telegram should post to", c.WebhookURL)}
		}
		if !secretPattern.MatchString(c.WebhookSecret) {
			return c, usageError{"invalid WEBHOOK_SECRET: with WEBHOOK_URL it is required, 1-256 characters of A-Z, a-z, 0-9, _ and -"}
		}
	}
	if s := getenv("TELEGRAM_RATE"); s != "" {
		r, err := strconv.Atoi(s)
		if err != nil || r < 1 || r > 10000 {
			return c, usageError{fmt.Sprintf("invalid TELEGRAM_RATE %q: want a whole number of messages per second from 1 to 10000, such as 30", s)}
		}
		c.Rate = float64(r)
	}
	return c, nil
}

// runTelegram runs the bot on Telegram until ctx is cancelled.
func runTelegram(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, hooks *serviceHooks) error {
	if len(args) > 0 {
		return usageError{fmt.Sprintf("run: unexpected argument %q", args[0])}
	}
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	tc, err := telegramConfig(getenv)
	if err != nil {
		return err
	}
	var now func() time.Time
	if hooks != nil {
		now = hooks.now
	}
	a, err := start(ctx, c, stderr, now)
	if err != nil {
		return err
	}
	defer a.pool.Close()
	pool, log := a.pool, a.log
	svc := &telegram.Service{
		Config: tc,
		Engine: a.engine,
		Inbox:  postgres.NewInbox(pool),
		Outbox: postgres.NewOutbox(pool),
		Store:  a.store,
		Lead: func(ctx context.Context) (telegram.Leader, error) {
			// One poller per bot: the lock is named by the bot's id, the
			// part of the token before the colon, which is not secret.
			botID, _, _ := strings.Cut(tc.Token, ":")
			l, err := postgres.TryLead(ctx, pool, "interviewbot poll "+botID)
			if l == nil {
				return nil, err
			}
			return l, nil
		},
		Texts: a.texts,
		Log:   log,
	}
	if hooks != nil {
		hooks.apply(svc)
	}
	telegram.SetGC()
	log.Info("starting", "api", tc.APIURL, "webhook", tc.WebhookURL != "", "rate", tc.Rate)
	return svc.Run(ctx)
}

// serviceHooks are test hooks into the Telegram service.
type serviceHooks struct {
	listening     chan<- net.Addr
	now           func() time.Time // the engine's and the daily tick's clock
	dailySchedule string
}

func (h *serviceHooks) apply(s *telegram.Service) {
	s.Listening, s.Now, s.DailySchedule = h.listening, h.now, h.dailySchedule
}
