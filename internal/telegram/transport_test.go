package telegram

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-telegram/bot"
)

// TestWholeBodies: go-telegram/bot's streamed multipart requests reach the
// server with their length, not chunked, and intact.
func TestWholeBodies(t *testing.T) {
	t.Parallel()
	type seen struct {
		length   int64
		encoding []string
		text     string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.ContentLength, r.TransferEncoding, r.FormValue("text")}
		_, _ = io.WriteString(w, `{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":42,"type":"private"}}}`)
	}))
	defer srv.Close()
	client := &http.Client{Transport: wholeBodies{http.DefaultTransport}}
	api, err := bot.New("1:t", bot.WithServerURL(srv.URL), bot.WithSkipGetMe(), bot.WithHTTPClient(0, client))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: 42, Text: "Hei på deg"}); err != nil {
		t.Fatal(err)
	}
	s := <-got
	if s.length <= 0 || len(s.encoding) != 0 || s.text != "Hei på deg" {
		t.Errorf("request arrived with length %d, transfer encoding %v, text %q", s.length, s.encoding, s.text)
	}
}
