-- The claims walk the pending rows in id order and, for each, probe its chat
-- for an earlier pending row. With statistics taken while a queue was empty
-- (autovacuum analyses whenever it likes) the planner costs that probe
-- through an id-ordered index (a walk past every pending row) the same as
-- through the per-chat index (one step), and a plan cached then makes every
-- claim quadratic in a burst. The indexes the walk uses get a condition the
-- probes do not state (attempts is never negative), so only the per-chat
-- indexes can serve the probes. inbox_pending served nothing else.
--
-- Not built concurrently (that would need each statement outside a
-- transaction, and waits for every transaction in the database): writes to
-- inbox and outbox wait while the two partial indexes are built, a scan of
-- each table. Replicas of an older version lose the index their claims
-- walk: upgrade them together.
CREATE INDEX inbox_walk ON inbox (update_id) WHERE done_at IS NULL AND parked_at IS NULL AND attempts >= 0;
CREATE INDEX outbox_walk ON outbox (platform, id) WHERE sent_at IS NULL AND parked_at IS NULL AND attempts >= 0;
DROP INDEX inbox_pending_id;
DROP INDEX inbox_pending;
DROP INDEX outbox_unsent;
