package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// This file stores the daily question: subscriptions, their claim every
// minute, and one delivery per subscriber and local date.

const subscriptionColumns = `s.user_id, s.platform, s.chat_id, s.at_minute, s.zone, s.tracks, s.stopped_at IS NOT NULL, s.next_at`

func scanSubscription(row pgx.Row, extra ...any) (interview.Subscription, error) {
	var s interview.Subscription
	var minute int16
	var next *time.Time
	dest := append([]any{&s.UserID, &s.Platform, &s.ChatID, &minute, &s.Zone, &s.Tracks, &s.Stopped, &next}, extra...)
	if err := row.Scan(dest...); err != nil {
		return s, err
	}
	s.At = interview.ClockTime{Hour: int(minute) / 60, Minute: int(minute) % 60}
	s.NextAt = deref(next)
	return s, nil
}

func (t *tx) Subscription(ctx context.Context, userID int64) (*interview.Subscription, error) {
	s, err := scanSubscription(t.QueryRow(ctx, `SELECT `+subscriptionColumns+` FROM daily_subscriptions s WHERE s.user_id = $1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("error loading subscription of user %d: %w", userID, err)
	}
	return &s, nil
}

func (t *tx) SaveSubscription(ctx context.Context, s interview.Subscription) error {
	var stopped *time.Time
	if s.Stopped {
		now := time.Now()
		stopped = &now
	}
	_, err := t.Exec(ctx, `
		INSERT INTO daily_subscriptions (user_id, platform, chat_id, at_minute, zone, tracks, stopped_at, next_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (user_id) DO UPDATE SET
			platform = EXCLUDED.platform, chat_id = EXCLUDED.chat_id, at_minute = EXCLUDED.at_minute,
			zone = EXCLUDED.zone, tracks = EXCLUDED.tracks,
			stopped_at = CASE WHEN EXCLUDED.stopped_at IS NULL THEN NULL ELSE coalesce(daily_subscriptions.stopped_at, EXCLUDED.stopped_at) END,
			next_at = EXCLUDED.next_at`,
		s.UserID, s.Platform, s.ChatID, int16(s.At.Hour*60+s.At.Minute), s.Zone, s.Tracks, stopped, nullTime(s.NextAt))
	if err != nil {
		return fmt.Errorf("error saving subscription of user %d: %w", s.UserID, err)
	}
	return nil
}

// dueSQL claims the due subscriptions of a platform through the daily_due
// index, earliest first, skipping rows another replica holds.
const dueSQL = `
	WITH due AS (
		SELECT user_id FROM daily_subscriptions
		WHERE platform = $1 AND next_at <= $2
		ORDER BY next_at
		LIMIT $3
		FOR UPDATE SKIP LOCKED
	)
	SELECT ` + subscriptionColumns + `,
	       u.external_id, u.language, u.locale, u.blocked_at,
	       (SELECT d.question_id FROM daily_deliveries d WHERE d.user_id = s.user_id ORDER BY d.local_date DESC LIMIT 1)
	FROM due JOIN daily_subscriptions s USING (user_id) JOIN users u ON u.id = s.user_id
	ORDER BY s.next_at`

func (t *tx) DueSubscriptions(ctx context.Context, platform string, now time.Time, limit int) ([]interview.Due, error) {
	rows, err := t.Query(ctx, dueSQL, platform, now, limit)
	if err != nil {
		return nil, fmt.Errorf("error claiming due subscriptions: %w", err)
	}
	defer rows.Close()
	var out []interview.Due
	for rows.Next() {
		var d interview.Due
		var language, last *string
		var blocked *time.Time
		d.Sub, err = scanSubscription(rows, &d.User.ExternalID, &language, &d.User.Locale, &blocked, &last)
		if err != nil {
			return nil, fmt.Errorf("error scanning due subscription: %w", err)
		}
		d.User.ID, d.User.Platform, d.User.BlockedAt = d.Sub.UserID, d.Sub.Platform, deref(blocked)
		d.User.Language, d.LastQuestion = deref(language), deref(last)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *tx) UserBlocked(ctx context.Context, userID int64) (blocked, busy bool, err error) {
	err = t.QueryRow(ctx, `SELECT blocked_at IS NOT NULL FROM users WHERE id = $1 FOR SHARE SKIP LOCKED`, userID).Scan(&blocked)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, true, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("error reading user %d: %w", userID, err)
	}
	return blocked, false, nil
}

func (t *tx) AddDelivery(ctx context.Context, d interview.Delivery) (bool, error) {
	tag, err := t.Exec(ctx, `
		INSERT INTO daily_deliveries (user_id, local_date, question_id, sent_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, local_date) DO NOTHING`, d.UserID, d.Date, d.QuestionID, d.SentAt)
	if err != nil {
		return false, fmt.Errorf("error recording daily delivery: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

const deliveryColumns = `user_id, local_date::text, question_id, sent_at, answer, answered_at, answer_message_id, answer_first_len, lang, covered, points, revealed_at, grade, closed_at`

func (t *tx) oneDelivery(ctx context.Context, sql string, args ...any) (*interview.Delivery, error) {
	var (
		d                          interview.Delivery
		answer, msg, lang          *string
		answered, revealed, closed *time.Time
		covered                    []int32
		grade                      *int16
		points, firstLen           int32
	)
	err := t.QueryRow(ctx, sql, args...).Scan(&d.UserID, &d.Date, &d.QuestionID, &d.SentAt, &answer, &answered, &msg, &firstLen, &lang, &covered, &points, &revealed, &grade, &closed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("error loading daily delivery: %w", err)
	}
	d.Answer, d.Answered = deref(answer), answer != nil
	d.AnswerMsg, d.Lang, d.Grade, d.Covered = deref(msg), deref(lang), gradeOf(grade), ints(covered)
	d.Points, d.FirstLen = int(points), int(firstLen)
	d.AnsweredAt, d.RevealedAt, d.ClosedAt = deref(answered), deref(revealed), deref(closed)
	return &d, nil
}

func (t *tx) Delivery(ctx context.Context, userID int64, date string) (*interview.Delivery, error) {
	return t.oneDelivery(ctx, `SELECT `+deliveryColumns+` FROM daily_deliveries WHERE user_id = $1 AND local_date = $2::date`, userID, date)
}

func (t *tx) LatestDelivery(ctx context.Context, userID int64) (*interview.Delivery, error) {
	return t.oneDelivery(ctx, `SELECT `+deliveryColumns+` FROM daily_deliveries WHERE user_id = $1 ORDER BY local_date DESC LIMIT 1`, userID)
}

func (t *tx) SaveDelivery(ctx context.Context, d interview.Delivery) error {
	answer, lang, grade, covered := answerArgs(d.Answered, d.Answer, d.Lang, d.Grade, d.Covered)
	_, err := t.Exec(ctx, `
		UPDATE daily_deliveries SET answer = $3, answered_at = $4, answer_message_id = NULLIF($5, ''), lang = $6,
			covered = $7, points = $8, revealed_at = $9, grade = $10, closed_at = $11, answer_first_len = $12
		WHERE user_id = $1 AND local_date = $2::date`,
		d.UserID, d.Date, answer, nullTime(d.AnsweredAt), d.AnswerMsg, lang, covered, d.Points, nullTime(d.RevealedAt), grade, nullTime(d.ClosedAt), d.FirstLen)
	if err != nil {
		return fmt.Errorf("error saving daily delivery: %w", err)
	}
	return nil
}

func (t *tx) AddDailyAnswerEdit(ctx context.Context, userID int64, date, previous string, at time.Time) error {
	_, err := t.Exec(ctx, `INSERT INTO daily_answer_edits (user_id, local_date, answer, replaced_at) VALUES ($1, $2::date, $3, $4)`, userID, date, previous, at)
	if err != nil {
		return fmt.Errorf("error inserting daily answer edit: %w", err)
	}
	return nil
}

func (t *tx) AnsweredDays(ctx context.Context, userID int64, limit int) ([]string, error) {
	rows, err := t.Query(ctx, `
		SELECT local_date::text FROM daily_deliveries
		WHERE user_id = $1 AND answered_at IS NOT NULL ORDER BY local_date DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("error loading answered days: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (t *tx) Reviews(ctx context.Context, userID int64) ([]interview.Review, error) {
	rows, err := t.Query(ctx, `
		SELECT question_id, grade, reviewed_at, coalesce(interview_id, 0)
		FROM reviews WHERE user_id = $1 ORDER BY reviewed_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("error loading reviews: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (interview.Review, error) {
		r := interview.Review{UserID: userID}
		var g int16
		err := row.Scan(&r.QuestionID, &g, &r.At, &r.InterviewID)
		r.Grade = interview.Grade(g)
		return r, err
	})
}

func (t *tx) AnsweredSince(ctx context.Context, userID int64, since time.Time) ([]string, error) {
	rows, err := t.Query(ctx, `
		SELECT s.question_id FROM interview_steps s JOIN interviews i ON i.id = s.interview_id
		WHERE i.user_id = $1 AND (i.status = 'active' OR i.finished_at >= $2) AND s.answered_at >= $2`, userID, since)
	if err != nil {
		return nil, fmt.Errorf("error loading today's answers: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ExplainDue runs the per-minute claim of due subscriptions under EXPLAIN
// (ANALYZE, BUFFERS) in a transaction it rolls back, and returns the plan:
// for operators checking that the claim uses the daily_due index.
func ExplainDue(ctx context.Context, pool *pgxpool.Pool, platform string, now time.Time, limit int) (string, error) {
	var plan []string
	err := pgx.BeginFunc(ctx, pool, func(t pgx.Tx) error {
		rows, err := t.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+dueSQL, platform, now, limit)
		if err != nil {
			return err
		}
		if plan, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) {
		return "", fmt.Errorf("error explaining the due claim: %w", err)
	}
	return strings.Join(plan, "\n"), nil
}

var errRollback = errors.New("rollback")
