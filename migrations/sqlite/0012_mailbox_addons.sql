-- Mailbox add-ons (docs §2.7): archiving and BlackBerry, bought through orders. A row exists
-- from the moment an order holds the add-on (`new` in an open order, `pending` once submitted),
-- `open` once provisioned (the mailbox's `archiving`/`blackberry` flag is then 1), and
-- `purge_pending` while an order removes it; a failed addition or a removal deletes it.
CREATE TABLE mailbox_addons (
    exchange_id    INTEGER NOT NULL REFERENCES exchanges (id),
    username       TEXT    NOT NULL,
    addon          TEXT    NOT NULL CHECK (addon IN ('archiving', 'blackberry')),
    billing_status TEXT    NOT NULL,
    order_id       TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (exchange_id, username, addon)
);
-- An open order's add-ons, for its submit or cancel.
CREATE INDEX mailbox_addons_order ON mailbox_addons (order_id);
