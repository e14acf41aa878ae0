package telegram

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestWindowHoldsUnderDelays: calls that reach the server at random
// moments between their start and their end never put more than n of them
// into any one-second window at the server.
func TestWindowHoldsUnderDelays(t *testing.T) {
	t.Parallel()
	const n, calls = 10, 35
	w := newWindow(n)
	var mu sync.Mutex
	var arrived []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond) // on the way there
			mu.Lock()
			arrived = append(arrived, time.Now())
			mu.Unlock()
			time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond) // and back
			w.release()
		}()
	}
	wg.Wait()
	slices.SortFunc(arrived, func(a, b time.Time) int { return a.Compare(b) })
	for i := range arrived {
		j := i
		for j < len(arrived) && arrived[j].Sub(arrived[i]) < time.Second {
			j++
		}
		if j-i > n {
			t.Fatalf("%d calls arrived within one second from %v, limit %d", j-i, arrived[i].Sub(start), n)
		}
	}
}
