package telegram

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/robfig/cron/v3"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// DefaultAPIURL is the public Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Texts gives the bot's texts in a language.
type Texts interface {
	Text(lang, id string, data map[string]any) string
	Languages() []string
}

// Config configures the Telegram service.
type Config struct {
	Token         string
	APIURL        string  // the Bot API server
	WebhookURL    string  // when set, receive updates by webhook instead of polling
	WebhookSecret string  // the secret token Telegram sends with each webhook request
	ListenAddr    string  // where the webhook server listens
	Rate          float64 // messages per second in all
	Processors    int     // concurrent update handlers; 0 means 4
	Batch         int     // updates per processing transaction; 0 means 8
	Senders       int     // concurrent delivery transactions, each sending a batch; 0 means 2 (each uses two database connections)
	SendBatch     int     // messages per delivery transaction; 0 means 64
	PollTimeout   time.Duration
	Grace         time.Duration // how long in-flight work may finish after a stop; 0 means 8 s
}

// Service runs intake, processing and sending.
type Service struct {
	Config Config
	Engine Engine
	Inbox  Inbox
	Outbox Outbox
	Store  interview.Store // transactions for the daily question
	Lead   func(ctx context.Context) (Leader, error)
	Texts  Texts
	Log    *slog.Logger
	Client *http.Client // for the Bot API; nil means a client with timeouts

	// Listening, when set, receives the webhook server's address once it listens.
	Listening chan<- net.Addr
	// DailySchedule is the cron spec of the daily question's tick; "" means
	// every minute. Now is its clock; nil means time.Now.
	DailySchedule string
	Now           func() time.Time
}

// Run serves until ctx is cancelled, then stops taking updates, finishes
// the work in hand within the grace period and returns.
func (s *Service) Run(ctx context.Context) error {
	cfg := s.Config
	client := s.Client
	if client == nil {
		// Keep a connection per concurrent send alive: the default of two
		// idle connections per host would open (and, for the real Bot API,
		// TLS-handshake) a new connection for almost every message. Send
		// each request in one piece.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 512, 512
		client = &http.Client{Timeout: cfg.PollTimeout + 30*time.Second, Transport: wholeBodies{t}}
	}
	api, err := bot.New(cfg.Token, bot.WithServerURL(cfg.APIURL), bot.WithSkipGetMe(), bot.WithHTTPClient(cfg.PollTimeout, client))
	if err != nil {
		return fmt.Errorf("error creating Bot API client: %w", err)
	}
	if err := s.setup(ctx, api); err != nil {
		return err
	}

	wakeProcessors, wakeSender := &Signal{}, &Signal{}
	stop := make(chan struct{})
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	var workers sync.WaitGroup
	processors := max(cfg.Processors, 1)
	if cfg.Processors == 0 {
		processors = 4
	}
	for range processors {
		p := &Processor{Inbox: s.Inbox, Engine: s.Engine, Log: s.Log, Wake: wakeProcessors, Sent: wakeSender, Batch: cfg.Batch}
		workers.Add(1)
		go func() { defer workers.Done(); p.Run(stop, work) }()
	}
	sender := &Sender{Outbox: s.Outbox, API: api, Rate: cfg.Rate, Workers: cfg.Senders, Batch: cfg.SendBatch, Log: s.Log, Wake: wakeSender}
	workers.Add(1)
	go func() { defer workers.Done(); sender.Run(stop, work) }()

	// A tick stopped midway rolls back its open transaction: nothing is lost.
	tickCtx, cancelTicks := context.WithCancel(work)
	defer cancelTicks()
	ticks, err := s.startDaily(tickCtx, wakeSender, &workers)
	if err != nil {
		close(stop)
		return err
	}
	defer ticks.Stop()

	intakeDone := make(chan error, 1)
	if cfg.WebhookURL != "" {
		srv, err := s.webhookServer(wakeProcessors)
		if err != nil {
			close(stop)
			return err
		}
		ln, err := net.Listen("tcp", cfg.ListenAddr)
		if err != nil {
			close(stop)
			return fmt.Errorf("error listening on LISTEN_ADDR %s: %w", cfg.ListenAddr, err)
		}
		if s.Listening != nil {
			s.Listening <- ln.Addr()
		}
		s.Log.Info("receiving updates by webhook", "listen", ln.Addr().String())
		go func() { intakeDone <- srv.Serve(ln) }()
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		_ = srv.Shutdown(shutdown) // waits for requests in hand: their updates get stored
		cancel()
	} else {
		poller := &Poller{BaseURL: cfg.APIURL, Token: cfg.Token, Client: client, Inbox: s.Inbox, Lead: s.Lead, Log: s.Log, Wake: wakeProcessors, Timeout: cfg.PollTimeout}
		go func() { poller.Run(ctx); intakeDone <- nil }()
		<-ctx.Done()
		<-intakeDone
	}

	s.Log.Info("stopping: finishing the work in hand")
	cancelTicks()
	<-ticks.Stop().Done()
	close(stop)
	grace := cfg.Grace
	if grace == 0 {
		grace = 8 * time.Second
	}
	finished := make(chan struct{})
	go func() { workers.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(grace):
		s.Log.Warn("work still in hand after the grace period; it will be retried")
		cancelWork()
		<-finished
	}
	return nil
}

