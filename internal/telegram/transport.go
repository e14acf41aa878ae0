package telegram

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// wholeBodies is an http.RoundTripper that sends every request body in one
// piece. go-telegram/bot streams its multipart bodies through a pipe, which
// net/http sends chunked with a flush after every part: a system call (and,
// to the real Bot API, a TLS record) for each of a message's fields.
type wholeBodies struct {
	next http.RoundTripper
}

// RoundTrip reads a body of unknown length into memory and sends the
// request with its length.
func (t wholeBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength != 0 {
		return t.next.RoundTrip(r)
	}
	var buf bytes.Buffer
	_, err := io.Copy(&buf, r.Body)
	r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("error reading the request body: %w", err)
	}
	body := buf.Bytes()
	whole := r.Clone(r.Context())
	whole.ContentLength = int64(len(body))
	whole.Body = io.NopCloser(bytes.NewReader(body))
	whole.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.next.RoundTrip(whole)
}
