// Package fakeapi is a fake Telegram Bot API server for tests and the load
// tool. It speaks the real HTTP protocol (multipart, form and JSON requests;
// {"ok":…} answers) and real Update JSON shapes, keeps getUpdates offset
// semantics and webhook delivery, records every call, can inject 429, 5xx,
// 403 and slow answers, and counts every breach of Telegram's rate limits.
package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits are the rate limits the fake enforces; a send beyond them is
// answered with 429 and counted as a violation.
type Limits struct {
	Global     int // messages per second in all; 0 means 30
	PerPrivate int // messages per second in one private chat; 0 means 1
	PerGroup   int // messages per minute in one group; 0 means 20
}

// Fault is an injected failure of one call.
type Fault struct {
	Code       int           // HTTP-style error code: 429, 403, 500, …; 0 only delays
	RetryAfter int           // with 429
	MigrateTo  int64         // with 400: the group moved to this supergroup id
	Delay      time.Duration // answer this late (a slow or timed-out call)
}

// Call is one recorded API call.
type Call struct {
	Method string
	Params map[string]string
	At     time.Time
	Code   int // 200, or the error code answered
}

// Message is a message the bot sent (and possibly edited).
type Message struct {
	ID        int64
	ChatID    int64
	Thread    int64
	Text      string
	ParseMode string
	Markup    string // reply_markup JSON, "" when none
	Edits     int
	SentAt    time.Time
}

// User is a simulated Telegram user.
type User struct {
	ID           int64
	FirstName    string
	LanguageCode string
}

// Server is a fake Bot API.
type Server struct {
	Token  string
	Limits Limits
	// OnSend, when set, is called with each message the bot sends, as it
	// is stored; it must be quick (it runs under the server's lock).
	OnSend func(Message)
	http   *httptest.Server

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every change
	nextUpdate  int64
	pending     []update // not yet confirmed
	webhook     string
	secret      string
	deliverStop context.CancelFunc
	calls       []Call
	messages    []*Message
	nextMessage int64
	faults      map[string][]Fault
	blocked     map[int64]bool
	migrated    map[int64]int64
	callbacks   map[string]bool // callback query id → answered
	commands    map[string]string
	violations  int
	sends       []time.Time
	chatSends   map[int64][]time.Time
}

type update struct {
	id  int64
	raw json.RawMessage
}

// New starts a fake Bot API for token on a loopback port.
func New(token string) *Server {
	s := &Server{
		Token: token, changed: make(chan struct{}), nextUpdate: 100000, nextMessage: 1,
		faults: map[string][]Fault{}, blocked: map[int64]bool{}, migrated: map[int64]int64{},
		callbacks: map[string]bool{}, commands: map[string]string{}, chatSends: map[int64][]time.Time{},
	}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the server's base URL, for TELEGRAM_API_URL.
func (s *Server) URL() string { return s.http.URL }

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	if s.deliverStop != nil {
		s.deliverStop()
	}
	s.mu.Unlock()
	s.http.CloseClientConnections()
	s.http.Close()
}

// notify wakes everyone waiting for a change; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wait blocks until cond holds or ctx ends; cond is evaluated again after
// every change (sent message, stored call, confirmed update).
func (s *Server) Wait(ctx context.Context, cond func(s *Server) bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Inject queues faults for the next calls of method, in order.
func (s *Server) Inject(method string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], faults...)
}

// Block makes every send to chat fail with 403, as when a user blocked the bot.
func (s *Server) Block(chat int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chat] = true
}

// Unblock lets sends to chat succeed again, as when the user unblocked the bot.
func (s *Server) Unblock(chat int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chat)
}

// Migrate makes sends to a group fail with 400 and migrate_to_chat_id, as
// when it was upgraded to a supergroup.
func (s *Server) Migrate(group, supergroup int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.migrated[group] = supergroup
}

// Violations is how many sends broke the rate limits.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// Calls returns the recorded calls of method (all calls when method is "").
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns copies of the messages the bot sent to chat, in order.
func (s *Server) Messages(chat int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.ChatID == chat {
			out = append(out, *m)
		}
	}
	return out
}

// MessageCount is how many messages the bot sent to chat.
func (s *Server) MessageCount(chat int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.messages {
		if m.ChatID == chat {
			n++
		}
	}
	return n
}

// Sent is how many messages the bot sent in all.
func (s *Server) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.messages)
}

// LastMessage returns the last message the bot sent to chat, or nil.
func (s *Server) LastMessage(chat int64) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.messages) - 1; i >= 0; i-- {
		if s.messages[i].ChatID == chat {
			m := *s.messages[i]
			return &m
		}
	}
	return nil
}

