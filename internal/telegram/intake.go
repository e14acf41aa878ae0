package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// incoming reads the update_id and chat key of raw updates. An update whose
// chat cannot be read is still stored (under no chat) so that nothing is
// lost; only one without an update_id is refused.
func incoming(raws []json.RawMessage) ([]interview.Incoming, error) {
	out := make([]interview.Incoming, 0, len(raws))
	for _, raw := range raws {
		id, key, err := ChatKey(raw)
		if err != nil {
			var bare struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &bare) != nil || bare.ID == 0 {
				return nil, fmt.Errorf("update without update_id: %.200s", raw)
			}
			id, key = bare.ID, ""
		}
		out = append(out, interview.Incoming{ID: id, ChatKey: key, Raw: raw})
	}
	return out, nil
}

// Leader is a lock that only one replica holds at a time.
type Leader interface {
	Alive(ctx context.Context) error
	Release()
}

// Poller long-polls getUpdates and stores each batch in the inbox before it
// asks for the next, so the offset that confirms a batch to Telegram is sent
// only after the batch is committed.
type Poller struct {
	BaseURL string // the Bot API server, e.g. https://api.telegram.org
	Token   string
	Client  *http.Client
	Inbox   Inbox
	Lead    func(ctx context.Context) (Leader, error) // nil Leader: someone else polls
	Log     *slog.Logger
	Wake    *Signal       // notified after updates were stored
	Timeout time.Duration // long-poll timeout; 0 means 25 s
}

// Run polls while this replica is the leader, and waits to become the
// leader otherwise, until ctx is cancelled.
func (p *Poller) Run(ctx context.Context) {
	for ctx.Err() == nil {
		l, err := p.Lead(ctx)
		if err != nil {
			p.Log.Error("error taking the polling lock", "err", err)
		}
		if l == nil {
			sleep(ctx, time.Second)
			continue
		}
		p.Log.Info("polling for updates")
		p.poll(ctx, l)
		l.Release()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (p *Poller) poll(ctx context.Context, l Leader) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 25 * time.Second
	}
	var offset int64
	failures := 0
	lastCheck := time.Now()
	for ctx.Err() == nil {
		if time.Since(lastCheck) > 5*time.Second {
			if err := l.Alive(ctx); err != nil {
				p.Log.Error("lost the polling lock", "err", err)
				return
			}
			lastCheck = time.Now()
		}
		raws, err := p.getUpdates(ctx, offset, timeout)
		if err == nil {
			var batch []interview.Incoming
			if batch, err = incoming(raws); err == nil {
				err = p.Inbox.Add(ctx, batch)
			}
			if err == nil && len(batch) > 0 {
				for _, u := range batch {
					offset = max(offset, u.ID+1)
				}
				p.Wake.Notify()
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			wait := min(time.Duration(failures)*time.Second, 30*time.Second)
			p.Log.Warn("getUpdates failed", "err", err, "retry_in", wait)
			sleep(ctx, wait)
			continue
		}
		failures = 0
	}
}

// getUpdates asks for the updates from offset on.
func (p *Poller) getUpdates(ctx context.Context, offset int64, timeout time.Duration) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{"offset": offset, "timeout": int(timeout.Seconds())})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.BaseURL, "/")+"/bot"+p.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, p.redact(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, p.redact(err)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("error decoding getUpdates answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if !r.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}

// redact removes the bot token from an error.
func (p *Poller) redact(err error) error {
	if p.Token == "" || !strings.Contains(err.Error(), p.Token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), p.Token, "<token>"))
}

// Webhook receives updates pushed by Telegram. It answers 200 only after the
// update is stored, 401 when the secret token header is wrong (storing
// nothing), and 413 when the body is too large.
type Webhook struct {
	Secret  string
	Inbox   Inbox
	MaxBody int64 // 0 means 1 MiB
	Log     *slog.Logger
	Wake    *Signal
}

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(h.Secret)) != 1 {
		http.Error(w, "wrong secret token", http.StatusUnauthorized)
		return
	}
	limit := h.MaxBody
	if limit == 0 {
		limit = 1 << 20
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	batch, err := incoming([]json.RawMessage{body})
	if err != nil {
		h.Log.Warn("refusing a webhook request", "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := h.Inbox.Add(r.Context(), batch); err != nil {
		h.Log.Error("error storing a webhook update", "err", err)
		http.Error(w, "cannot store the update now", http.StatusServiceUnavailable)
		return
	}
	h.Wake.Notify()
	w.WriteHeader(http.StatusOK)
}
