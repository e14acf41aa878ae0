package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// build compiles the interviewbot binary once per test run.
func build(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "interviewbot-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "interviewbot")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building interviewbot: %v", buildErr)
	}
	return binary
}

// proc is a running `interviewbot chat`.
type proc struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func (b *bundle) start(args ...string) *proc {
	b.t.Helper()
	cmd := exec.Command(build(b.t), append([]string{"chat"}, args...)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+b.env["DATABASE_URL"], "QUESTIONS_DIR="+b.env["QUESTIONS_DIR"], "LOG_LEVEL=warn")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	p := &proc{t: b.t, cmd: cmd, stdin: stdin, lines: make(chan string, 1000)}
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			p.lines <- s.Text()
		}
		close(p.lines)
	}()
	b.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return p
}

// until types input and waits for a line containing want.
func (p *proc) until(input, want string) {
	p.t.Helper()
	if input != "" {
		if _, err := io.WriteString(p.stdin, input); err != nil {
			p.t.Fatal(err)
		}
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("output ended before %q", want)
			}
			if strings.Contains(line, want) {
				return
			}
		case <-timeout:
			p.t.Fatalf("no %q within 20 s", want)
		}
	}
}

func (p *proc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// TestChatSurvivesSIGKILL kills the chat process with SIGKILL at two points
// of an interview; each restart continues where it was, and what was typed
// before the kill is saved.
func TestChatSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.start("-user", "max", "-lang", "en")
	p.until("/interview\n1\n1\n", "Question 1 of 3")
	p.until("my answer,\nkept across a kill\n\n", "How did you do?")
	p.kill()

	p = b.start("-user", "max", "-lang", "en")
	p.until("", "Welcome back")
	p.until("", "How did you do?") // the pending grade is asked again
	p.until("3\n", "Question 2 of 3")
	p.kill()

	p = b.start("-user", "max", "-lang", "en")
	p.until("", "Question 2 of 3")
	p.until("/stop\n", "Interview stopped")
	steps := b.steps("max")
	if len(steps) != 2 || deref(steps[0].Answer) != "my answer,\nkept across a kill" || steps[0].Grade != 3 || !steps[1].Skipped {
		t.Errorf("steps after kills: %s", describe(steps))
	}
}
