-- Mailbox counts per domain and billing status, kept exact by triggers in the writing
-- transaction: list totals and plan usage without counting rows.

CREATE TABLE mailbox_counts (
    exchange_id    INTEGER NOT NULL,
    billing_status TEXT    NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (exchange_id, billing_status)
) WITHOUT ROWID;

INSERT INTO mailbox_counts (exchange_id, billing_status, n)
SELECT exchange_id, billing_status, count(*) FROM mailboxes GROUP BY exchange_id, billing_status;

CREATE TRIGGER mailbox_counts_insert AFTER INSERT ON mailboxes
BEGIN
    INSERT INTO mailbox_counts (exchange_id, billing_status, n) VALUES (NEW.exchange_id, NEW.billing_status, 1)
    ON CONFLICT (exchange_id, billing_status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER mailbox_counts_delete AFTER DELETE ON mailboxes
BEGIN
    UPDATE mailbox_counts SET n = n - 1
    WHERE exchange_id = OLD.exchange_id AND billing_status = OLD.billing_status;
END;

CREATE TRIGGER mailbox_counts_update AFTER UPDATE OF exchange_id, billing_status ON mailboxes
WHEN OLD.exchange_id <> NEW.exchange_id OR OLD.billing_status <> NEW.billing_status
BEGIN
    UPDATE mailbox_counts SET n = n - 1
    WHERE exchange_id = OLD.exchange_id AND billing_status = OLD.billing_status;
    INSERT INTO mailbox_counts (exchange_id, billing_status, n) VALUES (NEW.exchange_id, NEW.billing_status, 1)
    ON CONFLICT (exchange_id, billing_status) DO UPDATE SET n = n + 1;
END;
