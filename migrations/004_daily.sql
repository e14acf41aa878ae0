-- The daily question: who gets one, when, and what each day brought.

CREATE TABLE daily_subscriptions (
    user_id    bigint PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    platform   text NOT NULL,
    chat_id    text NOT NULL,                  -- where the questions go
    at_minute  smallint NOT NULL CHECK (at_minute BETWEEN 0 AND 1439), -- local time of day, minutes after midnight
    zone       text NOT NULL,                  -- an IANA name such as Europe/Oslo, or a fixed offset such as UTC+03:30
    tracks     text[] NOT NULL,                -- the tracks questions are drawn from
    stopped_at timestamptz,                    -- turned off with /daily
    next_at    timestamptz,                    -- the next delivery; NULL when stopped or paused (the user blocked the bot)
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Every minute's claim reads the due subscriptions of one platform through this index.
CREATE INDEX daily_due ON daily_subscriptions (platform, next_at) WHERE next_at IS NOT NULL;

-- One row per subscriber and local date: the key that makes a delivery
-- happen at most once a day, written in the transaction that queues it.
CREATE TABLE daily_deliveries (
    user_id           bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    local_date        date NOT NULL,
    question_id       text NOT NULL,
    sent_at           timestamptz NOT NULL,   -- when it was queued
    answer            text,                   -- exactly as typed; NULL: not answered
    answered_at       timestamptz,
    answer_message_id text,
    lang              text,                   -- the language the answer was judged in
    covered           int[] NOT NULL DEFAULT '{}',
    points            int NOT NULL DEFAULT 0,
    revealed_at       timestamptz,            -- the reference answer was shown
    grade             smallint CHECK (grade BETWEEN 1 AND 4),
    closed_at         timestamptz,            -- graded
    PRIMARY KEY (user_id, local_date)
);
