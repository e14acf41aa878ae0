package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// Pending returns the chat's unsent messages in the order they were queued.
func (s *Store) Pending(ctx context.Context, platform, chatID string) ([]interview.Queued, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, payload FROM outbox
		WHERE platform = $1 AND chat_id = $2 AND sent_at IS NULL ORDER BY id`, platform, chatID)
	if err != nil {
		return nil, fmt.Errorf("error querying outbox: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (interview.Queued, error) {
		var m interview.Queued
		var payload []byte
		if err := r.Scan(&m.ID, &payload); err != nil {
			return m, err
		}
		if err := json.Unmarshal(payload, &m.Reply); err != nil {
			return m, fmt.Errorf("error decoding outbox message %d: %w", m.ID, err)
		}
		return m, nil
	})
}

// MarkSent records that the messages were delivered.
func (s *Store) MarkSent(ctx context.Context, ids []int64) error {
	if _, err := s.pool.Exec(ctx, `UPDATE outbox SET sent_at = now() WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("error marking outbox messages sent: %w", err)
	}
	return nil
}
