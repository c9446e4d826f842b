-- Mailbox management: list index, close/restore, step kinds.

-- Byte order for usernames, as in SQLite: sorting and prefix ranges agree on both back ends,
-- and LIKE 'prefix%' can use the index.
ALTER TABLE mailboxes ALTER COLUMN username TYPE TEXT COLLATE "C";

-- Serves every mailbox list query (any sort, username prefix filters, counts) from the index.
CREATE INDEX mailboxes_list ON mailboxes (exchange_id, username, billing_status, archiving, blackberry);

-- When a mailbox was closed (purge=0); it is purged once the restore window has passed.
ALTER TABLE mailboxes ADD COLUMN closed_at BIGINT;
CREATE INDEX mailboxes_closed ON mailboxes (closed_at) WHERE billing_status = 'closed';

-- The billing status a mailbox returns to if a step on it fails.
ALTER TABLE order_items ADD COLUMN from_status TEXT;
