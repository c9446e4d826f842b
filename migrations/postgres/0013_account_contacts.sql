-- An account's contacts (docs §6.5): one row per kind set, the docs' flat record as JSON.
CREATE TABLE account_contacts (
    account_id BIGINT  NOT NULL REFERENCES accounts (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('regular', 'billing', 'administrator', 'technical')),
    contact    TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (account_id, kind)
);
