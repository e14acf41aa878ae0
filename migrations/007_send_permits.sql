-- The global send limit, shared by every replica: a row per batch of calls
-- to the platform that count toward it, from just before the calls until a
-- second after the last of them ended (a one-second window at the server
-- can hold only calls whose rows overlapped it). While the calls are under
-- way the row holds a lease, which a replica that dies lets expire.
-- Unlogged: the rows only have to outlive a replica, not the database.
CREATE UNLOGGED TABLE send_permits (
    id       bigserial PRIMARY KEY,
    platform text NOT NULL,
    calls    int NOT NULL,         -- how many calls the row counts
    until    timestamptz NOT NULL  -- they count until then
);