// Pending is how many updates are not yet confirmed by the bot.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Commands returns the command list set for a language ("" for the default).
func (s *Server) Commands(lang string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[lang]
}

// CallbackAnswered reports whether the callback query was answered.
func (s *Server) CallbackAnswered(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbacks[id]
}

// Webhook returns the webhook URL set, or "".
func (s *Server) Webhook() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// serve answers one Bot API request: /bot<token>/<method>.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot"+s.Token+"/")
	if !ok {
		writeError(w, 401, "Unauthorized", nil)
		return
	}
	params, err := parseParams(r)
	if err != nil {
		writeError(w, 400, "Bad Request: "+err.Error(), nil)
		return
	}
	method := rest
	s.mu.Lock()
	var fault *Fault
	if q := s.faults[method]; len(q) > 0 {
		fault = &q[0]
		s.faults[method] = q[1:]
	}
	s.mu.Unlock()
	if fault != nil && fault.Delay > 0 {
		select {
		case <-time.After(fault.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if fault != nil && fault.Code != 0 {
		s.record(method, params, fault.Code)
		extra := map[string]any{}
		desc := http.StatusText(fault.Code)
		switch {
		case fault.Code == 429:
			extra["retry_after"] = fault.RetryAfter
			desc = fmt.Sprintf("Too Many Requests: retry after %d", fault.RetryAfter)
		case fault.MigrateTo != 0:
			extra["migrate_to_chat_id"] = fault.MigrateTo
			desc = "Bad Request: group chat was upgraded to a supergroup chat"
		case fault.Code == 403:
			desc = "Forbidden: bot was blocked by the user"
		}
		writeError(w, fault.Code, desc, extra)
		return
	}
	if method == "getUpdates" {
		s.getUpdates(w, r, params)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	code, result, desc, extra := s.handle(method, params)
	s.calls = append(s.calls, Call{Method: method, Params: params, At: time.Now(), Code: code})
	s.notify()
	if code != 200 {
		writeError(w, code, desc, extra)
		return
	}
	writeResult(w, result)
}

func (s *Server) record(method string, params map[string]string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: method, Params: params, At: time.Now(), Code: code})
	s.notify()
}

// handle runs one method under s.mu and returns the answer.
func (s *Server) handle(method string, p map[string]string) (code int, result any, desc string, extra map[string]any) {
	switch method {
	case "getMe":
		return 200, map[string]any{"id": 1, "is_bot": true, "first_name": "Interview Bot", "username": "interview_test_bot", "can_join_groups": true}, "", nil
	case "setWebhook":
		if p["url"] == "" {
			return 400, nil, "Bad Request: bad webhook: URL is empty", nil
		}
		s.webhook, s.secret = p["url"], p["secret_token"]
		s.startDelivery()
		return 200, true, "", nil
	case "deleteWebhook":
		s.webhook, s.secret = "", ""
		if s.deliverStop != nil {
			s.deliverStop()
			s.deliverStop = nil
		}
		if p["drop_pending_updates"] == "true" {
			s.pending = nil
		}
		return 200, true, "", nil
	case "setMyCommands":
		var cmds []map[string]string
		if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil || len(cmds) == 0 {
			return 400, nil, "Bad Request: commands must be a non-empty JSON array", nil
		}
		s.commands[p["language_code"]] = p["commands"]
		return 200, true, "", nil
	case "answerCallbackQuery":
		id := p["callback_query_id"]
		answered, known := s.callbacks[id]
		if !known || answered {
			return 400, nil, "Bad Request: query is too old and response timeout expired or query ID is invalid", nil
		}
		s.callbacks[id] = true
		return 200, true, "", nil
	case "sendMessage":
		return s.sendMessage(p)
	case "editMessageText", "editMessageReplyMarkup":
		return s.edit(method, p)
	case "getChatMember":
		return 200, map[string]any{"status": "member", "user": map[string]any{"id": atoi(p["user_id"]), "is_bot": false, "first_name": "User"}}, "", nil
	case "getChatAdministrators":
		return 200, []any{map[string]any{"status": "creator", "user": map[string]any{"id": 42, "is_bot": false, "first_name": "Admin"}, "is_anonymous": false}}, "", nil
	}
	return 404, nil, "Not Found: method not found", nil
}

func (s *Server) sendMessage(p map[string]string) (int, any, string, map[string]any) {
	chat := atoi(p["chat_id"])
	if chat == 0 {
		return 400, nil, "Bad Request: chat not found", nil
	}
	if to, ok := s.migrated[chat]; ok {
		return 400, nil, "Bad Request: group chat was upgraded to a supergroup chat", map[string]any{"migrate_to_chat_id": to}
	}
	if s.blocked[chat] {
		return 403, nil, "Forbidden: bot was blocked by the user", nil
	}
	text := p["text"]
	if p["parse_mode"] == "HTML" {
		plain, err := checkHTML(text)
		if err != nil {
			return 400, nil, "Bad Request: can't parse entities: " + err.Error(), nil
		}
		text = plain
	}
	if strings.TrimSpace(text) == "" {
		return 400, nil, "Bad Request: message text is empty", nil
	}
	if n := utf16Len(text); n > 4096 {
		return 400, nil, "Bad Request: message is too long", nil
	}
	if err := checkMarkup(p["reply_markup"]); err != nil {
		return 400, nil, "Bad Request: " + err.Error(), nil
	}
	now := time.Now()
	if retry := s.overLimit(chat, now); retry > 0 {
		s.violations++
		return 429, nil, fmt.Sprintf("Too Many Requests: retry after %d", retry), map[string]any{"retry_after": retry}
	}
	m := &Message{ID: s.nextMessage, ChatID: chat, Thread: atoi(p["message_thread_id"]), Text: p["text"], ParseMode: p["parse_mode"], Markup: p["reply_markup"], SentAt: now}
	s.nextMessage++
	s.messages = append(s.messages, m)
	if s.OnSend != nil {
		s.OnSend(*m)
	}
	return 200, s.messageJSON(m), "", nil
}

// overLimit records a send at now and returns a retry_after when it breaks
// a limit.
func (s *Server) overLimit(chat int64, now time.Time) int {
	global, private, group := s.Limits.Global, s.Limits.PerPrivate, s.Limits.PerGroup
	if global == 0 {
		global = 30
	}
	if private == 0 {
		private = 1
	}
	if group == 0 {
		group = 20
	}
	s.sends = trim(append(s.sends, now), now.Add(-time.Second))
	window, limit := time.Second, private
	if chat < 0 {
		window, limit = time.Minute, group
	}
	s.chatSends[chat] = trim(append(s.chatSends[chat], now), now.Add(-window))
	switch {
	case len(s.sends) > global:
		return 1
	case len(s.chatSends[chat]) > limit:
		return int(window / time.Second)
	}
	return 0
}

// trim drops the times at or before since.
func trim(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(since) {
		i++
	}
	return ts[i:]
}

func (s *Server) edit(method string, p map[string]string) (int, any, string, map[string]any) {
	chat, id := atoi(p["chat_id"]), atoi(p["message_id"])
	var m *Message
	for _, x := range s.messages {
		if x.ChatID == chat && x.ID == id {
			m = x
		}
	}
	if m == nil {
		return 400, nil, "Bad Request: message to edit not found", nil
	}
	if err := checkMarkup(p["reply_markup"]); err != nil {
		return 400, nil, "Bad Request: " + err.Error(), nil
	}
	if method == "editMessageText" {
		if _, err := checkHTML(p["text"]); p["parse_mode"] == "HTML" && err != nil {
			return 400, nil, "Bad Request: can't parse entities: " + err.Error(), nil
		}
		m.Text, m.ParseMode = p["text"], p["parse_mode"]
	}
	if m.Markup == p["reply_markup"] && method == "editMessageReplyMarkup" {
		return 400, nil, "Bad Request: message is not modified", nil
	}
	m.Markup = p["reply_markup"]
	m.Edits++
	return 200, s.messageJSON(m), "", nil
}

func (s *Server) messageJSON(m *Message) map[string]any {
	chatType := "private"
	if m.ChatID < 0 {
		chatType = "supergroup"
	}
	out := map[string]any{
		"message_id": m.ID, "date": m.SentAt.Unix(), "text": m.Text,
		"chat": map[string]any{"id": m.ChatID, "type": chatType},
		"from": map[string]any{"id": 1, "is_bot": true, "first_name": "Interview Bot", "username": "interview_test_bot"},
	}
	if m.Thread != 0 {
		out["message_thread_id"] = m.Thread
	}
	if m.Markup != "" {
		out["reply_markup"] = json.RawMessage(m.Markup)
	}
	return out
}

// getUpdates answers with the updates from offset on, waiting up to timeout
// seconds for one; an offset confirms (forgets) every earlier update.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, limit, timeout := atoi(p["offset"]), int(atoi(p["limit"])), atoi(p["timeout"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	for {
		s.mu.Lock()
		if s.webhook != "" {
			s.calls = append(s.calls, Call{Method: "getUpdates", Params: p, At: time.Now(), Code: 409})
			s.notify()
			s.mu.Unlock()
			writeError(w, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", nil)
			return
		}
		if offset > 0 {
			i := 0
			for i < len(s.pending) && s.pending[i].id < offset {
				i++
			}
			if i > 0 {
				s.pending = slices.Clone(s.pending[i:])
				s.notify()
			}
		}
		var out []json.RawMessage
		for _, u := range s.pending {
			if len(out) < limit {
				out = append(out, u.raw)
			}
		}
		ch := s.changed
		if len(out) > 0 || !time.Now().Before(deadline) {
			s.calls = append(s.calls, Call{Method: "getUpdates", Params: p, At: time.Now(), Code: 200})
			s.notify()
			s.mu.Unlock()
			if out == nil {
				out = []json.RawMessage{}
			}
			writeResult(w, out)
			return
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
		case <-r.Context().Done():
			return
		}
	}
}