// startDaily starts the daily question's tick: every minute (on every
// replica) the due questions are claimed and queued; one tick runs at once,
// so that a bot coming back after downtime delivers what it missed today.
func (s *Service) startDaily(ctx context.Context, wake *Signal, running *sync.WaitGroup) (*cron.Cron, error) {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	tick := func() {
		n, err := s.Engine.DeliverDailyIn(ctx, renderingStore{s.Store}, Platform, now())
		if err != nil && ctx.Err() == nil {
			s.Log.Error("error delivering daily questions", "err", err)
		}
		if n > 0 {
			s.Log.Info("daily questions due", "subscriptions", n)
			wake.Notify()
		}
	}
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	id, err := c.AddFunc(cmp.Or(s.DailySchedule, "* * * * *"), tick)
	if err != nil {
		return nil, fmt.Errorf("invalid daily schedule: %w", err)
	}
	c.Start()
	running.Add(1)
	go func() { defer running.Done(); c.Entry(id).WrappedJob.Run() }()
	return c, nil
}

func (s *Service) webhookServer(wake *Signal) (*http.Server, error) {
	u, err := url.Parse(s.Config.WebhookURL)
	if err != nil {
		return nil, fmt.Errorf("invalid WEBHOOK_URL: %w", err)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+path, &Webhook{Secret: s.Config.WebhookSecret, Inbox: s.Inbox, Log: s.Log, Wake: wake})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}, nil
}

// commands are the bot's commands, with the message id of their description.
var commands = []struct{ name, text string }{
	{"interview", "CmdInterview"}, {"daily", "CmdDaily"}, {"skip", "CmdSkip"}, {"stop", "CmdStop"},
	{"history", "CmdHistory"}, {"language", "CmdLanguage"}, {"help", "CmdHelp"}, {"start", "CmdStart"},
}

// setup registers the command list in every language (English is also the
// default) and sets or removes the webhook.
func (s *Service) setup(ctx context.Context, api *bot.Bot) error {
	var errs []error
	for _, lang := range append([]string{""}, s.Texts.Languages()...) {
		textLang := lang
		if lang == "" {
			textLang = "en"
		}
		var cmds []models.BotCommand
		for _, c := range commands {
			cmds = append(cmds, models.BotCommand{Command: c.name, Description: s.Texts.Text(textLang, c.text, nil)})
		}
		codes := []string{lang}
		if lang == "nb" {
			codes = []string{"nb", "no", "nn"} // Telegram clients report any of these for Norwegian
		}
		for _, code := range codes {
			if _, err := api.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds, LanguageCode: code}); err != nil {
				errs = append(errs, fmt.Errorf("setMyCommands %q: %w", code, err))
			}
		}
	}
	if s.Config.WebhookURL != "" {
		_, err := api.SetWebhook(ctx, &bot.SetWebhookParams{URL: s.Config.WebhookURL, SecretToken: s.Config.WebhookSecret})
		if err != nil {
			return fmt.Errorf("error setting the webhook: %w", err)
		}
	} else if _, err := api.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("error removing the webhook before polling: %w", err)
	}
	if err := errors.Join(errs...); err != nil {
		s.Log.Warn("could not register the command list", "err", err)
	}
	return nil
}
