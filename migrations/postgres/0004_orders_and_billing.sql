-- Paid mailboxes, open orders, quotes and the charges ledger.

-- Prices come from the catalog (`--catalog`), looked up by the domain's plan; the number of
-- included mailboxes stays on the domain (fixed when it was added).
ALTER TABLE exchanges ADD COLUMN plan TEXT NOT NULL DEFAULT 'exchange2010';
ALTER TABLE exchanges DROP COLUMN mailbox_price_minor;
ALTER TABLE exchanges DROP COLUMN currency;

-- An open order (status 'new') gains lines until it is submitted; `revision` counts the
-- changes, so a submit priced from an older set of lines can be refused.
ALTER TABLE orders ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN quote_hash TEXT;
-- The full quote (JSON) the order was submitted with.
ALTER TABLE orders ADD COLUMN quote TEXT;
ALTER TABLE orders ADD COLUMN submitted_at BIGINT;
-- One open order per OwnerId (Hostway: "A new order has already been created for this ownerID").
CREATE UNIQUE INDEX orders_open_owner ON orders (owner_id) WHERE status = 'new';
CREATE INDEX orders_open_age ON orders (updated_at) WHERE status = 'new';
CREATE INDEX orders_account_status ON orders (account_id, status, id);

-- The catalog plan a paid line is priced by (NULL: an included mailbox, no charge).
ALTER TABLE order_items ADD COLUMN plan TEXT;

-- The ledger: one row per fee of a submitted quote; recorded when its line is provisioned.
CREATE TABLE charges (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   BIGINT  NOT NULL REFERENCES accounts (id),
    order_id     TEXT    NOT NULL REFERENCES orders (id),
    item_id      BIGINT  NOT NULL REFERENCES order_items (id),
    quote_hash   TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('setup_fee', 'recurring')),
    description  TEXT    NOT NULL,
    amount_minor BIGINT  NOT NULL CHECK (amount_minor >= 0),
    currency     TEXT    NOT NULL,
    deferred     BIGINT  NOT NULL,
    period_start TEXT    NOT NULL,
    period_end   TEXT    NOT NULL,
    recorded_at  BIGINT
);
CREATE INDEX charges_item ON charges (item_id);
CREATE INDEX charges_ledger ON charges (account_id, id) WHERE recorded_at IS NOT NULL;
