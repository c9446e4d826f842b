//! The store's part for the order worker's queue, the outcome of each step, and the figures of
//! `/metrics` and `/readyz`.

use tokio::sync::{Notify, watch};

use super::super::db::Stmt;
use super::*;

/// What a finished step does to its mailbox row: the statement, bound, or `None` for sync
/// steps (changes carried to the agent), which leave the mailbox as it is.
fn mailbox_effect<'a>(
    kind: StepKind,
    done: bool,
    from: Option<BillingStatus>,
    job: &'a ClaimedJob,
    (exchange_id, username): (i64, &'a str),
    now_ms: i64,
) -> StoreResult<Option<Stmt<'a>>> {
    use BillingStatus::{Closed, Open};
    // An add-on step moves the add-on, not its mailbox (`addons::finish_add_on_step`).
    let Some(pending) = kind.pending_status().filter(|_| kind.add_on().is_none()) else {
        return Ok(None);
    };
    // Moves the mailbox on from the step's pending status, setting `also` besides.
    let moved = |to: BillingStatus, also: &str| {
        sql(format!(
            "UPDATE mailboxes SET billing_status = $2, {also}{}
             WHERE exchange_id = $3 AND username = $4 AND billing_status = $5",
            bump_updated_at!()
        ))
        .bind(now_ms)
        .bind(to.as_str())
        .bind(exchange_id)
        .bind(username)
        .bind(pending.as_str())
    };
    Ok(Some(match (done, kind) {
        // The password held for the agent is no longer needed once the mailbox exists.
        (true, StepKind::Create) => moved(Open, "closed_at = NULL, password_sealed = NULL, "),
        (true, StepKind::Restore) => moved(Open, "closed_at = NULL, "),
        (true, StepKind::Close) => moved(Closed, "closed_at = $1, "),
        // A purge: the row goes.
        (true, _) => sql(
            "DELETE FROM mailboxes WHERE exchange_id = $1 AND username = $2 AND billing_status = $3",
        )
        .bind(exchange_id)
        .bind(username)
        .bind(pending.as_str()),
        // A failed creation leaves no mailbox behind: the name is free again.
        (false, StepKind::Create) => sql(
            "DELETE FROM mailboxes WHERE exchange_id = $1 AND username = $2 AND order_id = $3",
        )
        .bind(exchange_id)
        .bind(username)
        .bind(job.order_id.as_str()),
        // Any other failed step returns the mailbox to where it was.
        (false, _) => {
            let from = from.ok_or_else(|| {
                anyhow::anyhow!("a {} step without its former status", kind.as_str())
            })?;
            moved(from, "")
        }
    }))
}

