package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// Store is the interview engine's storage.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// InTx runs fn in one transaction.
func (s *Store) InTx(ctx context.Context, fn func(interview.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		x := &tx{Tx: t}
		if err := fn(x); err != nil {
			return err
		}
		return x.flush(ctx)
	})
}

// tx implements interview.Tx on a pgx transaction. Outbox rows are kept
// until flush, which inserts them in one statement before the commit.
type tx struct {
	pgx.Tx
	queued []queued

	// prefetched is the active interview (or nil) of the user User locked
	// last, read in the same statement; the first ActiveInterview call for
	// that user takes it, unless a write to interviews came first.
	prefetched   *interview.Interview
	prefetchedID int64 // the user's id; 0 when nothing is prefetched
}

// queued is an outbox row waiting for flush.
type queued struct {
	platform, chatID, kind string
	payload                []byte
}

// flush inserts the queued outbox rows, in the order they were queued (the
// order a chat's messages leave in).
func (t *tx) flush(ctx context.Context) error {
	b := &pgx.Batch{}
	t.queueFlush(b)
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("error inserting outbox rows: %w", err)
	}
	return nil
}

// queueFlush adds the insert of the queued outbox rows to b.
func (t *tx) queueFlush(b *pgx.Batch) {
	if len(t.queued) == 0 {
		return
	}
	n := len(t.queued)
	platforms, chats, kinds, payloads := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, q := range t.queued {
		platforms[i], chats[i], kinds[i], payloads[i] = q.platform, q.chatID, q.kind, string(q.payload)
	}
	b.Queue(`
		INSERT INTO outbox (platform, chat_id, kind, payload)
		SELECT p, c, k, pl::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x(p, c, k, pl, n)
		ORDER BY n`, platforms, chats, kinds, payloads)
	t.queued = nil
}

// userSQL upserts the user and locks the row.
const userSQL = `
	INSERT INTO users (platform, external_id, locale) VALUES ($1, $2, $3)
	ON CONFLICT (platform, external_id) DO UPDATE
		SET locale = CASE WHEN $3 = '' THEN users.locale ELSE $3 END
	RETURNING id, language, locale, dialog, blocked_at, xmax = 0`

// activeSQL reads a user's active interview with its steps, by the user's
// platform and external id (one row per step).
const activeSQL = `
	WITH iv AS (
		SELECT ` + interviewColumns + ` FROM interviews
		WHERE user_id = (SELECT id FROM users WHERE platform = $1 AND external_id = $2) AND status = 'active'
	)
	SELECT ` + interviewJoinColumns + `
	FROM iv LEFT JOIN interview_steps s ON s.interview_id = iv.id
	ORDER BY s.position`

// User upserts and locks the user and reads their active interview, for the
// first ActiveInterview call, in one round trip: two statements, so that the
// read takes its snapshot after the lock is granted and sees what the
// transaction that held it wrote.
func (t *tx) User(ctx context.Context, platform, externalID, locale string) (interview.User, error) {
	u := interview.User{Platform: platform, ExternalID: externalID}
	var language *string
	var dialog []byte
	var blocked *time.Time
	b := &pgx.Batch{}
	b.Queue(userSQL, platform, externalID, locale)
	b.Queue(activeSQL, platform, externalID)
	br := t.SendBatch(ctx, b)
	defer br.Close()
	if err := br.QueryRow().Scan(&u.ID, &language, &u.Locale, &dialog, &blocked, &u.New); err != nil {
		return u, fmt.Errorf("error upserting user: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return u, fmt.Errorf("error loading active interview: %w", err)
	}
	ivs, err := scanInterviews(rows)
	if err != nil {
		return u, err
	}
	if err := br.Close(); err != nil {
		return u, fmt.Errorf("error upserting user: %w", err)
	}
	u.Language, u.BlockedAt = deref(language), deref(blocked)
	if err := json.Unmarshal(dialog, &u.Dialog); err != nil {
		return u, fmt.Errorf("error decoding dialog of user %d: %w", u.ID, err)
	}
	t.prefetched, t.prefetchedID = nil, u.ID
	if len(ivs) > 0 {
		t.prefetched = &ivs[0]
	}
	return u, nil
}

func (t *tx) SaveUser(ctx context.Context, u interview.User) error {
	dialog, err := json.Marshal(u.Dialog)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `UPDATE users SET language = NULLIF($2, ''), dialog = $3, blocked_at = $4 WHERE id = $1`, u.ID, u.Language, dialog, nullTime(u.BlockedAt))
	if err != nil {
		return fmt.Errorf("error updating user: %w", err)
	}
	return nil
}

