//! [`QueueStore`] on SQLite: the order worker's queue.

use anyhow::Context;
use async_trait::async_trait;

use super::*;

#[async_trait]
impl QueueStore for SqliteStore {
    async fn expired_closed_mailboxes(
        &self,
        closed_before_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64, String)>> {
        let rows = sqlx::query(
            "SELECT e.account_id, m.exchange_id, m.username FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
             WHERE m.billing_status = 'closed' AND m.closed_at < ? ORDER BY m.closed_at LIMIT ?",
        )
        .bind(closed_before_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.int("account_id"),
                    r.int("exchange_id"),
                    r.text("username"),
                )
            })
            .collect())
    }

    async fn claim_job(&self, now_ms: i64, lease_ms: i64) -> StoreResult<Option<ClaimedJob>> {
        let token = uuid::Uuid::new_v4().to_string();
        let row = sqlx::query(
            "UPDATE jobs SET lease_until = ?1 + ?2, lease_token = ?3, attempts = attempts + 1,
                             updated_at = ?1
             WHERE id = (SELECT id FROM jobs
                         WHERE state = 'queued' AND run_at <= ?1
                           AND (lease_until IS NULL OR lease_until <= ?1)
                         ORDER BY run_at, id LIMIT 1)
             RETURNING id, item_id, attempts,
                       (SELECT order_id FROM order_items WHERE id = jobs.item_id) AS order_id",
        )
        .bind(now_ms)
        .bind(lease_ms)
        .bind(&token)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| rows::claimed_job(&r, token)))
    }

    async fn renew_lease(&self, job: &ClaimedJob, until_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_token = ?")
            .bind(until_ms)
            .bind(job.id)
            .bind(&job.lease_token)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn mailbox_task(&self, job: &ClaimedJob) -> StoreResult<Option<MailboxTask>> {
        let sql = format!("{} WHERE i.id = ?", rows::TASK_SELECT);
        let row = sqlx::query(&sql)
            .bind(job.item_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::mailbox_task).transpose()
    }

    async fn finish_job(
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
        let ours = sqlx::query(
            "UPDATE jobs SET state = ?, run_at = coalesce(?, run_at), last_error = coalesce(?, last_error),
                             lease_until = NULL, lease_token = NULL, updated_at = ?
             WHERE id = ? AND lease_token = ? AND state = 'queued'",
        )
        .bind(state)
        .bind(run_at)
        .bind(error)
        .bind(now_ms)
        .bind(job.id)
        .bind(&job.lease_token)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !ours {
            return Ok(false);
        }
        if matches!(outcome, JobOutcome::Retry { .. }) {
            tx.commit().await?;
            return Ok(true);
        }
        let item = sqlx::query(
            "SELECT kind, exchange_id, username, from_status FROM order_items WHERE id = ?",
        )
        .bind(job.item_id)
        .fetch_one(&mut *tx)
        .await?;
        let kind = StepKind::parse(&item.text("kind")).context("unknown step kind")?;
        let (exchange_id, username) = (item.int("exchange_id"), item.text("username"));
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        let (item_status, item_error) = match outcome {
            JobOutcome::Failed(e) => (
                "Failed",
                Some(serde_json::to_string(e).context("cannot encode error")?),
            ),
            _ => ("Completed", None),
        };
        sqlx::query("UPDATE order_items SET status = ?, error = ? WHERE id = ?")
            .bind(item_status)
            .bind(item_error)
            .bind(job.item_id)
            .execute(&mut *tx)
            .await?;
        // Sync steps (changes carried to the agent) leave the mailbox as it is.
        if !kind.is_sync() {
            let effect = match (outcome, kind) {
                // The password held for the agent is no longer needed once the mailbox exists.
                (JobOutcome::Done, StepKind::Create) => sqlx::query(
                    "UPDATE mailboxes SET billing_status = 'open', closed_at = NULL, password_sealed = NULL, updated_at = max(?, (updated_at / 1000 + 1) * 1000)
                     WHERE exchange_id = ? AND username = ? AND billing_status = 'pending'",
                )
                .bind(now_ms),
                (JobOutcome::Done, StepKind::Restore) => sqlx::query(
                    "UPDATE mailboxes SET billing_status = 'open', closed_at = NULL, updated_at = max(?, (updated_at / 1000 + 1) * 1000)
                     WHERE exchange_id = ? AND username = ? AND billing_status = 'pending'",
                )
                .bind(now_ms),
                (JobOutcome::Done, StepKind::Close) => sqlx::query(
                    "UPDATE mailboxes SET billing_status = 'closed', closed_at = ?, updated_at = max(?, (updated_at / 1000 + 1) * 1000)
                     WHERE exchange_id = ? AND username = ? AND billing_status = 'close_pending'",
                )
                .bind(now_ms)
                .bind(now_ms),
                (JobOutcome::Done, StepKind::Purge) => sqlx::query(
                    "DELETE FROM mailboxes WHERE billing_status = 'purge_pending' AND exchange_id = ? AND username = ?",
                ),
                // A failed creation leaves no mailbox behind: the name is free again.
                (_, StepKind::Create) => sqlx::query(
                    "DELETE FROM mailboxes WHERE order_id = ? AND exchange_id = ? AND username = ?",
                )
                .bind(&job.order_id),
                // Any other failed step returns the mailbox to where it was.
                (_, _) => sqlx::query(
                    "UPDATE mailboxes SET billing_status = ?, updated_at = max(?, (updated_at / 1000 + 1) * 1000)
                     WHERE billing_status = ? AND exchange_id = ? AND username = ?",
                )
                .bind(item.opt_text("from_status"))
                .bind(now_ms)
                .bind(kind.pending_status()),
            };
            effect
                .bind(exchange_id)
                .bind(&username)
                .execute(&mut *tx)
                .await?;
        }
        match outcome {
            JobOutcome::Failed(e) => {
                let errors: Option<String> =
                    sqlx::query_scalar("SELECT errors FROM orders WHERE id = ?")
                        .bind(&job.order_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let mut errors = rows::order_errors(errors)?;
                errors.push(e.clone());
                sqlx::query(
                    "UPDATE orders SET status = 'Failed', errors = ?, updated_at = ? WHERE id = ?",
                )
                .bind(serde_json::to_string(&errors).context("cannot encode errors")?)
                .bind(now_ms)
                .bind(&job.order_id)
                .execute(&mut *tx)
                .await?;
            }
            _ => {
                // The ledger: a line's charges count once the line is provisioned.
                sqlx::query(
                    "UPDATE charges SET recorded_at = ? WHERE item_id = ? AND recorded_at IS NULL",
                )
                .bind(now_ms)
                .bind(job.item_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE orders SET status = 'Completed', updated_at = ?
                     WHERE id = ? AND status = 'Processing'
                       AND NOT EXISTS (SELECT 1 FROM order_items WHERE order_id = ? AND status <> 'Completed')",
                )
                .bind(now_ms)
                .bind(&job.order_id)
                .bind(&job.order_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn queue_stats(&self, now_ms: i64) -> StoreResult<QueueStats> {
        let row = sqlx::query(
            "SELECT count(*) AS n, CAST(coalesce(? - min(created_at), 0) AS BIGINT) AS age
             FROM jobs WHERE state = 'queued'",
        )
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        let orders = sqlx::query("SELECT status, count(*) AS n FROM orders GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        Ok(QueueStats {
            queued: row.int("n"),
            oldest_queued_ms: row.int("age"),
            orders_by_status: orders
                .iter()
                .map(|r| (r.text("status"), r.int("n")))
                .collect(),
        })
    }

    async fn migrations_current(&self) -> StoreResult<bool> {
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        Ok(usize::try_from(applied).unwrap_or(0) >= MIGRATOR.iter().count())
    }

    async fn next_job_due(&self) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT min(max(run_at, coalesce(lease_until, 0))) FROM jobs WHERE state = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
