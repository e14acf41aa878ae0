// Command interviewbot is a mock-interview bot. Subcommands:
//
//	interviewbot [run]                            run the bot on Telegram (the default)
//	interviewbot chat [-user NAME] [-lang CODE]   talk to the bot in the terminal
//	interviewbot lint [DIR]                       check question files (default: QUESTIONS_DIR or the built-in bank)
//	interviewbot migrate                          apply database migrations
//
// Configuration comes from the environment; see README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones in minimal container images
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr, nil)
	stop()
	if err != nil {
		if !errors.Is(err, errQuiet) {
			fmt.Fprintln(os.Stderr, "interviewbot:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError is bad usage or bad configuration: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errQuiet is a failure already reported to the user: exit status 1.
var errQuiet = errors.New("failed")

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

const usage = `usage: interviewbot <command> [arguments]

commands:
  run                              run the bot on Telegram (the default)
  chat [-user NAME] [-lang CODE]   hold a mock interview in the terminal
  lint [DIR]                       check question files and translations
  migrate                          apply database migrations

environment: DATABASE_URL, QUESTIONS_DIR, LOG_LEVEL, TELEGRAM_TOKEN, TELEGRAM_API_URL,
WEBHOOK_URL, WEBHOOK_SECRET, LISTEN_ADDR, TELEGRAM_RATE (see README.md)`

// run is the whole program, with its environment passed in so that tests
// can call it directly; hooks lets tests observe the Telegram service.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, hooks *serviceHooks) error {
	if len(args) == 0 {
		return runTelegram(ctx, nil, getenv, stderr, hooks)
	}
	switch args[0] {
	case "run":
		return runTelegram(ctx, args[1:], getenv, stderr, hooks)
	case "chat":
		return runChat(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "lint":
		return runLint(args[1:], getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
