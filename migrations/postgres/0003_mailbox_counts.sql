-- Mailbox counts per domain and billing status, kept exact by triggers in the writing
-- transaction: list totals and plan usage without counting rows.

CREATE TABLE mailbox_counts (
    exchange_id    BIGINT NOT NULL,
    billing_status TEXT   NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (exchange_id, billing_status)
);

INSERT INTO mailbox_counts (exchange_id, billing_status, n)
SELECT exchange_id, billing_status, count(*) FROM mailboxes GROUP BY exchange_id, billing_status;

CREATE FUNCTION mailbox_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE mailbox_counts SET n = n - 1
        WHERE exchange_id = OLD.exchange_id AND billing_status = OLD.billing_status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO mailbox_counts (exchange_id, billing_status, n) VALUES (NEW.exchange_id, NEW.billing_status, 1)
        ON CONFLICT (exchange_id, billing_status) DO UPDATE SET n = mailbox_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER mailbox_counts_insert_delete AFTER INSERT OR DELETE ON mailboxes
    FOR EACH ROW EXECUTE FUNCTION mailbox_counts_track();

CREATE TRIGGER mailbox_counts_update AFTER UPDATE OF exchange_id, billing_status ON mailboxes
    FOR EACH ROW
    WHEN (OLD.exchange_id <> NEW.exchange_id OR OLD.billing_status <> NEW.billing_status)
    EXECUTE FUNCTION mailbox_counts_track();
