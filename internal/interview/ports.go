package interview

import "time"

// Incoming is a raw platform update in the inbox, stored before the
// platform is told it arrived.
type Incoming struct {
	ID      int64  // the platform's update id; storing is idempotent on it
	ChatKey string // updates with the same key are handled one at a time, in ID order
	Raw     []byte
}

// Outgoing is a message or platform action waiting in the outbox.
type Outgoing struct {
	ID       int64
	Platform string
	ChatID   string
	Kind     string // "reply" for a Reply; platform actions have their own kinds
	Payload  []byte // JSON
	Attempts int    // failed attempts so far
}

// Outcome is what became of one attempt to deliver an Outgoing.
type Outcome struct {
	Sent      bool          // delivered
	ChatPause time.Duration // send nothing more to this chat for this long (rate limit, retry_after)
	Retry     time.Duration // not delivered: try again after this long
	Park      string        // cannot be delivered: keep it, with this error, for an operator
	Blocked   bool          // the user blocked the bot: mark them and park the chat's queue
	MovedTo   string        // the chat moved (group upgraded to supergroup): deliver there instead
	Deferred  bool          // not attempted, for want of send capacity: left queued as it was
	Ended     time.Time     // when the attempt's call to the platform ended (zero: no call)
	Permit    int64         // the send permit the call held (0: none), released when the outcome is recorded
}

// Grant is what a reservation of sends got.
type Grant struct {
	Sends  int           // how many of the sends, from the first, may go now
	Permit int64         // the permit they hold; 0 when none was granted
	Wait   time.Duration // when not all were granted: how long until capacity frees
}

// Send is an outgoing item about to be sent that counts toward the
// platform's rate limits.
type Send struct {
	ID      int64
	Attempt int // the item's failed attempts so far
	ChatID  string
	Pause   time.Duration // send nothing more to the chat for this long after it; 0: no per-chat limit
}
