//! Webhooks' SQL: subscriptions, events written in the transactions that cause them (only
//! when the franchise has an active subscription: otherwise nothing is written), their fan-out
//! to deliveries, and the deliveries' queue (claim with a lease, outcome, back-off).

use super::super::db::Row;
use super::*;
use crate::domain::webhook::EventKind;

/// Columns of a subscription.
const WEBHOOK_COLUMNS: &str =
    "id, franchise_id, account_id, created_by, url, base, events, secret, active,
     disabled_reason, failing_since, created_at, updated_at";
const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, kind, resource, state, attempts, next_at,
     lease_until, last_status, last_error, created_at, updated_at";

/// A delivery a subscription takes now: it is on, or the delivery is a test.
const ACTIVE: &str = "(kind = 'webhook.test'
     OR webhook_id IN (SELECT id FROM webhooks WHERE active = 1))";

/// Written only where someone may hear it.
const HEARD: &str =
    "EXISTS (SELECT 1 FROM webhooks w WHERE w.franchise_id = a.franchise_id AND w.active = 1)";

fn event_id() -> String {
    format!("evt_{}", uuid::Uuid::new_v4().simple())
}

/// `,a,b,`: the stored form of an events list.
fn framed(events: &[EventKind]) -> String {
    let names: Vec<&str> = events.iter().map(|k| k.as_str()).collect();
    format!(",{},", names.join(","))
}

fn webhook(r: &Row) -> StoreResult<WebhookRecord> {
    Ok(WebhookRecord {
        id: r.text("id")?,
        franchise_id: r.int("franchise_id")?,
        account_id: r.opt_int("account_id")?,
        created_by: r.int("created_by")?,
        url: r.text("url")?,
        base: r.text("base")?,
        events: r
            .text("events")?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        secret_sealed: r.text("secret")?,
        active: r.int("active")? == 1,
        disabled_reason: r.opt_text("disabled_reason")?,
        failing_since_ms: r.opt_int("failing_since")?,
        created_ms: r.int("created_at")?,
        updated_ms: r.int("updated_at")?,
    })
}

fn delivery(r: &Row) -> StoreResult<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: r.text("id")?,
        webhook_id: r.text("webhook_id")?,
        event_id: r.text("event_id")?,
        kind: r.text("kind")?,
        resource: r.text("resource")?,
        state: r.text("state")?,
        attempts: r.int("attempts")?,
        next_ms: r.int("next_at")?,
        lease_until: r.opt_int("lease_until")?,
        last_status: r.opt_int("last_status")?,
        last_error: r.opt_text("last_error")?,
        created_ms: r.int("created_at")?,
        updated_ms: r.int("updated_at")?,
    })
}

