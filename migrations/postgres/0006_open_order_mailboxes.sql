-- The mailboxes of an open order's lines, by order: a submit (new → pending) and a cancel
-- (delete) find them without reading the whole table.
CREATE INDEX mailboxes_open_order ON mailboxes (order_id) WHERE billing_status = 'new';
