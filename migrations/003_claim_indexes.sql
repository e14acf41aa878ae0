-- Claims scan pending rows in id order; without these, every claim walks
-- past all the rows already handled.
CREATE INDEX inbox_pending_id ON inbox (update_id) WHERE done_at IS NULL AND parked_at IS NULL;
CREATE INDEX outbox_unsent ON outbox (platform, id) WHERE sent_at IS NULL AND parked_at IS NULL;