/// An event about order `order_id` (its account's franchise hears it).
pub(super) async fn order_event(
    tx: &mut Tx,
    kind: EventKind,
    order_id: &str,
    now_ms: i64,
) -> StoreResult<()> {
    sql(format!(
        "INSERT INTO webhook_events (id, franchise_id, account_id, kind, resource, created_at)
         SELECT $1, a.franchise_id, a.id, $2, '/orders/' || o.id, $3
         FROM orders o JOIN accounts a ON a.id = o.account_id WHERE o.id = $4 AND {HEARD}"
    ))
    .bind(event_id())
    .bind(kind.as_str())
    .bind(now_ms)
    .bind(order_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// An event about an object of an Exchange domain: `tail` is its path under the domain
/// (`mailboxes/a.a`).
pub(super) async fn exchange_event(
    tx: &mut Tx,
    kind: EventKind,
    exchange_id: i64,
    tail: &str,
    now_ms: i64,
) -> StoreResult<()> {
    sql(format!(
        "INSERT INTO webhook_events (id, franchise_id, account_id, kind, resource, created_at)
         SELECT $1, a.franchise_id, a.id, $2,
                '/accounts/' || a.number || '/exchange/' || e.domain || '/' || $3, $4
         FROM exchanges e JOIN accounts a ON a.id = e.account_id WHERE e.id = $5 AND {HEARD}"
    ))
    .bind(event_id())
    .bind(kind.as_str())
    .bind(tail)
    .bind(now_ms)
    .bind(exchange_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// An event about mailing list `list_id` (its description or members changed).
pub(super) async fn list_event(
    tx: &mut Tx,
    kind: EventKind,
    list_id: i64,
    now_ms: i64,
) -> StoreResult<()> {
    sql(format!(
        "INSERT INTO webhook_events (id, franchise_id, account_id, kind, resource, created_at)
         SELECT $1, a.franchise_id, a.id, $2,
                '/accounts/' || a.number || '/exchange/' || e.domain || '/mailingLists/' || l.name, $3
         FROM mailing_lists l JOIN exchanges e ON e.id = l.exchange_id
              JOIN accounts a ON a.id = e.account_id
         WHERE l.id = $4 AND {HEARD}"
    ))
    .bind(event_id())
    .bind(kind.as_str())
    .bind(now_ms)
    .bind(list_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// An event about account `account_id`.
pub(super) async fn account_event(
    tx: &mut Tx,
    kind: EventKind,
    account_id: i64,
    now_ms: i64,
) -> StoreResult<()> {
    sql(format!(
        "INSERT INTO webhook_events (id, franchise_id, account_id, kind, resource, created_at)
         SELECT $1, a.franchise_id, a.id, $2, '/accounts/' || a.number, $3
         FROM accounts a WHERE a.id = $4 AND {HEARD}"
    ))
    .bind(event_id())
    .bind(kind.as_str())
    .bind(now_ms)
    .bind(account_id)
    .execute(tx)
    .await?;
    Ok(())
}

impl Store {
    pub async fn create_webhook(&self, w: &NewWebhookRow<'_>) -> StoreResult<()> {
        sql(format!(
            "INSERT INTO webhooks ({WEBHOOK_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, NULL, NULL, $9, $9)"
        ))
        .bind(w.id)
        .bind(w.franchise_id)
        .bind(w.account_id)
        .bind(w.created_by)
        .bind(w.url)
        .bind(w.base)
        .bind(framed(w.events))
        .bind(w.secret_sealed)
        .bind(w.now_ms)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    pub async fn webhook(&self, id: &str) -> StoreResult<Option<WebhookRecord>> {
        sql(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
        ))
        .bind(id)
        .optional(&self.db, webhook)
        .await
    }

    /// A franchise's subscriptions (`account`: only that account's), at most `limit`.
    pub async fn webhooks_of(
        &self,
        franchise_id: i64,
        account: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<WebhookRecord>> {
        let rows = match account {
            None => sql(format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE franchise_id = $1 ORDER BY created_at, id LIMIT $2"
            ))
            .bind(franchise_id)
            .bind(limit),
            Some(account) => sql(format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE franchise_id = $1 AND account_id = $3
                 ORDER BY created_at, id LIMIT $2"
            ))
            .bind(franchise_id)
            .bind(limit)
            .bind(account),
        }
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(webhook).collect()
    }

    /// Applies a change; turning a subscription on again forgets its failures.
    pub async fn update_webhook(&self, id: &str, c: &WebhookChangeRow<'_>) -> StoreResult<bool> {
        let events = c.events.map(framed);
        let changed = sql(
            "UPDATE webhooks SET url = coalesce($2, url), events = coalesce($3, events),
                 secret = coalesce($4, secret), active = coalesce($5, active),
                 disabled_reason = CASE WHEN $5 = 1 THEN NULL ELSE disabled_reason END,
                 failing_since = CASE WHEN $5 = 1 THEN NULL ELSE failing_since END,
                 updated_at = $6
             WHERE id = $1",
        )
        .bind(id)
        .bind(c.url)
        .bind(events.as_deref())
        .bind(c.secret_sealed)
        .bind(c.active.map(i64::from))
        .bind(c.now_ms)
        .execute(&self.db)
        .await?;
        Ok(changed == 1)
    }

    pub async fn delete_webhook(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        sql("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let gone = sql("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(gone == 1)
    }

    /// Queues a `webhook.test` delivery about `resource` to one subscription; its id.
    pub async fn queue_test_delivery(
        &self,
        webhook_id: &str,
        resource: &str,
        now_ms: i64,
    ) -> StoreResult<String> {
        let id = format!("dlv_{}", uuid::Uuid::new_v4().simple());
        insert_delivery(
            &self.db,
            (&id, webhook_id),
            (&event_id(), EventKind::Test.as_str(), resource),
            now_ms,
        )
        .await?;
        Ok(id)
    }

    /// A subscription's newest deliveries, at most `limit`.
    pub async fn deliveries_of(
        &self,
        webhook_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let rows = sql(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(delivery).collect()
    }

    pub async fn delivery(
        &self,
        webhook_id: &str,
        id: &str,
    ) -> StoreResult<Option<DeliveryRecord>> {
        sql(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND id = $2"
        ))
        .bind(webhook_id)
        .bind(id)
        .optional(&self.db, delivery)
        .await
    }

    /// Fans out up to `limit` events to the active subscriptions that hear them (their
    /// franchise, their account or all of it, their event types); returns how many events.
    pub async fn dispatch_events(&self, now_ms: i64, limit: i64) -> StoreResult<usize> {
        // A read first: an idle process does not take the write lock (SQLite) to find nothing.
        let waiting = sql("SELECT 1 AS one FROM webhook_events WHERE dispatched = 0 LIMIT 1")
            .fetch_optional(&self.db)
            .await?;
        if waiting.is_none() {
            return Ok(0);
        }
        let mut tx = self.write_tx().await?;
        let events = sql(format!(
            "SELECT id, franchise_id, account_id, kind, resource FROM webhook_events
             WHERE dispatched = 0 ORDER BY created_at, id LIMIT $1{}",
            self.dialect.claim_lock()
        ))
        .bind(limit)
        .fetch_all(&mut tx)
        .await?;
        for e in &events {
            let (event, kind) = (e.text("id")?, e.text("kind")?);
            let listeners = sql(
                "SELECT id FROM webhooks WHERE franchise_id = $1 AND active = 1
                   AND (account_id IS NULL
                        OR (account_id = $2
                            AND EXISTS (SELECT 1 FROM accounts WHERE id = $2 AND status IN ('open', 'pending'))))
                   AND events LIKE $3",
            )
            .bind(e.int("franchise_id")?)
            .bind(e.int("account_id")?)
            .bind(format!("%,{kind},%"))
            .fetch_all(&mut tx)
            .await?;
            let resource = e.text("resource")?;
            for l in &listeners {
                let id = format!("dlv_{}", uuid::Uuid::new_v4().simple());
                insert_delivery(
                    &mut tx,
                    (&id, &l.text("id")?),
                    (&event, &kind, &resource),
                    now_ms,
                )
                .await?;
            }
            sql("UPDATE webhook_events SET dispatched = 1 WHERE id = $1")
                .bind(event.as_str())
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(events.len())
    }

    /// Claims up to `limit` due deliveries with a lease (another instance skips them).
    pub async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let rows = sql(format!(
            "UPDATE webhook_deliveries SET lease_until = $1 + $2, attempts = attempts + 1, updated_at = $1
             WHERE id IN (SELECT id FROM webhook_deliveries
                          WHERE state = 'pending' AND next_at <= $1
                            AND (lease_until IS NULL OR lease_until <= $1)
                            AND {ACTIVE}
                          ORDER BY next_at, id LIMIT $3{})
             RETURNING {DELIVERY_COLUMNS}",
            self.dialect.claim_lock()
        ))
        .bind(now_ms)
        .bind(lease_ms)
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(delivery).collect()
    }

    /// Records a delivery's attempt and its subscription's health: a success clears the
    /// subscription's failures; a failure starts (or continues) them, and a subscription failing
    /// for `disable_after_ms`, or failing since before a delivery that was given up on (after
    /// that long), is turned off with the reason.
    pub async fn finish_delivery(
        &self,
        d: &DeliveryRecord,
        outcome: &DeliveryOutcome,
        (now, disable_after_ms): (i64, i64),
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let (state, next_at, status, error) = match outcome {
            DeliveryOutcome::Delivered { status } => ("delivered", d.next_ms, Some(*status), None),
            DeliveryOutcome::Retry {
                status,
                error,
                next_ms,
            } => ("pending", *next_ms, *status, Some(error.as_str())),
            DeliveryOutcome::GaveUp { status, error } => {
                ("failed", d.next_ms, *status, Some(error.as_str()))
            }
        };
        let ours = sql("UPDATE webhook_deliveries SET state = $2, next_at = $3, last_status = $4, last_error = $5,
                 lease_until = NULL, updated_at = $6 WHERE id = $1 AND lease_until = $7")
        .bind(d.id.as_str())
        .bind(state)
        .bind(next_at)
        .bind(status)
        .bind(error)
        .bind(now)
        .bind(d.lease_until)
        .execute(&mut tx)
        .await?;
        if ours == 0 {
            // Its lease ran out and another attempt has it: that one's outcome counts.
            return Ok(());
        }
        if matches!(outcome, DeliveryOutcome::Delivered { .. }) {
            sql("UPDATE webhooks SET failing_since = NULL WHERE id = $1")
                .bind(d.webhook_id.as_str())
                .execute(&mut tx)
                .await?;
        } else {
            sql("UPDATE webhooks SET failing_since = coalesce(failing_since, $2) WHERE id = $1")
                .bind(d.webhook_id.as_str())
                .bind(now)
                .execute(&mut tx)
                .await?;
            let reason = format!(
                "deliveries failed for 24 hours (last: {})",
                error.unwrap_or("?")
            );
            // Failing for the whole give-up time, or since before a delivery given up on.
            // Given up on: off if it was failing before this attempt (no success since the
            // delivery's earlier failures; a success would have cleared `failing_since`, which
            // this attempt then set to `now`).
            let since = match outcome {
                DeliveryOutcome::GaveUp { .. } => now - 1,
                _ => now - disable_after_ms,
            };
            sql(
                "UPDATE webhooks SET active = 0, disabled_reason = $2, updated_at = $3
                 WHERE id = $1 AND active = 1 AND failing_since <= $4",
            )
            .bind(d.webhook_id.as_str())
            .bind(reason)
            .bind(now)
            .bind(since)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// When the earliest pending delivery is due.
    pub async fn next_delivery_due(&self) -> StoreResult<Option<i64>> {
        sql(format!(
            "SELECT min(CASE WHEN lease_until IS NOT NULL AND lease_until > next_at
                             THEN lease_until ELSE next_at END) AS due
             FROM webhook_deliveries WHERE state = 'pending' AND {ACTIVE}"
        ))
        .fetch_one(&self.db)
        .await?
        .opt_int("due")
    }

    /// Deletes fanned-out events and finished deliveries older than `before_ms`.
    pub async fn sweep_webhook_history(&self, before_ms: i64) -> StoreResult<u64> {
        let events = sql("DELETE FROM webhook_events WHERE dispatched = 1 AND created_at < $1")
            .bind(before_ms)
            .execute(&self.db)
            .await?;
        // Pending ones too, after a week: a subscription turned off leaves them behind.
        let deliveries = sql("DELETE FROM webhook_deliveries WHERE updated_at < $1")
            .bind(before_ms)
            .execute(&self.db)
            .await?;
        Ok(events + deliveries)
    }
}

async fn insert_delivery<'c>(
    on: impl Into<super::super::db::On<'c>>,
    (id, webhook_id): (&str, &str),
    (event_id, kind, resource): (&str, &str, &str),
    now_ms: i64,
) -> StoreResult<()> {
    sql(
        "INSERT INTO webhook_deliveries (id, webhook_id, event_id, kind, resource, state, attempts,
             next_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6)",
    )
    .bind(id)
    .bind(webhook_id)
    .bind(event_id)
    .bind(kind)
    .bind(resource)
    .bind(now_ms)
    .execute(on)
    .await?;
    Ok(())
}