// startDelivery posts pending updates to the webhook, one at a time and in
// order, until each is answered 200; s.mu must be held.
func (s *Server) startDelivery() {
	if s.deliverStop != nil {
		s.deliverStop()
	}
	ctx, stop := context.WithCancel(context.Background())
	s.deliverStop = stop
	go func() {
		backoff := 10 * time.Millisecond
		for {
			s.mu.Lock()
			var next *update
			if len(s.pending) > 0 {
				next = &s.pending[0]
			}
			hook, secret, ch := s.webhook, s.secret, s.changed
			s.mu.Unlock()
			if next == nil {
				select {
				case <-ch:
					continue
				case <-ctx.Done():
					return
				}
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(next.raw))
			req.Header.Set("Content-Type", "application/json")
			if secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err == nil && resp.StatusCode == 200 {
				s.mu.Lock()
				if len(s.pending) > 0 && s.pending[0].id == next.id {
					s.pending = slices.Clone(s.pending[1:])
					s.notify()
				}
				s.mu.Unlock()
				backoff = 10 * time.Millisecond
				continue
			}
			select {
			case <-time.After(backoff):
				backoff = min(2*backoff, time.Second)
			case <-ctx.Done():
				return
			}
		}
	}()
}

func writeResult(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func writeError(w http.ResponseWriter, code int, desc string, params map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if len(params) > 0 {
		body["parameters"] = params
	}
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// parseParams reads a request's parameters from a multipart form, a URL
// encoded form, a JSON object or the query string. JSON values that are
// not strings are kept as JSON text, as the Bot API reads them.
func parseParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return nil, err
			}
			out[part.FormName()] = string(data)
		}
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range vals {
			out[k] = v[0]
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
			return nil, err
		}
		for k, v := range obj {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(v)
			}
		}
	}
	return out, nil
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

