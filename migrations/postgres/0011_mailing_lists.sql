-- Mailing lists (docs §2.10–2.11): a local name of the domain (the namespace it shares with
-- mailboxes and aliases) that delivers to its members. Created and deleted through orders; its
-- `mail_aliases` rows (list address → each member's address) are written while it is open.
CREATE TABLE mailing_lists (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exchange_id    BIGINT  NOT NULL REFERENCES exchanges (id),
    name           TEXT    COLLATE "C" NOT NULL,
    owner          TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    billing_status TEXT    NOT NULL,
    order_id       TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (exchange_id, name)
);

-- A list's members: mailboxes of the domain (by username) and global contacts (by id).
CREATE TABLE list_members (
    list_id    BIGINT  NOT NULL REFERENCES mailing_lists (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('mailbox', 'globalContact')),
    member     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (list_id, kind, member)
);
-- The lists a mailbox or a contact is in (removed from them when it goes).
CREATE INDEX list_members_member ON list_members (kind, member);
