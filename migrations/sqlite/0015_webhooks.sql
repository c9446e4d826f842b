-- Webhooks: subscriptions, the events they may hear, and their deliveries (the durable queue).

-- A subscription: its franchise, and its account for an account user's (NULL: an agent's, every
-- account of the franchise). `events` is a comma-framed list (",order.status_changed,"), so a
-- type is matched with LIKE on both back ends. `secret` is sealed under --webhook-key.
CREATE TABLE webhooks (
    id              TEXT    PRIMARY KEY,
    franchise_id    INTEGER  NOT NULL REFERENCES franchises (id),
    account_id      INTEGER  REFERENCES accounts (id),
    created_by      INTEGER  NOT NULL,
    url             TEXT    NOT NULL,
    base            TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    active          INTEGER  NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    failing_since   INTEGER,
    created_at      INTEGER  NOT NULL,
    updated_at      INTEGER  NOT NULL
);
CREATE INDEX webhooks_franchise ON webhooks (franchise_id, account_id);

-- What happened, written in the transaction that made it happen; fanned out to the
-- subscriptions that hear it (`dispatched` then 1) and deleted with the retention sweep.
CREATE TABLE webhook_events (
    id           TEXT    PRIMARY KEY,
    franchise_id INTEGER  NOT NULL,
    account_id   INTEGER  NOT NULL,
    kind         TEXT    NOT NULL,
    resource     TEXT    NOT NULL,
    dispatched   INTEGER  NOT NULL DEFAULT 0,
    created_at   INTEGER  NOT NULL
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
    attempts    INTEGER  NOT NULL DEFAULT 0,
    next_at     INTEGER  NOT NULL,
    lease_until INTEGER,
    last_status INTEGER,
    last_error  TEXT,
    created_at  INTEGER  NOT NULL,
    updated_at  INTEGER  NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (webhook_id, created_at);
