-- The audit log: every mutating API call and every provisioning step (src/audit.rs). Never a
-- secret: the target is the request's path, the principal a login or a kind of caller.
CREATE TABLE audit_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    request_id TEXT,
    principal TEXT NOT NULL,
    franchise_id BIGINT,
    account TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    result TEXT NOT NULL,
    client TEXT
);
-- GET /audit reads one franchise's events newest first; retention deletes by age.
CREATE INDEX audit_franchise ON audit_events (franchise_id, id);
CREATE INDEX audit_at ON audit_events (at);
