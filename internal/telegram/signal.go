package telegram

import (
	"sync"
	"time"
)

// Signal wakes every goroutine waiting on it. The zero value is ready.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// C returns a channel that is closed at the next Notify.
func (s *Signal) C() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes everyone waiting on a channel from C.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// repeat calls step until stop is closed: at once again when step did some
// work, else when wake is notified or poll has passed. The wake channel is
// taken before each step, so a notify during the step is not lost.
func repeat(stop <-chan struct{}, wake *Signal, poll time.Duration, step func() (worked bool)) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		woken := wake.C()
		if step() {
			continue
		}
		select {
		case <-stop:
			return
		case <-woken:
		case <-time.After(poll):
		}
	}
}
