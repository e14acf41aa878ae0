package interview

import (
	"context"
	"time"
)

// Event is one thing a user did: typed text, pressed a button, or (Resume)
// reconnected, for example by starting the terminal chat again.
type Event struct {
	Platform  string // "terminal", "telegram", …
	UserID    string // the user's id on the platform
	ChatID    string // where replies go
	Thread    string // the topic thread in a forum chat, if any
	Group     bool   // the chat is a group, not a private chat
	MessageID string // the platform's id of the user's message, or of the bot's message whose button was pressed
	ReplyData string // when the message replies to a bot message with buttons: the data of its first button
	Locale    string // the client's language hint, e.g. Telegram's language_code
	Kind      Kind
	Text      string // what the user typed, exactly
	Data      string // the data of the pressed button, if a button was pressed
	Resume    bool   // re-show where the user is
}

// Kind says what kind of event an Event is, beyond typed text and buttons.
type Kind string

// Event kinds.
const (
	KindMessage      Kind = ""            // typed text or a pressed button
	KindEdit         Kind = "edit"        // the user edited an earlier message (MessageID) to Text
	KindNonText      Kind = "non_text"    // a photo, sticker, voice message, file, …
	KindBlocked      Kind = "blocked"     // the user blocked the bot
	KindUnblocked    Kind = "unblocked"   // the user unblocked the bot
	KindAddedToGroup Kind = "added_group" // the bot was added to a group
)

// Reply is one message to send.
type Reply struct {
	Platform string     `json:"platform"`
	ChatID   string     `json:"chat_id"`
	Thread   string     `json:"thread,omitempty"`
	Lang     string     `json:"lang"`
	Text     string     `json:"text"`
	Buttons  [][]Button `json:"buttons,omitempty"`
	// Answer is true when the bot now waits for a free-text answer, so a
	// client can offer multi-line input.
	Answer bool `json:"answer,omitempty"`
	// Edit, when set, is the id of a message of the bot (such as the one
	// whose button was pressed) that this reply replaces in place; a client
	// that cannot edit shows it as a new message.
	Edit string `json:"edit,omitempty"`
}

// Queued is a reply waiting in the outbox.
type Queued struct {
	ID    int64
	Reply Reply
}

// Button is an inline choice; Data comes back in Event.Data when it is pressed.
type Button struct {
	Label string `json:"label"`
	Data  string `json:"data"`
}

// Grade is a self-grade, as in spaced-repetition systems.
type Grade int

// The four self-grades.
const (
	Again Grade = 1
	Hard  Grade = 2
	Good  Grade = 3
	Easy  Grade = 4
)

// User is a person talking to the bot on one platform.
type User struct {
	ID         int64
	Platform   string
	ExternalID string
	Language   string // chosen with /language; "" when never chosen
	Locale     string // the last client language hint
	Dialog     Dialog
	BlockedAt  time.Time // when the user blocked the bot; zero if they have not
	New        bool      // created by this event
}

// Dialog is a choice the bot is waiting for outside a question. While a
// track, length or restart choice is pending, typed text gets a reminder to
// choose; a language or history choice is soft: typing goes on as if it
// were not there.
type Dialog struct {
	Kind  string `json:"kind,omitempty"`  // "" or one of the Dialog kinds
	Track string `json:"track,omitempty"` // with DialogLength

	// The daily question's settings so far, while they are being chosen.
	Time   string `json:"time,omitempty"`   // "07:30"
	Zone   string `json:"zone,omitempty"`   // a zone name ParseZone reads
	Tracks string `json:"tracks,omitempty"` // chosen track ids, comma-separated
	Change bool   `json:"change,omitempty"` // changing one setting of a subscription, not setting up
}

// Dialog kinds.
const (
	DialogTrack    = "track"
	DialogLength   = "length"
	DialogRestart  = "restart"
	DialogLanguage = "language"
	DialogHistory  = "history"

	DialogDailyTime   = "daily_time"
	DialogDailyZone   = "daily_zone"
	DialogDailyTracks = "daily_tracks"
)

// soft reports whether typed text may ignore the pending choice.
func (d Dialog) soft() bool { return d.Kind == DialogLanguage || d.Kind == DialogHistory }

// Interview statuses.
const (
	StatusActive   = "active"
	StatusFinished = "finished"
	StatusStopped  = "stopped"
)

// Interview is one mock interview: a run of questions from a track.
type Interview struct {
	ID          int64
	UserID      int64
	Track       string
	QuestionIDs []string
	Status      string
	StartedAt   time.Time
	FinishedAt  time.Time // zero while active
	Steps       []Step    // the questions asked so far, in order
}

// Step is one asked question and what became of it.
type Step struct {
	Position   int // 1-based
	QuestionID string
	AskedAt    time.Time
	Answer     string // exactly as typed
	Answered   bool
	AnswerMsg  string // the platform's id of the message the answer came in
	FirstLen   int    // bytes of Answer that came in AnswerMsg (the rest was added after); 0: all of it
	AnsweredAt time.Time
	Lang       string // the language the answer was judged in
	Covered    []int  // indexes of the key points the answer covered
	Points     int    // how many key points the question had in Lang
	Skipped    bool   // skipped without an answer
	Grade      Grade  // 0 when not graded
	ClosedAt   time.Time
}

// Open reports whether the step still waits for an answer or a grade.
func (s *Step) Open() bool { return s.ClosedAt.IsZero() }