const interviewColumns = `id, user_id, track, question_ids, status, started_at, finished_at`

func (t *tx) ActiveInterview(ctx context.Context, userID int64) (*interview.Interview, error) {
	if t.prefetchedID != 0 && t.prefetchedID == userID {
		iv := t.prefetched
		t.prefetched, t.prefetchedID = nil, 0
		return iv, nil
	}
	return t.oneInterview(ctx, `SELECT `+interviewColumns+` FROM interviews WHERE user_id = $1 AND status = 'active'`, userID)
}

func (t *tx) Interview(ctx context.Context, userID, id int64) (*interview.Interview, error) {
	return t.oneInterview(ctx, `SELECT `+interviewColumns+` FROM interviews WHERE user_id = $1 AND id = $2`, userID, id)
}

func (t *tx) oneInterview(ctx context.Context, sql string, args ...any) (*interview.Interview, error) {
	ivs, err := t.interviews(ctx, sql, args...)
	if err != nil || len(ivs) == 0 {
		return nil, err
	}
	return &ivs[0], nil
}

func (t *tx) Interviews(ctx context.Context, userID int64, limit int) ([]interview.Interview, error) {
	return t.interviews(ctx, `SELECT `+interviewColumns+` FROM interviews WHERE user_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, userID, limit)
}

// interviewJoinColumns are the columns of an interview (iv) and its steps
// (s) that scanInterviews reads.
const interviewJoinColumns = `iv.id, iv.user_id, iv.track, iv.question_ids, iv.status, iv.started_at, iv.finished_at,
	s.position, s.question_id, s.asked_at, s.answer, s.answered_at, s.lang, s.covered, s.points, s.skipped, s.grade, s.closed_at, s.answer_message_id, s.answer_first_len`

// interviews runs a query for interviews and loads them with their steps in
// one round trip, newest first.
func (t *tx) interviews(ctx context.Context, sql string, args ...any) ([]interview.Interview, error) {
	rows, err := t.Query(ctx, `
		WITH iv AS (`+sql+`)
		SELECT `+interviewJoinColumns+`
		FROM iv LEFT JOIN interview_steps s ON s.interview_id = iv.id
		ORDER BY iv.started_at DESC, iv.id DESC, s.position`, args...)
	if err != nil {
		return nil, fmt.Errorf("error querying interviews: %w", err)
	}
	return scanInterviews(rows)
}

// scanInterviews reads rows of interviewJoinColumns, grouping consecutive
// rows of one interview; rows without an interview (NULL id) add none.
func scanInterviews(rows pgx.Rows) ([]interview.Interview, error) {
	defer rows.Close()
	var ivs []interview.Interview
	for rows.Next() {
		var (
			id, userID           *int64
			track, status        *string
			questionIDs          []string
			started, finished    *time.Time
			position, points     *int32
			questionID           *string
			askedAt              *time.Time
			answer, lang, msg    *string
			answeredAt, closedAt *time.Time
			skipped              *bool
			firstLen             *int32
			grade                *int16
			covered              []int32
		)
		if err := rows.Scan(&id, &userID, &track, &questionIDs, &status, &started, &finished,
			&position, &questionID, &askedAt, &answer, &answeredAt, &lang, &covered, &points, &skipped, &grade, &closedAt, &msg, &firstLen); err != nil {
			return nil, fmt.Errorf("error scanning interview: %w", err)
		}
		if id == nil {
			continue // no interview
		}
		if n := len(ivs); n == 0 || ivs[n-1].ID != *id {
			ivs = append(ivs, interview.Interview{
				ID: *id, UserID: *userID, Track: *track, QuestionIDs: questionIDs, Status: *status,
				StartedAt: *started, FinishedAt: deref(finished),
			})
		}
		if position == nil {
			continue // an interview without steps yet
		}
		st := interview.Step{Position: int(*position), QuestionID: *questionID, AskedAt: *askedAt, Points: int(*points), Skipped: *skipped}
		st.Answer, st.Answered = deref(answer), answer != nil
		st.AnswerMsg, st.Lang, st.Grade, st.Covered = deref(msg), deref(lang), gradeOf(grade), ints(covered)
		st.AnsweredAt, st.ClosedAt = deref(answeredAt), deref(closedAt)
		if firstLen != nil {
			st.FirstLen = int(*firstLen)
		}
		last := &ivs[len(ivs)-1]
		last.Steps = append(last.Steps, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error reading interviews: %w", err)
	}
	return ivs, nil
}

// answerArgs are the column values of an answer: its text (NULL when there
// is none), the language it was judged in and its grade (NULL when none),
// and the covered key points.
func answerArgs(answered bool, answer, lang string, g interview.Grade, covered []int) (*string, *string, *int16, []int32) {
	var text, language *string
	if answered {
		text = &answer
	}
	if lang != "" {
		language = &lang
	}
	var grade *int16
	if g > 0 {
		v := int16(g)
		grade = &v
	}
	points := make([]int32, len(covered))
	for i, c := range covered {
		points[i] = int32(c)
	}
	return text, language, grade, points
}

// gradeOf is the value of a nullable grade column (0 for NULL).
func gradeOf(p *int16) interview.Grade {
	if p == nil {
		return 0
	}
	return interview.Grade(*p)
}

// ints converts the covered key points as stored.
func ints(ps []int32) []int {
	var out []int
	for _, p := range ps {
		out = append(out, int(p))
	}
	return out
}

// deref is the value of a nullable column: the zero value for NULL.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (t *tx) CreateInterview(ctx context.Context, iv *interview.Interview) error {
	t.prefetched, t.prefetchedID = nil, 0
	err := t.QueryRow(ctx, `
		INSERT INTO interviews (user_id, track, question_ids, status, started_at) VALUES ($1, $2, $3, $4, $5)
		RETURNING id`, iv.UserID, iv.Track, iv.QuestionIDs, iv.Status, iv.StartedAt).Scan(&iv.ID)
	if err != nil {
		return fmt.Errorf("error inserting interview: %w", err)
	}
	return nil
}

func (t *tx) SaveInterview(ctx context.Context, iv *interview.Interview) error {
	t.prefetched, t.prefetchedID = nil, 0
	_, err := t.Exec(ctx, `UPDATE interviews SET status = $2, finished_at = $3 WHERE id = $1`, iv.ID, iv.Status, nullTime(iv.FinishedAt))
	if err != nil {
		return fmt.Errorf("error updating interview: %w", err)
	}
	return nil
}

func (t *tx) SaveStep(ctx context.Context, interviewID int64, s interview.Step) error {
	t.prefetched, t.prefetchedID = nil, 0
	answer, lang, grade, covered := answerArgs(s.Answered, s.Answer, s.Lang, s.Grade, s.Covered)
	_, err := t.Exec(ctx, `
		INSERT INTO interview_steps (interview_id, position, question_id, asked_at, answer, answered_at, lang, covered, points, skipped, grade, closed_at, answer_message_id, answer_first_len)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULLIF($13, ''), $14)
		ON CONFLICT (interview_id, position) DO UPDATE SET
			answer = EXCLUDED.answer, answered_at = EXCLUDED.answered_at, lang = EXCLUDED.lang,
			covered = EXCLUDED.covered, points = EXCLUDED.points, skipped = EXCLUDED.skipped,
			grade = EXCLUDED.grade, closed_at = EXCLUDED.closed_at, answer_message_id = EXCLUDED.answer_message_id,
			answer_first_len = EXCLUDED.answer_first_len`,
		interviewID, s.Position, s.QuestionID, s.AskedAt, answer, nullTime(s.AnsweredAt), lang, covered, s.Points, s.Skipped, grade, nullTime(s.ClosedAt), s.AnswerMsg, s.FirstLen)
	if err != nil {
		return fmt.Errorf("error saving step %d of interview %d: %w", s.Position, interviewID, err)
	}
	return nil
}

func (t *tx) AddAnswerEdit(ctx context.Context, interviewID int64, position int, previous string, at time.Time) error {
	_, err := t.Exec(ctx, `INSERT INTO answer_edits (interview_id, position, answer, replaced_at) VALUES ($1, $2, $3, $4)`, interviewID, position, previous, at)
	if err != nil {
		return fmt.Errorf("error inserting answer edit: %w", err)
	}
	return nil
}

func (t *tx) AddReview(ctx context.Context, r interview.Review) error {
	var ivID *int64
	if r.InterviewID != 0 {
		ivID = &r.InterviewID
	}
	_, err := t.Exec(ctx, `INSERT INTO reviews (user_id, question_id, grade, reviewed_at, interview_id) VALUES ($1, $2, $3, $4, $5)`,
		r.UserID, r.QuestionID, int16(r.Grade), r.At, ivID)
	if err != nil {
		return fmt.Errorf("error inserting review: %w", err)
	}
	return nil
}

// Enqueue queues a reply in the outbox.
func (t *tx) Enqueue(_ context.Context, r interview.Reply) error {
	payload, err := json.Marshal(r)
	if err != nil {
		return err
	}
	t.queued = append(t.queued, queued{platform: r.Platform, chatID: r.ChatID, kind: "reply", payload: payload})
	return nil
}
