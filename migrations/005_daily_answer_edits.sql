-- Edits of daily answers: the edited message's part of the answer, and the
-- history of what an answer was before each edit.

ALTER TABLE daily_deliveries ADD COLUMN answer_first_len int NOT NULL DEFAULT 0; -- bytes of the answer that came in answer_message_id; the rest was added after

CREATE TABLE daily_answer_edits (
    user_id     bigint NOT NULL,
    local_date  date NOT NULL,
    answer      text NOT NULL, -- the answer before the edit
    replaced_at timestamptz NOT NULL,
    FOREIGN KEY (user_id, local_date) REFERENCES daily_deliveries ON DELETE CASCADE
);
CREATE INDEX daily_answer_edits_delivery ON daily_answer_edits (user_id, local_date);
