-- mailorder schema (SQLite). Times are integer milliseconds since the Unix epoch.

CREATE TABLE franchises (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    sandbox    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    franchise_id INTEGER NOT NULL REFERENCES franchises (id),
    number       TEXT    NOT NULL UNIQUE,
    status       TEXT    NOT NULL,
    currency     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE api_users (
    id            INTEGER PRIMARY KEY,
    franchise_id  INTEGER NOT NULL REFERENCES franchises (id),
    login         TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('agent', 'account')),
    account_id    INTEGER REFERENCES accounts (id),
    created_at    INTEGER NOT NULL,
    UNIQUE (franchise_id, login),
    CHECK ((role = 'account') = (account_id IS NOT NULL))
);

CREATE TABLE exchanges (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id),
    domain              TEXT    NOT NULL UNIQUE,
    version             TEXT    NOT NULL,
    free_mailboxes      INTEGER NOT NULL,
    mailbox_price_minor INTEGER NOT NULL,
    currency            TEXT    NOT NULL,
    quota_mb            INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX exchanges_account ON exchanges (account_id);

-- A row exists from the moment an order reserves the name, so UNIQUE settles races.
CREATE TABLE mailboxes (
    id               INTEGER PRIMARY KEY,
    exchange_id      INTEGER NOT NULL REFERENCES exchanges (id),
    username         TEXT    NOT NULL,
    billing_status   TEXT    NOT NULL,
    admin            INTEGER NOT NULL,
    notes            TEXT    NOT NULL,
    recipient_limit  INTEGER NOT NULL,
    quota_mb         INTEGER NOT NULL,
    archiving        INTEGER NOT NULL DEFAULT 0,
    blackberry       INTEGER NOT NULL DEFAULT 0,
    contact          TEXT    NOT NULL,
    forward_to       TEXT,
    deliver_redirect TEXT,
    password_hash    TEXT    NOT NULL,
    order_id         TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (exchange_id, username)
);

CREATE TABLE orders (
    id         TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    owner_id   TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    errors     TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX orders_account ON orders (account_id, id);

CREATE TABLE order_items (
    id          INTEGER PRIMARY KEY,
    order_id    TEXT    NOT NULL REFERENCES orders (id),
    kind        TEXT    NOT NULL,
    exchange_id INTEGER NOT NULL REFERENCES exchanges (id),
    username    TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    error       TEXT
);
CREATE INDEX order_items_order ON order_items (order_id);

-- The durable work queue: one job per order item.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL UNIQUE REFERENCES order_items (id),
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    run_at      INTEGER NOT NULL,
    lease_until INTEGER,
    lease_token TEXT,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX jobs_queued ON jobs (run_at) WHERE state = 'queued';

-- The mail directory: what Dovecot (passdb/userdb) and Postfix (virtual maps) read.
CREATE TABLE mail_domains (
    domain TEXT PRIMARY KEY
);

CREATE TABLE mail_users (
    address       TEXT    PRIMARY KEY,
    domain        TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    home          TEXT    NOT NULL,
    quota_mb      INTEGER NOT NULL,
    active        INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE mail_aliases (
    source      TEXT NOT NULL,
    destination TEXT NOT NULL,
    PRIMARY KEY (source, destination)
);