impl Store {
    /// Closed mailboxes whose restore window ended: (account id, exchange id, username).
    pub async fn expired_closed_mailboxes(
        &self,
        closed_before_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64, String)>> {
        sql("SELECT e.account_id, m.exchange_id, m.username FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
             WHERE m.billing_status = 'closed' AND m.closed_at < $1 ORDER BY m.closed_at LIMIT $2")
        .bind(closed_before_ms)
        .bind(limit)
        .fetch_all(&self.db)
        .await?
        .iter()
        .map(|r| Ok((r.int("account_id")?, r.int("exchange_id")?, r.text("username")?)))
        .collect()
    }

    /// Claims the next due job with a lease; no transaction stays open afterwards.
    pub async fn claim_job(&self, now_ms: i64, lease_ms: i64) -> StoreResult<Option<ClaimedJob>> {
        let token = uuid::Uuid::new_v4().to_string();
        sql(format!(
            "UPDATE jobs SET lease_until = $1 + $2, lease_token = $3, attempts = attempts + 1,
                             updated_at = $1
             WHERE id = (SELECT id FROM jobs
                         WHERE state = 'queued' AND run_at <= $1
                           AND (lease_until IS NULL OR lease_until <= $1)
                         ORDER BY run_at, id LIMIT 1{})
             RETURNING id, item_id, attempts,
                       (SELECT order_id FROM order_items WHERE id = jobs.item_id) AS order_id,
                       (SELECT kind FROM order_items WHERE id = jobs.item_id) AS kind",
            self.dialect.claim_lock()
        ))
        .bind(now_ms)
        .bind(lease_ms)
        .bind(token.as_str())
        .fetch_optional(&self.db)
        .await?
        .map(|r| rows::claimed_job(&r, token.clone()))
        .transpose()
    }

    /// Extends a running job's lease; `false` if the lease was lost.
    pub async fn renew_lease(&self, job: &ClaimedJob, until_ms: i64) -> StoreResult<bool> {
        let renewed = sql("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_token = $3")
            .bind(until_ms)
            .bind(job.id)
            .bind(job.lease_token.as_str())
            .execute(&self.db)
            .await?;
        Ok(renewed == 1)
    }

    /// What the claimed job must provision, or `None` if its mailbox vanished.
    pub async fn mailbox_task(&self, job: &ClaimedJob) -> StoreResult<Option<MailboxTask>> {
        sql(format!("{} WHERE i.id = $1", rows::TASK_SELECT))
            .bind(job.item_id)
            .optional(&self.db, rows::mailbox_task)
            .await
    }

    /// Records the outcome if the lease is still ours; `false` means another worker took over.
    pub async fn finish_job(
        &self,
        job: &ClaimedJob,
        outcome: &JobOutcome,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let (state, run_at, error) = match outcome {
            JobOutcome::Done => ("done", None, None),
            JobOutcome::Retry { at_ms, error } => ("queued", Some(*at_ms), Some(error.as_str())),
            JobOutcome::Failed(e) => ("failed", None, Some(e.message.as_str())),
        };
        let ours = sql("UPDATE jobs SET state = $1, run_at = coalesce($2, run_at), last_error = coalesce($3, last_error),
                             lease_until = NULL, lease_token = NULL, updated_at = $4
             WHERE id = $5 AND lease_token = $6 AND state = 'queued'")
        .bind(state)
        .bind(run_at)
        .bind(error)
        .bind(now_ms)
        .bind(job.id)
        .bind(job.lease_token.as_str())
        .execute(&mut tx)
        .await?
            == 1;
        if !ours {
            return Ok(false);
        }
        if matches!(outcome, JobOutcome::Retry { .. }) {
            tx.commit().await?;
            return Ok(true);
        }
        let failed = match outcome {
            JobOutcome::Failed(e) => Some(e),
            _ => None,
        };
        if job.kind.is_account_step() {
            self.lock_order(&mut tx, job).await?;
            record_item(&mut tx, job, failed).await?;
            return self.settle_order(tx, job, failed, now_ms).await;
        }
        let item =
            sql("SELECT kind, exchange_id, username, from_status FROM order_items WHERE id = $1")
                .bind(job.item_id)
                .fetch_one(&mut tx)
                .await?;
        let kind = rows::status(&item, "kind", StepKind::parse)?;
        let from = match item.opt_text("from_status")? {
            Some(raw) => Some(
                BillingStatus::parse(&raw)
                    .ok_or_else(|| anyhow::anyhow!("unknown from_status {raw:?}"))?,
            ),
            None => None,
        };
        let (exchange_id, username) = (item.int("exchange_id")?, item.text("username")?);
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        // Then the order's row (lock order: domain, then order): the items of one order may be
        // on several domains, and their last two steps must not both miss each other's
        // completion in the check below.
        self.lock_order(&mut tx, job).await?;
        record_item(&mut tx, job, failed).await?;
        let target = (exchange_id, username.as_str());
        let carry = self.carry(now_ms);
        if kind.is_list() {
            lists::finish_list_step(&mut tx, kind, failed.is_none(), from, target, carry).await?;
        } else if kind.add_on().is_some() {
            let order_id = job.order_id.as_str();
            addons::finish_add_on_step(&mut tx, kind, failed.is_none(), target, order_id, now_ms)
                .await?;
        } else if let Some(effect) =
            mailbox_effect(kind, failed.is_none(), from, job, target, now_ms)?
        {
            effect.execute(&mut tx).await?;
        }
        // A purged mailbox's aliases go with it (an alias to nothing would bounce its mail),
        // and it leaves every list; so does one whose creation failed (aliases and lists may
        // name a mailbox being provisioned), so that a later mailbox of its name starts clean.
        let gone = match kind {
            StepKind::Purge => failed.is_none(),
            StepKind::Create => failed.is_some(),
            _ => false,
        };
        if gone {
            lists::drop_member_everywhere(&mut tx, carry, exchange_id, "mailbox", &username)
                .await?;
            addons::drop_add_ons_of(&mut tx, exchange_id, &username).await?;
            let domain = sql("SELECT domain FROM exchanges WHERE id = $1")
                .bind(exchange_id)
                .fetch_one(&mut tx)
                .await?
                .text("domain")?;
            objects::drop_aliases_of(&mut tx, carry, exchange_id, &domain, &username).await?;
        }
        if failed.is_none() {
            step_event(&mut tx, kind, exchange_id, &username, now_ms).await?;
        }
        self.settle_order(tx, job, failed, now_ms).await
    }

    async fn lock_order(&self, tx: &mut Tx, job: &ClaimedJob) -> StoreResult<()> {
        sql(format!(
            "SELECT id FROM orders WHERE id = $1{}",
            self.dialect.row_lock()
        ))
        .bind(job.order_id.as_str())
        .fetch_one(tx)
        .await?;
        Ok(())
    }

    /// The order after one of its steps: `Failed` with the step's error, or `Completed` once
    /// every line is; commits.
    async fn settle_order(
        &self,
        mut tx: Tx,
        job: &ClaimedJob,
        failed: Option<&OrderError>,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let order_id = job.order_id.as_str();
        if onboarding::after_step(&mut tx, job, failed.is_some(), now_ms).await? {
            notify_work(&mut tx, self.dialect).await?;
        }
        match failed {
            Some(e) => {
                let row = sql("SELECT errors, status FROM orders WHERE id = $1")
                    .bind(job.order_id.as_str())
                    .fetch_one(&mut tx)
                    .await?;
                if row.text("status")? != OrderStatus::Failed.as_str() {
                    webhooks::order_event(&mut tx, EventKind::OrderStatusChanged, order_id, now_ms)
                        .await?;
                }
                let mut errors = rows::order_errors(row.opt_text("errors")?)?;
                errors.push(e.clone());
                sql("UPDATE orders SET status = 'Failed', errors = $1, updated_at = $2 WHERE id = $3")
                    .bind(serde_json::to_string(&errors).context("cannot encode errors")?)
                    .bind(now_ms)
                    .bind(job.order_id.as_str())
                    .execute(&mut tx)
                    .await?;
            }
            None => {
                // The ledger: a line's charges count once the line is provisioned.
                sql("UPDATE charges SET recorded_at = $1 WHERE item_id = $2 AND recorded_at IS NULL")
                    .bind(now_ms)
                    .bind(job.item_id)
                    .execute(&mut tx)
                    .await?;
                let completed = sql("UPDATE orders SET status = 'Completed', updated_at = $1
                     WHERE id = $2 AND status = 'Processing'
                       AND NOT EXISTS (SELECT 1 FROM order_items WHERE order_id = $2 AND status <> 'Completed')")
                .bind(now_ms)
                .bind(job.order_id.as_str())
                .execute(&mut tx)
                .await?;
                if completed == 1 {
                    webhooks::order_event(&mut tx, EventKind::OrderStatusChanged, order_id, now_ms)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        self.order_changed(job.order_id.as_str()).await;
        Ok(true)
    }

    /// Queue depth, the oldest queued step's age and orders by status (for `/metrics`).
    pub async fn queue_stats(&self, now_ms: i64) -> StoreResult<QueueStats> {
        let queued = sql(
            "SELECT count(*) AS n, CAST(coalesce($1 - min(created_at), 0) AS BIGINT) AS age
             FROM jobs WHERE state = 'queued'",
        )
        .bind(now_ms)
        .fetch_one(&self.db)
        .await?;
        let orders = sql("SELECT status, count(*) AS n FROM orders GROUP BY status")
            .fetch_all(&self.db)
            .await?;
        Ok(QueueStats {
            queued: queued.int("n")?,
            oldest_queued_ms: queued.int("age")?,
            orders_by_status: orders
                .iter()
                .map(|r| Ok((rows::status(r, "status", OrderStatus::parse)?, r.int("n")?)))
                .collect::<StoreResult<_>>()?,
        })
    }

    /// Whether every migration this binary knows has been applied (for `/readyz`).
    pub async fn migrations_current(&self) -> StoreResult<bool> {
        let applied = sql("SELECT count(*) AS n FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.db)
            .await?
            .int("n")?;
        Ok(usize::try_from(applied).unwrap_or(0) >= self.dialect.migrations())
    }

    /// When the earliest queued job becomes due (for the worker's wait).
    pub async fn next_job_due(&self) -> StoreResult<Option<i64>> {
        sql(
            "SELECT min(CASE WHEN run_at > coalesce(lease_until, 0) THEN run_at
                                ELSE coalesce(lease_until, 0) END) AS due
             FROM jobs WHERE state = 'queued'",
        )
        .fetch_one(&self.db)
        .await?
        .opt_int("due")
    }

    /// Wakes `wake` whenever any process on this database queues work, until `shutdown`
    /// (PostgreSQL: `LISTEN`). Back ends without cross-process notifications return at once;
    /// their workers rely on in-process wake-ups and a slow poll.
    pub async fn listen_for_work(
        &self,
        wake: Arc<Notify>,
        credentials: Arc<Notify>,
        ready: Option<tokio::sync::oneshot::Sender<()>>,
        shutdown: watch::Receiver<bool>,
    ) {
        let orders = Arc::clone(&self.orders);
        dialect::listen_for_work(&self.db, wake, credentials, orders, ready, shutdown).await;
    }

    /// Tells every instance that credentials changed (PostgreSQL `NOTIFY`), so that each forgets
    /// the logins it has cached.
    pub async fn announce_credentials(&self) -> StoreResult<()> {
        Ok(dialect::announce_credentials(&self.db).await?)
    }
}

/// What a provisioned step did to its mailbox or list, for the webhooks that hear it.
async fn step_event(
    tx: &mut Tx,
    kind: StepKind,
    exchange_id: i64,
    name: &str,
    now_ms: i64,
) -> StoreResult<()> {
    let (event, tail) = match kind {
        StepKind::Create => (EventKind::MailboxCreated, format!("mailboxes/{name}")),
        StepKind::Purge => (EventKind::MailboxDeleted, format!("mailboxes/{name}")),
        StepKind::CreateList => (EventKind::ListCreated, format!("mailingLists/{name}")),
        StepKind::DeleteList => (EventKind::ListDeleted, format!("mailingLists/{name}")),
        // Address syncs change what the agent holds, not a resource of the API.
        StepKind::SyncAddress => return Ok(()),
        // A whole account's moves are one `account.status_changed`.
        StepKind::AccountStatus => return Ok(()),
        _ => (EventKind::MailboxUpdated, format!("mailboxes/{name}")),
    };
    webhooks::exchange_event(tx, event, exchange_id, &tail, now_ms).await
}

/// A step's line: `Completed`, or `Failed` with its error.
async fn record_item(
    tx: &mut Tx,
    job: &ClaimedJob,
    failed: Option<&OrderError>,
) -> StoreResult<()> {
    let (item_status, item_error) = match failed {
        Some(e) => (
            OrderStatus::Failed,
            Some(serde_json::to_string(e).context("cannot encode error")?),
        ),
        None => (OrderStatus::Completed, None),
    };
    sql("UPDATE order_items SET status = $1, error = $2 WHERE id = $3")
        .bind(item_status.as_str())
        .bind(item_error.as_deref())
        .bind(job.item_id)
        .execute(tx)
        .await?;
    Ok(())
}
