//! [`OrderStore`] on SQLite: open orders and their paid lines, submit, cancel, lists, ledger.

use anyhow::Context;
use async_trait::async_trait;

use super::*;

/// Adds a paid mailbox line to the owner's open order, or opens one. `None`: the name was
/// taken in between. Runs inside the caller's transaction (which holds the write lock).
pub(super) async fn add_paid_line(
    tx: &mut sqlx::SqliteConnection,
    o: &NewMailboxOrder<'_>,
) -> StoreResult<Option<CreateOutcome>> {
    let owner = o.owner_id.to_string();
    let open =
        sqlx::query("SELECT id, account_id FROM orders WHERE owner_id = ? AND status = 'new'")
            .bind(&owner)
            .fetch_optional(&mut *tx)
            .await?;
    let order_id = match open {
        Some(row) if row.int("account_id") != o.exchange.account_id => {
            return Ok(Some(CreateOutcome::OwnerBusy));
        }
        Some(row) => {
            let id = row.text("id");
            sqlx::query("UPDATE orders SET revision = revision + 1, updated_at = ? WHERE id = ?")
                .bind(o.now_ms)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            stored_order_id(id)?
        }
        None => {
            sqlx::query(
                "INSERT INTO orders (id, account_id, owner_id, status, created_at, updated_at)
                 VALUES (?, ?, ?, 'new', ?, ?)",
            )
            .bind(o.order_id.as_str())
            .bind(o.exchange.account_id)
            .bind(&owner)
            .bind(o.now_ms)
            .bind(o.now_ms)
            .execute(&mut *tx)
            .await?;
            o.order_id.clone()
        }
    };
    if !insert_mailbox(tx, o, "new", order_id.as_str()).await? {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO order_items (order_id, kind, exchange_id, username, status, plan)
         VALUES (?, ?, ?, ?, 'new', ?)",
    )
    .bind(order_id.as_str())
    .bind(StepKind::Create.as_str())
    .bind(o.exchange.id)
    .bind(o.mailbox.username.as_str())
    .bind(&o.exchange.plan)
    .execute(&mut *tx)
    .await?;
    Ok(Some(CreateOutcome::Quoted(order_id)))
}

/// The status of an order that could not be changed, or `None` if it does not exist.
async fn status_of(
    tx: &mut sqlx::SqliteConnection,
    order_id: &str,
) -> StoreResult<Option<OrderStatus>> {
    let raw: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = ?")
        .bind(order_id)
        .fetch_optional(&mut *tx)
        .await?;
    raw.map(|s| OrderStatus::parse(&s).with_context(|| format!("unknown order status {s:?}")))
        .transpose()
        .map_err(StoreError::from)
}

/// Moves the `Last-Modified` of every domain the order touches (their lists change).
async fn touch_order_exchanges(
    tx: &mut sqlx::SqliteConnection,
    order_id: &str,
    now_ms: i64,
) -> StoreResult<()> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT exchange_id FROM order_items WHERE order_id = ? ORDER BY exchange_id",
    )
    .bind(order_id)
    .fetch_all(&mut *tx)
    .await?;
    for id in ids {
        touch_exchange(tx, id, now_ms).await?;
    }
    Ok(())
}

fn scope_sql(q: &OrderListQuery) -> (String, i64) {
    let statuses: Option<Vec<&str>> = q
        .statuses
        .as_ref()
        .map(|l| l.iter().map(|s| s.as_str()).collect());
    list_sql::scope_where(
        q.scope,
        "o.account_id",
        "o.status",
        statuses.as_deref(),
        "?",
    )
}

fn account_scope_sql(q: &AccountListQuery) -> (String, i64) {
    list_sql::scope_where(q.scope, "a.id", "a.status", q.statuses.as_deref(), "?")
}

#[async_trait]
impl OrderStore for SqliteStore {
    async fn open_order_of(&self, owner_id: &str) -> StoreResult<Option<OrderRecord>> {
        let sql = format!(
            "{} WHERE o.owner_id = ? AND o.status = 'new'",
            rows::ORDER_SELECT
        );
        let row = sqlx::query(&sql)
            .bind(owner_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::order).transpose()
    }

