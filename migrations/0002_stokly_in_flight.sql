-- Stokly requests in flight per account: lease id -> expiry (seconds since the Unix epoch,
-- on the database's clock). A lease is added when a worker books a request and removed when
-- its answer is in; one that is never removed (its worker died) stops counting at its expiry.
ALTER TABLE stokly_shopify_stokly_budgets
    ADD COLUMN IF NOT EXISTS in_flight jsonb NOT NULL DEFAULT '{}'::jsonb;
