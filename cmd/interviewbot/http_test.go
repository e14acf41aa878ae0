package main

import (
	"io"
	"net/http"
	"strings"
)

type httpResponse struct{ code int }

func postJSON(url, secret, body string) (*httpResponse, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return &httpResponse{code: resp.StatusCode}, nil
}
