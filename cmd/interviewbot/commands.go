package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot"
	"github.com/interviewbot/interviewbot/internal/bank"
	"github.com/interviewbot/interviewbot/internal/i18n"
	"github.com/interviewbot/interviewbot/internal/interview"
	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/terminal"
)

// app is what every bot command needs: the translations, the bank, the
// migrated database and the engine over them.
type app struct {
	log    *slog.Logger
	texts  *i18n.Bundle
	pool   *pgxpool.Pool
	store  *postgres.Store
	engine *interview.Engine
}

// start loads the translations and the bank, opens and migrates the
// database, and builds the engine. The caller closes a.pool.
func start(ctx context.Context, c config, stderr io.Writer, now func() time.Time) (*app, error) {
	a := &app{log: c.logger(stderr)}
	var err error
	if a.texts, err = i18n.Load(interviewbot.Locales(), "locales"); err != nil {
		return nil, err
	}
	b, err := loadBank(c, stderr)
	if err != nil {
		return nil, err
	}
	if a.pool, err = openDB(ctx, c); err != nil {
		return nil, err
	}
	a.store = postgres.NewStore(a.pool)
	a.engine = interview.New(b, a.store, a.texts, interview.Options{Logger: a.log, Now: now})
	return a, nil
}

// openDB connects, creating the database if needed, and migrates it.
func openDB(ctx context.Context, c config) (*pgxpool.Pool, error) {
	pool, err := postgres.Open(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, pool, interviewbot.Migrations()); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func runChat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("chat", flag.ContinueOnError)
	fl.SetOutput(stderr)
	user := fl.String("user", cmp.Or(getenv("USER"), "local"), "who you are: each name has its own interviews and history")
	lang := fl.String("lang", "", "your language: en, nb, ru or fa (default: from LC_ALL, LC_MESSAGES or LANG)")
	if err := fl.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fl.NArg() > 0 {
		return usageError{fmt.Sprintf("chat: unexpected argument %q", fl.Arg(0))}
	}
	if *lang != "" && i18n.Negotiate(*lang) != *lang {
		return usageError{fmt.Sprintf("chat: unknown -lang %q: want en, nb, ru or fa", *lang)}
	}
	locale := cmp.Or(*lang, getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG"))
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	a, err := start(ctx, c, stderr, nil)
	if err != nil {
		return err
	}
	defer a.pool.Close()
	chat := &terminal.Chat{
		Engine: a.engine, Outbox: a.store, Texts: a.texts,
		User: *user, Locale: locale,
		In: stdin, Out: stdout, Interactive: isTerminal(stdin),
	}
	return chat.Run(ctx)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func runLint(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 {
		return usageError{"lint: want at most one directory"}
	}
	c, err := loadConfig(getenv)
	if len(args) == 1 {
		c.QuestionsDir = args[0]
		if fi, statErr := os.Stat(args[0]); statErr != nil || !fi.IsDir() {
			return usageError{fmt.Sprintf("lint: %q is not a readable directory", args[0])}
		}
	}
	if err != nil && len(args) == 0 {
		return err
	}
	fsys, dir := c.questions()
	b, probs := bank.Load(fsys, dir)
	for _, p := range probs {
		fmt.Fprintln(stdout, p)
	}
	failed := b == nil
	if _, err := i18n.Load(interviewbot.Locales(), "locales"); err != nil {
		fmt.Fprintln(stdout, err)
		failed = true
	}
	if failed {
		fmt.Fprintf(stderr, "lint: %d errors, %d warnings\n", len(probs.Errors()), len(probs)-len(probs.Errors()))
		return errQuiet
	}
	n := 0
	for _, t := range b.Tracks {
		n += len(t.Questions)
	}
	fmt.Fprintf(stderr, "lint: %s: %d tracks, %d questions, %d warnings\n", dir, len(b.Tracks), n, len(probs))
	return nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{"migrate: takes no arguments"}
	}
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	pool.Close()
	fmt.Fprintln(stdout, "database is up to date")
	return nil
}
