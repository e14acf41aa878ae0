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
	return pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error { return fn(&tx{t}) })
}

// tx implements interview.Tx on a pgx transaction.
type tx struct{ pgx.Tx }

func (t *tx) User(ctx context.Context, platform, externalID, locale string) (interview.User, error) {
	u := interview.User{Platform: platform, ExternalID: externalID}
	var language *string
	var dialog []byte
	var blocked *time.Time
	err := t.QueryRow(ctx, `
		INSERT INTO users (platform, external_id, locale) VALUES ($1, $2, $3)
		ON CONFLICT (platform, external_id) DO UPDATE
			SET locale = CASE WHEN $3 = '' THEN users.locale ELSE $3 END
		RETURNING id, language, locale, dialog, blocked_at, xmax = 0`,
		platform, externalID, locale).Scan(&u.ID, &language, &u.Locale, &dialog, &blocked, &u.New)
	if err != nil {
		return u, fmt.Errorf("error upserting user: %w", err)
	}
	if language != nil {
		u.Language = *language
	}
	u.BlockedAt = deref(blocked)
	if err := json.Unmarshal(dialog, &u.Dialog); err != nil {
		return u, fmt.Errorf("error decoding dialog of user %d: %w", u.ID, err)
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

// interviews runs a query for interviews and loads their steps.
func (t *tx) interviews(ctx context.Context, sql string, args ...any) ([]interview.Interview, error) {
	rows, err := t.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("error querying interviews: %w", err)
	}
	ivs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (interview.Interview, error) {
		var iv interview.Interview
		var finished *time.Time
		err := r.Scan(&iv.ID, &iv.UserID, &iv.Track, &iv.QuestionIDs, &iv.Status, &iv.StartedAt, &finished)
		if finished != nil {
			iv.FinishedAt = *finished
		}
		return iv, err
	})
	if err != nil {
		return nil, fmt.Errorf("error querying interviews: %w", err)
	}
	if len(ivs) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ivs))
	index := map[int64]int{}
	for i, iv := range ivs {
		ids[i] = iv.ID
		index[iv.ID] = i
	}
	rows, err = t.Query(ctx, `
		SELECT interview_id, position, question_id, asked_at, answer, answered_at, lang, covered, points, skipped, grade, closed_at, coalesce(answer_message_id, '')
		FROM interview_steps WHERE interview_id = ANY($1) ORDER BY interview_id, position`, ids)
	if err != nil {
		return nil, fmt.Errorf("error querying steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                   int64
			s                    interview.Step
			answer, lang         *string
			answeredAt, closedAt *time.Time
			grade                *int16
			covered              []int32
		)
		if err := rows.Scan(&id, &s.Position, &s.QuestionID, &s.AskedAt, &answer, &answeredAt, &lang, &covered, &s.Points, &s.Skipped, &grade, &closedAt, &s.AnswerMsg); err != nil {
			return nil, fmt.Errorf("error scanning step: %w", err)
		}
		if answer != nil {
			s.Answer, s.Answered = *answer, true
		}
		s.AnsweredAt = deref(answeredAt)
		s.ClosedAt = deref(closedAt)
		if lang != nil {
			s.Lang = *lang
		}
		if grade != nil {
			s.Grade = interview.Grade(*grade)
		}
		for _, c := range covered {
			s.Covered = append(s.Covered, int(c))
		}
		iv := &ivs[index[id]]
		iv.Steps = append(iv.Steps, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error reading steps: %w", err)
	}
	return ivs, nil
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (t *tx) CreateInterview(ctx context.Context, iv *interview.Interview) error {
	err := t.QueryRow(ctx, `
		INSERT INTO interviews (user_id, track, question_ids, status, started_at) VALUES ($1, $2, $3, $4, $5)
		RETURNING id`, iv.UserID, iv.Track, iv.QuestionIDs, iv.Status, iv.StartedAt).Scan(&iv.ID)
	if err != nil {
		return fmt.Errorf("error inserting interview: %w", err)
	}
	return nil
}

func (t *tx) SaveInterview(ctx context.Context, iv *interview.Interview) error {
	_, err := t.Exec(ctx, `UPDATE interviews SET status = $2, finished_at = $3 WHERE id = $1`, iv.ID, iv.Status, nullTime(iv.FinishedAt))
	if err != nil {
		return fmt.Errorf("error updating interview: %w", err)
	}
	return nil
}

func (t *tx) SaveStep(ctx context.Context, interviewID int64, s interview.Step) error {
	var answer, lang *string
	if s.Answered {
		answer = &s.Answer
	}
	if s.Lang != "" {
		lang = &s.Lang
	}
	var grade *int16
	if s.Grade > 0 {
		g := int16(s.Grade)
		grade = &g
	}
	covered := make([]int32, len(s.Covered))
	for i, c := range s.Covered {
		covered[i] = int32(c)
	}
	_, err := t.Exec(ctx, `
		INSERT INTO interview_steps (interview_id, position, question_id, asked_at, answer, answered_at, lang, covered, points, skipped, grade, closed_at, answer_message_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULLIF($13, ''))
		ON CONFLICT (interview_id, position) DO UPDATE SET
			answer = EXCLUDED.answer, answered_at = EXCLUDED.answered_at, lang = EXCLUDED.lang,
			covered = EXCLUDED.covered, points = EXCLUDED.points, skipped = EXCLUDED.skipped,
			grade = EXCLUDED.grade, closed_at = EXCLUDED.closed_at, answer_message_id = EXCLUDED.answer_message_id`,
		interviewID, s.Position, s.QuestionID, s.AskedAt, answer, nullTime(s.AnsweredAt), lang, covered, s.Points, s.Skipped, grade, nullTime(s.ClosedAt), s.AnswerMsg)
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

func (t *tx) LastReviews(ctx context.Context, userID int64) (map[string]interview.Review, error) {
	rows, err := t.Query(ctx, `
		SELECT DISTINCT ON (question_id) question_id, grade, reviewed_at, coalesce(interview_id, 0)
		FROM reviews WHERE user_id = $1 ORDER BY question_id, reviewed_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("error querying reviews: %w", err)
	}
	defer rows.Close()
	out := map[string]interview.Review{}
	for rows.Next() {
		r := interview.Review{UserID: userID}
		var g int16
		if err := rows.Scan(&r.QuestionID, &g, &r.At, &r.InterviewID); err != nil {
			return nil, fmt.Errorf("error scanning review: %w", err)
		}
		r.Grade = interview.Grade(g)
		out[r.QuestionID] = r
	}
	return out, rows.Err()
}

// Enqueue queues a reply in the outbox.
func (t *tx) Enqueue(ctx context.Context, r interview.Reply) error {
	payload, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := t.Exec(ctx, `INSERT INTO outbox (platform, chat_id, payload) VALUES ($1, $2, $3)`, r.Platform, r.ChatID, payload); err != nil {
		return fmt.Errorf("error inserting outbox message: %w", err)
	}
	return nil
}
