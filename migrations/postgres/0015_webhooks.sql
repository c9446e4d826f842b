-- Webhooks: subscriptions, the events they may hear, and their deliveries (the durable queue).

-- A subscription: its franchise, and its account for an account user's (NULL: an agent's, every
-- account of the franchise). `events` is a comma-framed list (",order.status_changed,"), so a
-- type is matched with LIKE on both back ends. `secret` is sealed under --webhook-key.
CREATE TABLE webhooks (
    id              TEXT    PRIMARY KEY,
    franchise_id    BIGINT  NOT NULL REFERENCES franchises (id),
    account_id      BIGINT  REFERENCES accounts (id),
    created_by      BIGINT  NOT NULL,
    url             TEXT    NOT NULL,
    base            TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    active          BIGINT  NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    failing_since   BIGINT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX webhooks_franchise ON webhooks (franchise_id, account_id);

-- What happened, written in the transaction that made it happen; fanned out to the
-- subscriptions that hear it (`dispatched` then 1) and deleted with the retention sweep.
CREATE TABLE webhook_events (
    id           TEXT    PRIMARY KEY,
    franchise_id BIGINT  NOT NULL,
    account_id   BIGINT  NOT NULL,
    kind         TEXT    NOT NULL,
    resource     TEXT    NOT NULL,
    dispatched   BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX webhook_events_pending ON webhook_events (dispatched, created_at);

-- One event for one subscription: tried until a 2xx, with back-off, for 24 hours.
CREATE TABLE webhook_deliveries (
    id          TEXT    PRIMARY KEY,
    webhook_id  TEXT    NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    resource    TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts    BIGINT  NOT NULL DEFAULT 0,
    next_at     BIGINT  NOT NULL,
    lease_until BIGINT,
    last_status BIGINT,
    last_error  TEXT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (webhook_id, created_at);
