-- Durable intake (inbox), delivery state for the outbox, blocked users,
-- and the history of edited answers.

CREATE TABLE inbox (
    update_id       bigint PRIMARY KEY,           -- Telegram's update_id: intake is idempotent on it
    chat_key        text NOT NULL,                -- updates of one chat are handled in update_id order
    payload         jsonb NOT NULL,               -- the raw Update
    received_at     timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    done_at         timestamptz,
    parked_at       timestamptz                   -- failed too often: kept for an operator
);
CREATE INDEX inbox_pending ON inbox (next_attempt_at, update_id) WHERE done_at IS NULL AND parked_at IS NULL;
CREATE INDEX inbox_chat_pending ON inbox (chat_key, update_id) WHERE done_at IS NULL AND parked_at IS NULL;

ALTER TABLE outbox
    ADD COLUMN kind            text NOT NULL DEFAULT 'reply', -- reply, or a platform action such as answering a button press
    ADD COLUMN attempts        int NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN last_error      text,
    ADD COLUMN parked_at       timestamptz;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (platform, chat_id, id) WHERE sent_at IS NULL AND parked_at IS NULL;

-- When each chat may be sent to next (per-chat rate limits, 429 pauses),
-- shared by every replica.
CREATE TABLE send_chats (
    platform     text NOT NULL,
    chat_id      text NOT NULL,
    next_send_at timestamptz NOT NULL,
    PRIMARY KEY (platform, chat_id)
);

ALTER TABLE users ADD COLUMN blocked_at timestamptz; -- the user blocked the bot (403)

ALTER TABLE interview_steps ADD COLUMN answer_message_id text; -- the message the answer came in, for edits

CREATE TABLE answer_edits (
    interview_id bigint NOT NULL,
    position     int NOT NULL,
    answer       text NOT NULL, -- the answer before the edit
    replaced_at  timestamptz NOT NULL,
    FOREIGN KEY (interview_id, position) REFERENCES interview_steps ON DELETE CASCADE
);
CREATE INDEX answer_edits_step ON answer_edits (interview_id, position);
