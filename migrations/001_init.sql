-- Users, mock interviews, the review log and the outbox.

CREATE TABLE users (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform    text NOT NULL,
    external_id text NOT NULL,
    language    text,                         -- chosen with /language; NULL: from locale
    locale      text NOT NULL DEFAULT '',     -- the client's latest language hint
    dialog      jsonb NOT NULL DEFAULT '{}',  -- a pending choice (track, length, restart)
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, external_id)
);

CREATE TABLE interviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    track        text NOT NULL,
    question_ids text[] NOT NULL,
    status       text NOT NULL CHECK (status IN ('active', 'finished', 'stopped')),
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz
);
-- At most one active interview per user.
CREATE UNIQUE INDEX interviews_one_active ON interviews (user_id) WHERE status = 'active';
CREATE INDEX interviews_user_started ON interviews (user_id, started_at DESC);

CREATE TABLE interview_steps (
    interview_id bigint NOT NULL REFERENCES interviews ON DELETE CASCADE,
    position     int NOT NULL CHECK (position > 0),
    question_id  text NOT NULL,
    asked_at     timestamptz NOT NULL,
    answer       text,                        -- exactly as typed; NULL: not answered
    answered_at  timestamptz,
    lang         text,                        -- the language the answer was judged in
    covered      int[] NOT NULL DEFAULT '{}', -- indexes of covered key points
    points       int NOT NULL DEFAULT 0,
    skipped      boolean NOT NULL DEFAULT false,
    grade        smallint CHECK (grade BETWEEN 1 AND 4),
    closed_at    timestamptz,
    PRIMARY KEY (interview_id, position)
);

-- The append-only log of self-grades, from which spaced repetition is derived.
CREATE TABLE reviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    question_id  text NOT NULL,
    grade        smallint NOT NULL CHECK (grade BETWEEN 1 AND 4),
    reviewed_at  timestamptz NOT NULL,
    interview_id bigint REFERENCES interviews ON DELETE SET NULL
);
CREATE INDEX reviews_user_question ON reviews (user_id, question_id, reviewed_at);

-- Every message the bot sends, queued in the transaction that decided it.
CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform   text NOT NULL,
    chat_id    text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX outbox_pending ON outbox (platform, chat_id, id) WHERE sent_at IS NULL;
