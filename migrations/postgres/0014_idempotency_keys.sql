-- Idempotency keys: a caller's first response to a mutating request, kept for 24 hours so a
-- retry with the same key replays it. `id` is the SHA-256 of the caller's scope and the key;
-- `request_hash` and `response` are keyed by the key itself, which is not stored, so the table
-- holds nothing a reader could replay or test a password against.
CREATE TABLE idempotency_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    request_hash TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('running', 'done')),
    response     TEXT,
    lease_until  BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