var (
	tagPattern    = regexp.MustCompile(`<(/?)([a-zA-Z-]+)([^>]*)>`)
	entityPattern = regexp.MustCompile(`&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);`)
	allowedTags   = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true, "strike": true, "del": true, "code": true, "pre": true, "a": true, "tg-spoiler": true, "span": true, "blockquote": true, "tg-emoji": true}
)

// checkHTML validates text as Telegram's HTML parse mode does — only the
// supported tags, properly nested, '<' and '&' escaped — and returns the
// plain text.
func checkHTML(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", fmt.Errorf("text must be UTF-8")
	}
	var stack []string
	var plain strings.Builder
	rest := text
	for {
		loc := tagPattern.FindStringSubmatchIndex(rest)
		chunk := rest
		if loc != nil {
			chunk = rest[:loc[0]]
		}
		if strings.ContainsAny(chunk, "<>") {
			return "", fmt.Errorf("unsupported start tag or unescaped '<' or '>'")
		}
		for _, amp := range strings.Split(chunk, "&")[1:] {
			if !entityPattern.MatchString("&" + amp[:min(len(amp), 12)]) {
				return "", fmt.Errorf("unescaped '&'")
			}
		}
		plain.WriteString(html.UnescapeString(chunk))
		if loc == nil {
			break
		}
		closing, name := rest[loc[2]:loc[3]] == "/", strings.ToLower(rest[loc[4]:loc[5]])
		if !allowedTags[name] {
			return "", fmt.Errorf("unsupported start tag %q", name)
		}
		if closing {
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return "", fmt.Errorf("unmatched end tag %q", name)
			}
			stack = stack[:len(stack)-1]
		} else {
			stack = append(stack, name)
		}
		rest = rest[loc[1]:]
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("unclosed tag %q", stack[len(stack)-1])
	}
	return plain.String(), nil
}

// checkMarkup validates an inline keyboard: callback data is 1–64 bytes.
func checkMarkup(markup string) error {
	if markup == "" {
		return nil
	}
	var m struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(markup), &m); err != nil {
		return fmt.Errorf("can't parse reply keyboard markup JSON object")
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return fmt.Errorf("text buttons are unallowed in the inline keyboard")
			}
			if n := len(b.CallbackData); n == 0 || n > 64 {
				return fmt.Errorf("BUTTON_DATA_INVALID")
			}
		}
	}
	return nil
}
