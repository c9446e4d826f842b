-- Exchange directory objects (docs §2.8–2.9). A domain has one namespace: a local name is a
-- mailbox, an alias or a list, never two; creations check it in the transaction that first
-- touches the domain's `exchanges` row, so two in one domain take turns.

-- Another address of a mailbox of the same domain; delivered through `mail_aliases`.
CREATE TABLE email_aliases (
    id          INTEGER PRIMARY KEY,
    exchange_id INTEGER NOT NULL REFERENCES exchanges (id),
    username    TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (exchange_id, username)
);
-- The aliases of a mailbox, removed with it when it is purged.
CREATE INDEX email_aliases_target ON email_aliases (exchange_id, target);

-- An outside address in the domain's address book; `id` is 40 hex digits like Hostway's.
CREATE TABLE global_contacts (
    id          TEXT    PRIMARY KEY,
    exchange_id INTEGER NOT NULL REFERENCES exchanges (id),
    target      TEXT    NOT NULL,
    -- The contact's name (`name.name`), which the list filters by.
    name        TEXT    NOT NULL,
    contact     TEXT    NOT NULL,
    notes       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- One contact per outside address in a domain, whatever the case it is written in.
CREATE UNIQUE INDEX global_contacts_target ON global_contacts (exchange_id, lower(target));

-- 0 while the domain's account is suspended or closed: the addresses that are not mailboxes
-- (aliases, lists) then deliver nothing, as the mailboxes accept nothing.
ALTER TABLE mail_domains ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
