-- Fleet mode of stokly-shopify: the state several workers of one shop share.
--
-- Every table name starts with the prefix `stokly_shopify_`. Run as it is (psql, or
-- `sqlx::migrate!("./migrations")` in the application), this file creates the tables under that
-- prefix; `stokly_shopify::postgres::Fleet::migrate` runs the same text with the prefix the
-- application chose put in its place. Every statement is idempotent (IF NOT EXISTS), so running
-- the file twice changes nothing.

-- The posting ledger: one row per claimed create (`{shop}/orders/{id}`, a customer claim...).
-- A row with `record_id` (the created record's ID) is posted for good; `lease_until` in the
-- future means a worker holds the claim; `uncertain_since` is the earliest create whose outcome is unknown.
CREATE TABLE IF NOT EXISTS stokly_shopify_ledger (
    key             text        PRIMARY KEY,
    record_id       text        NULL,
    uncertain_since timestamptz NULL,
    lease_until     timestamptz NULL,
    claims          bigint      NOT NULL DEFAULT 0,
    posted_at       timestamptz NULL
);

-- Webhook deliveries seen (`{shop}/event:{id}`), kept for the retention window.
CREATE TABLE IF NOT EXISTS stokly_shopify_webhook_events (
    event_key text        PRIMARY KEY,
    seen_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS stokly_shopify_webhook_events_seen_at
    ON stokly_shopify_webhook_events (seen_at);

-- The latest `updated_at` applied per resource (`{shop}/{gid}`), for stale deliveries.
CREATE TABLE IF NOT EXISTS stokly_shopify_resource_versions (
    resource_key text        PRIMARY KEY,
    updated_at   timestamptz NOT NULL,
    touched_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS stokly_shopify_resource_versions_touched_at
    ON stokly_shopify_resource_versions (touched_at);

-- The work queue: `ready` items wait until `available_at`; a `taken` item is leased to one
-- worker until `lease_until` (after which any worker may take it again); `failed` items wait
-- for a person. `attempts` is the fencing token: a worker finishes an item only if nobody has
-- taken it since.
CREATE TABLE IF NOT EXISTS stokly_shopify_work_queue (
    id           bigserial   PRIMARY KEY,
    queue        text        NOT NULL,
    dedup_key    text        NULL,
    payload      jsonb       NOT NULL,
    state        text        NOT NULL DEFAULT 'ready'
                 CHECK (state IN ('ready', 'taken', 'failed')),
    available_at timestamptz NOT NULL,
    lease_until  timestamptz NULL,
    worker       text        NULL,
    attempts     integer     NOT NULL DEFAULT 0,
    enqueued_at  timestamptz NOT NULL,
    last_error   text        NULL
);
CREATE INDEX IF NOT EXISTS stokly_shopify_work_queue_ready
    ON stokly_shopify_work_queue (queue, available_at, id) WHERE state = 'ready';
CREATE INDEX IF NOT EXISTS stokly_shopify_work_queue_taken
    ON stokly_shopify_work_queue (queue, lease_until) WHERE state = 'taken';
CREATE INDEX IF NOT EXISTS stokly_shopify_work_queue_dedup
    ON stokly_shopify_work_queue (queue, dedup_key) WHERE state = 'ready';

-- One Shopify cost bucket per shop, shared by every worker: `available` points at `at`
-- (negative while requests wait for points already promised), refilled at `restore_rate`
-- points per second up to `maximum_available`, all as Shopify last reported.
CREATE TABLE IF NOT EXISTS stokly_shopify_shopify_buckets (
    shop              text             PRIMARY KEY,
    maximum_available double precision NOT NULL,
    restore_rate      double precision NOT NULL,
    available         double precision NOT NULL,
    at                timestamptz      NOT NULL
);

-- One Stokly request budget per account, shared by every worker: the next free pacing slot,
-- and Stokly's window as last reported (`x-ratelimit-remaining`, and when that window began).
CREATE TABLE IF NOT EXISTS stokly_shopify_stokly_budgets (
    account        text        PRIMARY KEY,
    next_slot      timestamptz NOT NULL,
    remaining      integer     NULL,
    window_started timestamptz NULL
);

-- Cursors per shop: `order_poll`, `payout`, `inventory_change` (or a name of the
-- application's own).
CREATE TABLE IF NOT EXISTS stokly_shopify_checkpoints (
    shop       text        NOT NULL,
    name       text        NOT NULL,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (shop, name)
);