    async fn order_quote(&self, order_id: &str) -> StoreResult<Option<String>> {
        let quote: Option<Option<String>> =
            sqlx::query_scalar("SELECT quote FROM orders WHERE id = ?")
                .bind(order_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(quote.flatten())
    }

    async fn order_with_lines(
        &self,
        order_id: &str,
    ) -> StoreResult<Option<(OrderRecord, Vec<OrderLine>)>> {
        let sql = format!(
            "{} WHERE o.id = ? ORDER BY i.id",
            rows::ORDER_WITH_LINES_SELECT
        );
        let rows = sqlx::query(&sql)
            .bind(order_id)
            .fetch_all(&self.pool)
            .await?;
        rows::order_with_lines(&rows)
    }

    async fn order_lines(&self, order_id: &str) -> StoreResult<Vec<OrderLine>> {
        let sql = format!("{} WHERE i.order_id = ? ORDER BY i.id", rows::LINE_SELECT);
        let rows = sqlx::query(&sql)
            .bind(order_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::order_line).collect()
    }

    async fn submit_order(&self, s: &SubmitOrder<'_>) -> StoreResult<SubmitOutcome> {
        let mut tx = self.write_tx().await?;
        touch_order_exchanges(&mut tx, s.order_id, s.now_ms).await?;
        let moved = sqlx::query(
            "UPDATE orders SET status = 'Processing', quote_hash = ?, quote = ?, submitted_at = ?, updated_at = ?
             WHERE id = ? AND status = 'new' AND revision = ?",
        )
        .bind(s.quote_hash)
        .bind(s.quote_json)
        .bind(s.now_ms)
        .bind(s.now_ms)
        .bind(s.order_id)
        .bind(s.revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            return Ok(match status_of(&mut tx, s.order_id).await? {
                None => SubmitOutcome::NotFound,
                Some(OrderStatus::New) => SubmitOutcome::Changed,
                Some(other) => SubmitOutcome::NotOpen(other),
            });
        }
        sqlx::query(
            "UPDATE mailboxes SET billing_status = 'pending', updated_at = max(?, (updated_at / 1000 + 1) * 1000)
             WHERE order_id = ? AND billing_status = 'new'",
        )
        .bind(s.now_ms)
        .bind(s.order_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE order_items SET status = 'Processing' WHERE order_id = ?")
            .bind(s.order_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO jobs (item_id, state, run_at, created_at, updated_at)
             SELECT id, 'queued', ?, ?, ? FROM order_items WHERE order_id = ? ORDER BY id",
        )
        .bind(s.now_ms)
        .bind(s.now_ms)
        .bind(s.now_ms)
        .bind(s.order_id)
        .execute(&mut *tx)
        .await?;
        for c in s.charges {
            sqlx::query(
                "INSERT INTO charges (account_id, order_id, item_id, quote_hash, kind, description,
                     amount_minor, currency, deferred, period_start, period_end)
                 SELECT account_id, id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM orders WHERE id = ?",
            )
            .bind(c.item_id)
            .bind(s.quote_hash)
            .bind(c.kind)
            .bind(&c.description)
            .bind(c.amount.minor())
            .bind(c.currency.as_str())
            .bind(i64::from(c.deferred))
            .bind(&c.period_start)
            .bind(&c.period_end)
            .bind(s.order_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(SubmitOutcome::Submitted)
    }

    async fn cancel_order(&self, order_id: &str, now_ms: i64) -> StoreResult<CancelOutcome> {
        // The domains to touch are read before the order is locked (lock order: domains, then
        // the order); a line added in between moves the revision, and the cancel starts over.
        for _ in 0..5 {
            let mut tx = self.write_tx().await?;
            let revision: Option<i64> =
                sqlx::query_scalar("SELECT revision FROM orders WHERE id = ?")
                    .bind(order_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(revision) = revision else {
                return Ok(CancelOutcome::NotFound);
            };
            touch_order_exchanges(&mut tx, order_id, now_ms).await?;
            let moved = sqlx::query(
                "UPDATE orders SET status = 'Cancelled', updated_at = ?
                 WHERE id = ? AND status = 'new' AND revision = ?",
            )
            .bind(now_ms)
            .bind(order_id)
            .bind(revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                match status_of(&mut tx, order_id).await? {
                    None => return Ok(CancelOutcome::NotFound),
                    Some(OrderStatus::New) => continue,
                    Some(status) => return Ok(CancelOutcome::NotOpen(status)),
                }
            }
            sqlx::query("DELETE FROM mailboxes WHERE order_id = ? AND billing_status = 'new'")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE order_items SET status = 'Cancelled' WHERE order_id = ?")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(CancelOutcome::Cancelled);
        }
        Err(anyhow::anyhow!("order {order_id} kept changing while being cancelled").into())
    }

    async fn stale_open_orders(
        &self,
        unchanged_since_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM orders WHERE status = 'new' AND updated_at < ? ORDER BY updated_at LIMIT ?",
        )
        .bind(unchanged_since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn count_orders(&self, q: &OrderListQuery) -> StoreResult<u64> {
        let (filter, id) = scope_sql(q);
        let sql = format!(
            "SELECT count(*) FROM orders o JOIN accounts a ON a.id = o.account_id {filter}"
        );
        let n: i64 = sqlx::query_scalar(&sql)
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn list_orders(&self, q: &OrderListQuery) -> StoreResult<Vec<OrderSummary>> {
        let (filter, id) = scope_sql(q);
        let order = if q.newest_first { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT o.id, a.number, o.status, o.created_at, o.updated_at
             FROM orders o JOIN accounts a ON a.id = o.account_id {filter}
             ORDER BY o.id {order} LIMIT ? OFFSET ?"
        );
        let rows = sqlx::query(&sql)
            .bind(id)
            .bind(i64::try_from(q.page.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(q.page.offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::order_summary).collect()
    }

    async fn count_accounts(&self, q: &AccountListQuery) -> StoreResult<u64> {
        let (filter, id) = account_scope_sql(q);
        let sql = format!("SELECT count(*) FROM accounts a {filter}");
        let n: i64 = sqlx::query_scalar(&sql)
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn list_accounts(&self, q: &AccountListQuery) -> StoreResult<Vec<AccountRecord>> {
        let (filter, id) = account_scope_sql(q);
        let sql = format!(
            "SELECT a.id, a.number, a.franchise_id, a.status, a.currency, a.created_at
             FROM accounts a {filter} ORDER BY a.number LIMIT ? OFFSET ?"
        );
        let rows = sqlx::query(&sql)
            .bind(id)
            .bind(i64::try_from(q.page.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(q.page.offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(rows::account).collect())
    }

    async fn count_charges(&self, account_id: i64) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM charges WHERE account_id = ? AND recorded_at IS NOT NULL",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn list_charges(&self, account_id: i64, page: Page) -> StoreResult<Vec<ChargeRecord>> {
        let sql = format!(
            "{} WHERE account_id = ? AND recorded_at IS NOT NULL ORDER BY id LIMIT ? OFFSET ?",
            rows::CHARGE_SELECT
        );
        let rows = sqlx::query(&sql)
            .bind(account_id)
            .bind(i64::try_from(page.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::charge).collect()
    }
}
