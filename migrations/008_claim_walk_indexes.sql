-- The claims walk the pending rows in id order and, for each, probe its chat
-- for an earlier pending row. With statistics taken while a queue was empty
-- (autovacuum analyses whenever it likes) the planner costs that probe
-- through an id-ordered index (a walk past every pending row) the same as
-- through the per-chat index (one step), and a plan cached then makes every
-- claim quadratic in a burst. The indexes the walk uses get a condition the
-- probes do not state (attempts is never negative), so only the per-chat
-- indexes can serve the probes. inbox_pending served nothing else.
DROP INDEX inbox_pending;
DROP INDEX inbox_pending_id;
CREATE INDEX inbox_pending_id ON inbox (update_id) WHERE done_at IS NULL AND parked_at IS NULL AND attempts >= 0;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_unsent ON outbox (platform, id) WHERE sent_at IS NULL AND parked_at IS NULL AND attempts >= 0;