// Current returns the last asked step, or nil.
func (iv *Interview) Current() *Step {
	if len(iv.Steps) == 0 {
		return nil
	}
	return &iv.Steps[len(iv.Steps)-1]
}

// Review is one self-grade in the append-only review log.
type Review struct {
	UserID      int64
	QuestionID  string
	Grade       Grade
	At          time.Time
	InterviewID int64
}

// Store runs work in transactions.
type Store interface {
	// InTx runs fn in one transaction, committed when fn returns nil.
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Tx is what the engine reads and writes inside one transaction.
type Tx interface {
	// User returns the user, creating them if new, and locks them until the
	// transaction ends so that one user's events are handled one at a time.
	// A non-empty locale is remembered as the user's latest language hint.
	User(ctx context.Context, platform, externalID, locale string) (User, error)
	SaveUser(ctx context.Context, u User) error
	// ActiveInterview returns the user's active interview with its steps, or nil.
	ActiveInterview(ctx context.Context, userID int64) (*Interview, error)
	// Interview returns one of the user's interviews with its steps, or nil.
	Interview(ctx context.Context, userID, id int64) (*Interview, error)
	// Interviews returns the user's latest interviews with their steps, newest first.
	Interviews(ctx context.Context, userID int64, limit int) ([]Interview, error)
	// CreateInterview stores a new interview and sets its ID.
	CreateInterview(ctx context.Context, iv *Interview) error
	// SaveInterview stores an interview's status and finish time.
	SaveInterview(ctx context.Context, iv *Interview) error
	// SaveStep inserts or updates one step of an interview.
	SaveStep(ctx context.Context, interviewID int64, s Step) error
	// AddAnswerEdit keeps the answer a step had before the user edited it.
	AddAnswerEdit(ctx context.Context, interviewID int64, position int, previous string, at time.Time) error
	// AddReview appends to the review log.
	AddReview(ctx context.Context, r Review) error
	// Enqueue queues a reply for sending.
	Enqueue(ctx context.Context, r Reply) error

	// Subscription returns the user's daily-question subscription, or nil.
	Subscription(ctx context.Context, userID int64) (*Subscription, error)
	// SaveSubscription creates or updates a subscription.
	SaveSubscription(ctx context.Context, s Subscription) error
	// DueSubscriptions locks up to limit subscriptions of platform whose
	// next delivery is at or before now, earliest first, skipping those
	// another transaction holds.
	DueSubscriptions(ctx context.Context, platform string, now time.Time, limit int) ([]Due, error)
	// UserBlocked reports whether the user has blocked the bot, as
	// committed now; busy is true (and blocked meaningless) while another
	// transaction holds the user.
	UserBlocked(ctx context.Context, userID int64) (blocked, busy bool, err error)
	// AddDelivery records a day's delivery. It returns false, and records
	// nothing, when the user's local date already has one.
	AddDelivery(ctx context.Context, d Delivery) (bool, error)
	// Delivery returns the user's delivery of a local date, or nil.
	Delivery(ctx context.Context, userID int64, date string) (*Delivery, error)
	// LatestDelivery returns the user's most recent delivery, or nil.
	LatestDelivery(ctx context.Context, userID int64) (*Delivery, error)
	// AddDailyAnswerEdit keeps the answer a delivery had before the user edited it.
	AddDailyAnswerEdit(ctx context.Context, userID int64, date, previous string, at time.Time) error
	// SaveDelivery stores a delivery's answer, reveal and grade.
	SaveDelivery(ctx context.Context, d Delivery) error
	// AnsweredDays returns the local dates of the user's answered
	// deliveries, newest first, at most limit.
	AnsweredDays(ctx context.Context, userID int64, limit int) ([]string, error)
	// Reviews returns the user's whole review log, oldest first.
	Reviews(ctx context.Context, userID int64) ([]Review, error)
	// AnsweredSince returns the questions the user answered in interviews at or after t.
	AnsweredSince(ctx context.Context, userID int64, t time.Time) ([]string, error)
}

// Subscription is a user's daily question: when, where and from which tracks.
type Subscription struct {
	UserID   int64
	Platform string
	ChatID   string // where the questions go
	At       ClockTime
	Zone     string    // a name ParseZone reads: "Europe/Oslo", "UTC+03:30"
	Tracks   []string  // track ids
	Stopped  bool      // turned off by the user
	NextAt   time.Time // the next delivery; zero when stopped or paused
}

// Due is a subscription whose delivery is due, with its user and the
// question of its latest delivery.
type Due struct {
	Sub          Subscription
	User         User
	LastQuestion string // "" before the first delivery
}

// Delivery is one day's daily question to one user and what became of it.
type Delivery struct {
	UserID     int64
	Date       string // the local date, "2006-01-02"
	QuestionID string
	SentAt     time.Time
	Answer     string // exactly as typed
	Answered   bool
	AnsweredAt time.Time
	AnswerMsg  string
	FirstLen   int    // bytes of Answer that came in AnswerMsg (the rest was added after); 0: all of it
	Lang       string // the language the answer was judged in
	Covered    []int
	Points     int
	RevealedAt time.Time // zero until the reference answer was shown
	Grade      Grade
	ClosedAt   time.Time // graded
}

// Translator gives the bot's texts in the user's language.
type Translator interface {
	Text(lang, id string, data map[string]any) string
	Plural(lang, id string, n int, data map[string]any) string
	Languages() []string
	Negotiate(locale string) string
}
