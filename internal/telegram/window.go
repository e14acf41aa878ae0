package telegram

import (
	"context"
	"sync"
	"time"
)

// window admits at most n calls per second as the server counts them,
// however late each call reaches it: a call starts only while fewer than n
// calls are in flight or ended within the last second. The server receives
// a call between its start and its end, so when the last of n+1 calls in
// any one-second window at the server started, the other n had not ended
// more than a second before — and it would have waited. A rate limiter
// alone cannot promise this: a call it lets through can be delayed (by a
// busy CPU or the network) and arrive together with later ones.
type window struct {
	n        int
	mu       sync.Mutex
	inflight int
	ends     []time.Time // end times of the calls of the last second, oldest first
	changed  chan struct{}
}

func newWindow(n int) *window {
	return &window{n: max(n, 1), changed: make(chan struct{})}
}

// acquire waits for a free place in the window.
func (w *window) acquire(ctx context.Context) error {
	for {
		w.mu.Lock()
		now := time.Now()
		i := 0
		for i < len(w.ends) && !w.ends[i].After(now.Add(-time.Second)) {
			i++
		}
		w.ends = w.ends[i:]
		if w.inflight+len(w.ends) < w.n {
			w.inflight++
			w.mu.Unlock()
			return nil
		}
		var wait <-chan time.Time
		if len(w.ends) > 0 {
			wait = time.After(time.Until(w.ends[0].Add(time.Second)))
		}
		changed := w.changed
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wait:
		case <-changed:
		}
	}
}

// release records that a call acquired before has ended.
func (w *window) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight--
	w.ends = append(w.ends, time.Now())
	close(w.changed)
	w.changed = make(chan struct{})
}
