-- Mailbox counts per domain and billing status, kept exact by triggers in the writing
-- transaction: list totals and plan usage without counting rows.
--
-- Statement-level triggers with transition tables: one aggregated change per statement, so a
-- bulk insert does not update the same counter row once per mailbox.

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
    IF TG_OP = 'INSERT' THEN
        INSERT INTO mailbox_counts (exchange_id, billing_status, n)
        SELECT exchange_id, billing_status, count(*) FROM new_rows GROUP BY exchange_id, billing_status
        ON CONFLICT (exchange_id, billing_status) DO UPDATE SET n = mailbox_counts.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE mailbox_counts c SET n = c.n - d.k
        FROM (SELECT exchange_id, billing_status, count(*) AS k FROM old_rows GROUP BY exchange_id, billing_status) d
        WHERE c.exchange_id = d.exchange_id AND c.billing_status = d.billing_status;
    ELSE
        -- Only rows whose domain or status changed move between counters.
        UPDATE mailbox_counts c SET n = c.n - d.k
        FROM (SELECT o.exchange_id, o.billing_status, count(*) AS k
              FROM old_rows o JOIN new_rows w ON w.id = o.id
              WHERE o.exchange_id <> w.exchange_id OR o.billing_status <> w.billing_status
              GROUP BY o.exchange_id, o.billing_status) d
        WHERE c.exchange_id = d.exchange_id AND c.billing_status = d.billing_status;
        INSERT INTO mailbox_counts (exchange_id, billing_status, n)
        SELECT w.exchange_id, w.billing_status, count(*)
        FROM old_rows o JOIN new_rows w ON w.id = o.id
        WHERE o.exchange_id <> w.exchange_id OR o.billing_status <> w.billing_status
        GROUP BY w.exchange_id, w.billing_status
        ON CONFLICT (exchange_id, billing_status) DO UPDATE SET n = mailbox_counts.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER mailbox_counts_insert AFTER INSERT ON mailboxes
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mailbox_counts_track();

CREATE TRIGGER mailbox_counts_delete AFTER DELETE ON mailboxes
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mailbox_counts_track();

CREATE TRIGGER mailbox_counts_update AFTER UPDATE ON mailboxes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mailbox_counts_track();
