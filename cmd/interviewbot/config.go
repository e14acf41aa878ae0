package main

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/interviewbot/interviewbot"
	"github.com/interviewbot/interviewbot/internal/bank"
)

// defaultDatabaseURL is used when DATABASE_URL is not set.
const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/interviewbot?sslmode=disable"

// config is the validated environment.
type config struct {
	DatabaseURL  string
	QuestionsDir string // "" for the built-in bank
	LogLevel     slog.Level
}

// loadConfig reads and validates the environment; a problem is a usageError
// naming the variable.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DatabaseURL:  cmp.Or(getenv("DATABASE_URL"), defaultDatabaseURL),
		QuestionsDir: getenv("QUESTIONS_DIR"),
	}
	if _, err := pgx.ParseConfig(c.DatabaseURL); err != nil {
		return c, usageError{"invalid DATABASE_URL: cannot parse it as a PostgreSQL URL or DSN (the value is not shown: it may hold a password)"}
	}
	if c.QuestionsDir != "" {
		if fi, err := os.Stat(c.QuestionsDir); err != nil || !fi.IsDir() {
			return c, usageError{fmt.Sprintf("invalid QUESTIONS_DIR: %q is not a readable directory", c.QuestionsDir)}
		}
	}
	level := cmp.Or(getenv("LOG_LEVEL"), "info")
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return c, usageError{fmt.Sprintf("invalid LOG_LEVEL %q: want debug, info, warn or error", level)}
	}
	return c, nil
}

func (c config) logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: c.LogLevel}))
}

// questions returns the question files and how their names appear in errors.
func (c config) questions() (fs.FS, string) {
	if c.QuestionsDir != "" {
		return os.DirFS(c.QuestionsDir), strings.TrimSuffix(c.QuestionsDir, "/")
	}
	return interviewbot.Questions(), "questions"
}

// loadBank loads and validates the question bank, printing every problem.
func loadBank(c config, stderr io.Writer) (*bank.Bank, error) {
	fsys, dir := c.questions()
	b, probs := bank.Load(fsys, dir)
	if b == nil {
		for _, p := range probs {
			fmt.Fprintln(stderr, p)
		}
		return nil, fmt.Errorf("the question bank in %s has %d errors; run `interviewbot lint %s` for details", dir, len(probs.Errors()), dir)
	}
	return b, nil
}
