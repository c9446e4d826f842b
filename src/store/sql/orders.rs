//! The store's order API: open orders and their paid lines, submit, cancel, lists, ledger.

use super::super::db::Row;
use super::*;

/// The owner's open order, to add a line to (its revision moved on), or a new one with
/// `new_id`; `None`: the owner's open order is another account's. Runs inside the caller's
/// transaction, which holds the domain's row.
pub(super) async fn open_order_for(
    tx: &mut Tx,
    dialect: Dialect,
    (owner_id, account_id): (&OwnerId, i64),
    new_id: &OrderId,
    now_ms: i64,
) -> StoreResult<Option<OrderId>> {
    let owner = owner_id.stored_key();
    // Requests of one owner take turns (their order's row may not exist yet to lock).
    if let Some(lock) = dialect.owner_lock() {
        sql(lock).bind(owner.as_str()).execute(&mut *tx).await?;
    }
    let open = sql(format!(
        "SELECT id, account_id FROM orders WHERE owner_id = $1 AND status = 'new'{}",
        dialect.row_lock()
    ))
    .bind(owner.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(Some(match open {
        Some(row) if row.int("account_id")? != account_id => return Ok(None),
        Some(row) => {
            let id = row.text("id")?;
            sql("UPDATE orders SET revision = revision + 1, updated_at = $1 WHERE id = $2")
                .bind(now_ms)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
            stored_order_id(id)?
        }
        None => {
            sql(
                "INSERT INTO orders (id, account_id, owner_id, status, created_at, updated_at)
                 VALUES ($1, $2, $3, 'new', $4, $4)",
            )
            .bind(new_id.as_str())
            .bind(account_id)
            .bind(owner.as_str())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            new_id.clone()
        }
    }))
}

/// Adds a paid line (`kind` on `username`, priced by `plan`) to an open order.
pub(super) async fn insert_open_line(
    tx: &mut Tx,
    order_id: &OrderId,
    kind: StepKind,
    (exchange_id, username): (i64, &str),
    plan: &str,
) -> StoreResult<()> {
    sql(
        "INSERT INTO order_items (order_id, kind, exchange_id, username, status, plan)
         VALUES ($1, $2, $3, $4, 'new', $5)",
    )
    .bind(order_id.as_str())
    .bind(kind.as_str())
    .bind(exchange_id)
    .bind(username)
    .bind(plan)
    .execute(tx)
    .await?;
    Ok(())
}

/// Adds a paid mailbox line to the owner's open order, or opens one. `None`: the name was
/// taken in between. Runs inside the caller's transaction, which holds the domain's row.
pub(super) async fn add_paid_line(
    tx: &mut Tx,
    dialect: Dialect,
    o: &NewMailboxOrder<'_>,
) -> StoreResult<Option<CreateOutcome>> {
    let owner = (&o.owner_id, o.exchange.account_id);
    let Some(order_id) = open_order_for(tx, dialect, owner, o.order_id, o.now_ms).await? else {
        return Ok(Some(CreateOutcome::OwnerBusy));
    };
    if !insert_mailbox(tx, o, BillingStatus::New, order_id.as_str()).await? {
        return Ok(None);
    }
    let target = (o.exchange.id, o.mailbox.username.as_str());
    insert_open_line(tx, &order_id, StepKind::Create, target, &o.exchange.plan).await?;
    Ok(Some(CreateOutcome::Quoted(order_id)))
}

/// The status of an order that could not be changed, or `None` if it does not exist.
async fn status_of(tx: &mut Tx, order_id: &str) -> StoreResult<Option<OrderStatus>> {
    sql("SELECT status FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_optional(tx)
        .await?
        .map(|row| rows::status(&row, "status", OrderStatus::parse))
        .transpose()
}

/// Moves the `Last-Modified` of every domain the order touches (their lists change), in id
/// order: the domains' rows are the first locks of the lock order.
async fn touch_order_exchanges(tx: &mut Tx, order_id: &str, now_ms: i64) -> StoreResult<()> {
    let domains = sql(
        "SELECT DISTINCT i.exchange_id FROM order_items i JOIN exchanges e ON e.id = i.exchange_id
         WHERE i.order_id = $1 AND e.status = 'open' ORDER BY i.exchange_id",
    )
    .bind(order_id)
    .fetch_all(&mut *tx)
    .await?;
    for row in domains {
        touch_exchange(tx, row.int("exchange_id")?, now_ms).await?;
    }
    Ok(())
}

fn order_scope(q: &OrderListQuery) -> (String, i64) {
    let statuses = q
        .statuses
        .as_ref()
        .map(|l| l.iter().map(|s| s.as_str()).collect());
    list_sql::scope_where(q.scope, "o.account_id", "o.status", statuses)
}

fn account_scope(q: &AccountListQuery) -> (String, i64) {
    let statuses = q
        .statuses
        .as_ref()
        .map(|l| l.iter().map(|s| s.as_str()).collect());
    list_sql::account_scope_where(q.scope, statuses)
}

impl Store {
    /// A `count(*) AS n` with one bound id.
    async fn count(&self, text: String, id: i64) -> StoreResult<u64> {
        let n = sql(text).bind(id).fetch_one(&self.db).await?.int("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// One page of a list: `text` ends in `LIMIT $2 OFFSET $3`, after one bound id.
    async fn page<T>(
        &self,
        text: String,
        id: i64,
        page: Page,
        decode: fn(&Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        sql(text)
            .bind(id)
            .bind(i64::try_from(page.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
            .all(&self.db, decode)
            .await
    }
}

impl Store {
    /// The open order (status `new`) that `owner_id` owns, with its lines, in one query.
    pub async fn open_order_of(
        &self,
        owner_id: &OwnerId,
    ) -> StoreResult<Option<(OrderRecord, Vec<OrderLine>)>> {
        let found = sql(format!(
            "{} WHERE o.owner_id = $1 AND o.status = 'new' ORDER BY i.id",
            rows::ORDER_WITH_LINES_SELECT
        ))
        .bind(owner_id.stored_key())
        .fetch_all(&self.db)
        .await?;
        rows::order_with_lines(&found)
    }

    /// Whether `owner_id` may be adopted from a cookie for an order of `account_id`: some order
    /// of that account carries it (the server minted it for this account), or it owns an open
    /// order, which the order then meets (another account's is `409`, as Hostway answers).
    pub async fn owner_known(&self, owner_id: &OwnerId, account_id: i64) -> StoreResult<bool> {
        let row =
            sql("SELECT 1 AS known FROM orders WHERE owner_id = $1 AND (account_id = $2 OR status = 'new') LIMIT 1")
                .bind(owner_id.stored_key())
                .bind(account_id)
                .fetch_optional(&self.db)
                .await?;
        Ok(row.is_some())
    }

    /// The full quote (JSON) a submitted order was submitted with.
    pub async fn order_quote(&self, order_id: &str) -> StoreResult<Option<String>> {
        let row = sql("SELECT quote FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_optional(&self.db)
            .await?;
        Ok(match row {
            Some(row) => row.opt_text("quote")?,
            None => None,
        })
    }

    /// An order with its lines, in one query (the order API's reads).
    pub async fn order_with_lines(
        &self,
        order_id: &str,
    ) -> StoreResult<Option<(OrderRecord, Vec<OrderLine>)>> {
        let found = sql(format!(
            "{} WHERE o.id = $1 ORDER BY i.id",
            rows::ORDER_WITH_LINES_SELECT
        ))
        .bind(order_id)
        .fetch_all(&self.db)
        .await?;
        rows::order_with_lines(&found)
    }

    /// Submits an open order still at `revision`: its lines and mailboxes go `Processing` /
    /// `pending`, their jobs are queued and the quote's charges are written (unrecorded), in
    /// one transaction.
    pub async fn submit_order(&self, s: &SubmitOrder<'_>) -> StoreResult<SubmitOutcome> {
        let mut tx = self.write_tx().await?;
        touch_order_exchanges(&mut tx, s.order_id, s.now_ms).await?;
        // Only at the revision that was priced: a line added since sends the caller back.
        let moved = sql("UPDATE orders SET status = 'Processing', quote_hash = $1, quote = $2, submitted_at = $3,
                 updated_at = $3 WHERE id = $4 AND status = 'new' AND revision = $5")
        .bind(s.quote_hash)
        .bind(s.quote_json)
        .bind(s.now_ms)
        .bind(s.order_id)
        .bind(s.revision)
        .execute(&mut tx)
        .await?;
        if moved != 1 {
            return Ok(match status_of(&mut tx, s.order_id).await? {
                None => SubmitOutcome::NotFound,
                Some(OrderStatus::New) => SubmitOutcome::Changed,
                Some(other) => SubmitOutcome::NotOpen(other),
            });
        }
        if let Some(setup) = s.setup
            && let Err(domain) = onboarding::submit_setup(&mut tx, s.order_id, setup).await?
        {
            return Ok(SubmitOutcome::DomainTaken(domain));
        }
        sql(concat!(
            "UPDATE mailboxes SET billing_status = 'pending', ",
            bump_updated_at!(),
            " WHERE order_id = $2 AND billing_status = 'new'"
        ))
        .bind(s.now_ms)
        .bind(s.order_id)
        .execute(&mut tx)
        .await?;
        sql(
            "UPDATE mailbox_addons SET billing_status = 'pending', updated_at = $1
             WHERE order_id = $2 AND billing_status = 'new'",
        )
        .bind(s.now_ms)
        .bind(s.order_id)
        .execute(&mut tx)
        .await?;
        sql("UPDATE order_items SET status = 'Processing' WHERE order_id = $1")
            .bind(s.order_id)
            .execute(&mut tx)
            .await?;
        // A sequential order's steps run one after another: the first is queued now.
        sql(format!(
            "INSERT INTO jobs (item_id, state, run_at, created_at, updated_at)
             SELECT id, 'queued', $1, $1, $1 FROM order_items WHERE order_id = $2 AND {}
             ORDER BY id",
            onboarding::FIRST_JOBS
        ))
        .bind(s.now_ms)
        .bind(s.order_id)
        .execute(&mut tx)
        .await?;
        for c in s.charges {
            sql("INSERT INTO charges (account_id, order_id, item_id, quote_hash, kind, description,
                     amount_minor, currency, deferred, period_start, period_end)
                 SELECT account_id, id, $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM orders WHERE id = $10")
            .bind(c.item_id)
            .bind(s.quote_hash)
            .bind(c.kind)
            .bind(c.description.as_str())
            .bind(c.amount.minor())
            .bind(c.currency.as_str())
            .bind(c.deferred)
            .bind(c.period_start.as_str())
            .bind(c.period_end.as_str())
            .bind(s.order_id)
            .execute(&mut tx)
            .await?;
        }
        webhooks::order_event(&mut tx, EventKind::OrderStatusChanged, s.order_id, s.now_ms).await?;
        notify_work(&mut tx, self.dialect).await?;
        tx.commit().await?;
        self.order_changed(s.order_id).await;
        Ok(SubmitOutcome::Submitted)
    }

    /// Cancels an open order and releases the names its lines reserved.
    pub async fn cancel_order(&self, order_id: &str, now_ms: i64) -> StoreResult<CancelOutcome> {
        // The domains to touch are read before the order is locked (lock order: domains, then
        // the order); a line added in between moves the revision, and the cancel starts over.
        for _ in 0..5 {
            let mut tx = self.write_tx().await?;
            let Some(row) = sql("SELECT revision FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_optional(&mut tx)
                .await?
            else {
                return Ok(CancelOutcome::NotFound);
            };
            let revision = row.int("revision")?;
            touch_order_exchanges(&mut tx, order_id, now_ms).await?;
            let moved = sql("UPDATE orders SET status = 'Cancelled', updated_at = $1
                 WHERE id = $2 AND status = 'new' AND revision = $3")
            .bind(now_ms)
            .bind(order_id)
            .bind(revision)
            .execute(&mut tx)
            .await?;
            if moved != 1 {
                match status_of(&mut tx, order_id).await? {
                    None => return Ok(CancelOutcome::NotFound),
                    Some(OrderStatus::New) => continue,
                    Some(status) => return Ok(CancelOutcome::NotOpen(status)),
                }
            }
            sql("DELETE FROM mailboxes WHERE order_id = $1 AND billing_status = 'new'")
                .bind(order_id)
                .execute(&mut tx)
                .await?;
            sql("DELETE FROM mailbox_addons WHERE order_id = $1 AND billing_status = 'new'")
                .bind(order_id)
                .execute(&mut tx)
                .await?;
            // An open order's user hash is of no use any more.
            sql("UPDATE order_accounts SET password_hash = NULL WHERE order_id = $1")
                .bind(order_id)
                .execute(&mut tx)
                .await?;
            sql("UPDATE order_items SET status = 'Cancelled' WHERE order_id = $1")
                .bind(order_id)
                .execute(&mut tx)
                .await?;
            webhooks::order_event(&mut tx, EventKind::OrderStatusChanged, order_id, now_ms).await?;
            tx.commit().await?;
            self.order_changed(order_id).await;
            return Ok(CancelOutcome::Cancelled);
        }
        Err(anyhow::anyhow!("order {order_id} kept changing while being cancelled").into())
    }

    /// Open orders unchanged since before `unchanged_since_ms` (for expiry), oldest first.
    pub async fn stale_open_orders(
        &self,
        unchanged_since_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<String>> {
        sql("SELECT id FROM orders WHERE status = 'new' AND updated_at < $1 ORDER BY updated_at LIMIT $2")
            .bind(unchanged_since_ms)
            .bind(limit)
            .fetch_all(&self.db)
            .await?
            .iter()
            .map(|r| r.text("id"))
            .collect()
    }

    pub async fn count_orders(&self, q: &OrderListQuery) -> StoreResult<u64> {
        let (filter, id) = order_scope(q);
        self.count(
            format!(
                "SELECT count(*) AS n FROM orders o JOIN accounts a ON a.id = o.account_id {filter}"
            ),
            id,
        )
        .await
    }

    pub async fn list_orders(&self, q: &OrderListQuery) -> StoreResult<Vec<OrderSummary>> {
        let (filter, id) = order_scope(q);
        let order = if q.newest_first { "DESC" } else { "ASC" };
        let text = format!(
            "SELECT o.id, a.number, o.status, o.created_at, o.updated_at
             FROM orders o JOIN accounts a ON a.id = o.account_id {filter}
             ORDER BY o.id {order} LIMIT $2 OFFSET $3"
        );
        self.page(text, id, q.page, rows::order_summary).await
    }

    /// Accounts in scope, by number.
    pub async fn count_accounts(&self, q: &AccountListQuery) -> StoreResult<u64> {
        let (filter, id) = account_scope(q);
        self.count(format!("SELECT count(*) AS n FROM accounts a {filter}"), id)
            .await
    }

    pub async fn list_accounts(&self, q: &AccountListQuery) -> StoreResult<Vec<AccountRecord>> {
        let (filter, id) = account_scope(q);
        let text = format!(
            "SELECT a.id, a.number, a.franchise_id, a.status, a.currency, a.created_at
             FROM accounts a {filter} ORDER BY a.number LIMIT $2 OFFSET $3"
        );
        self.page(text, id, q.page, rows::account).await
    }

    /// Recorded charges of an account, oldest first.
    pub async fn count_charges(&self, account_id: i64) -> StoreResult<u64> {
        self.count(
            "SELECT count(*) AS n FROM charges WHERE account_id = $1 AND recorded_at IS NOT NULL"
                .to_owned(),
            account_id,
        )
        .await
    }

    pub async fn list_charges(
        &self,
        account_id: i64,
        page: Page,
    ) -> StoreResult<Vec<ChargeRecord>> {
        let text = format!(
            "{} WHERE account_id = $1 AND recorded_at IS NOT NULL ORDER BY id LIMIT $2 OFFSET $3",
            rows::CHARGE_SELECT
        );
        self.page(text, account_id, page, rows::charge).await
    }
}
