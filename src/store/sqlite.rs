//! The embedded default back end: one SQLite file in WAL mode.
//!
//! Write transactions start with `BEGIN IMMEDIATE`, so they take the write lock up front and
//! wait (busy timeout) instead of failing when another writer committed in between.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::*;

pub struct SqliteStore {
    pool: SqlitePool,
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl SqliteStore {
    pub async fn open(path: &str) -> anyhow::Result<Self> {
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database {path}"))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .context("cannot apply SQLite migrations")?;
        Ok(Self { pool })
    }

    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn put_franchise(&self, name: &str, sandbox: bool, now_ms: i64) -> StoreResult<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO franchises (name, sandbox, created_at) VALUES (?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET sandbox = excluded.sandbox RETURNING id",
        )
        .bind(name)
        .bind(sandbox)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn franchise_id(&self, name: &str) -> StoreResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM franchises WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn put_account(&self, a: &NewAccount<'_>, now_ms: i64) -> StoreResult<i64> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO accounts (franchise_id, number, status, currency, created_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (number) DO UPDATE SET status = excluded.status, currency = excluded.currency
             WHERE accounts.franchise_id = excluded.franchise_id
             RETURNING id",
        )
        .bind(a.franchise_id)
        .bind(a.number)
        .bind(a.status)
        .bind(a.currency.as_str())
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        id.ok_or_else(|| {
            anyhow::anyhow!("account {} already belongs to another franchise", a.number).into()
        })
    }

    async fn account_id(&self, franchise_id: i64, number: &str) -> StoreResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM accounts WHERE franchise_id = ? AND number = ?")
                .bind(franchise_id)
                .bind(number)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn put_exchange(&self, e: &NewExchange<'_>, now_ms: i64) -> StoreResult<i64> {
        let mut tx = self.write_tx().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO exchanges (account_id, domain, version, free_mailboxes, mailbox_price_minor,
                                    currency, quota_mb, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (domain) DO UPDATE SET version = excluded.version,
                 free_mailboxes = excluded.free_mailboxes,
                 mailbox_price_minor = excluded.mailbox_price_minor,
                 currency = excluded.currency, quota_mb = excluded.quota_mb,
                 updated_at = excluded.updated_at
             WHERE exchanges.account_id = excluded.account_id
             RETURNING id",
        )
        .bind(e.account_id)
        .bind(e.domain)
        .bind(e.version)
        .bind(e.plan.free_mailboxes)
        .bind(e.plan.mailbox_price.minor())
        .bind(e.plan.currency.as_str())
        .bind(e.plan.quota_mb)
        .bind(now_ms)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(anyhow::anyhow!("{} is already on another account", e.domain).into());
        };
        sqlx::query("INSERT INTO mail_domains (domain) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(e.domain)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn put_api_user(&self, u: &NewApiUser<'_>, now_ms: i64) -> StoreResult<()> {
        let account_id = match u.role {
            Role::Agent => None,
            Role::AccountUser { account_id } => Some(account_id),
        };
        sqlx::query(
            "INSERT INTO api_users (franchise_id, login, password_hash, role, account_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (franchise_id, login) DO UPDATE SET password_hash = excluded.password_hash,
                 role = excluded.role, account_id = excluded.account_id",
        )
        .bind(u.franchise_id)
        .bind(u.login)
        .bind(u.password_hash.as_str())
        .bind(u.role.as_str())
        .bind(account_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn api_user(&self, franchise: &str, login: &str) -> StoreResult<Option<ApiUser>> {
        let row = sqlx::query(
            "SELECT u.id, u.franchise_id, u.password_hash, u.account_id
             FROM api_users u JOIN franchises f ON f.id = u.franchise_id
             WHERE f.name = ? AND u.login = ?",
        )
        .bind(franchise)
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(rows::api_user))
    }

    async fn exchange(&self, account: &str, domain: &str) -> StoreResult<Option<ExchangeRecord>> {
        let sql = format!(
            "{} WHERE a.number = ? AND e.domain = ?",
            rows::EXCHANGE_SELECT
        );
        let row = sqlx::query(&sql)
            .bind(account)
            .bind(domain)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(rows::exchange))
    }

    async fn mailbox(
        &self,
        exchange_id: i64,
        username: &str,
    ) -> StoreResult<Option<MailboxRecord>> {
        let sql = format!(
            "{} WHERE exchange_id = ? AND username = ?",
            rows::MAILBOX_SELECT
        );
        let row = sqlx::query(&sql)
            .bind(exchange_id)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::mailbox).transpose()
    }

    async fn order(&self, id: &str) -> StoreResult<Option<OrderRecord>> {
        let sql = format!("{} WHERE o.id = ?", rows::ORDER_SELECT);
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::order).transpose()
    }

    async fn create_mailbox_order(&self, o: &NewMailboxOrder<'_>) -> StoreResult<CreateOutcome> {
        let m = o.mailbox;
        let mut tx = self.write_tx().await?;
        let used: i64 = sqlx::query_scalar("SELECT count(*) FROM mailboxes WHERE exchange_id = ?")
            .bind(o.exchange.id)
            .fetch_one(&mut *tx)
            .await?;
        let taken: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM mailboxes WHERE exchange_id = ? AND username = ?)",
        )
        .bind(o.exchange.id)
        .bind(m.username.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if taken {
            return Ok(CreateOutcome::Duplicate);
        }
        if used >= o.exchange.free_mailboxes {
            return Ok(CreateOutcome::NoFreeSlot);
        }
        sqlx::query(
            "INSERT INTO orders (id, account_id, owner_id, status, created_at, updated_at)
             VALUES (?, ?, ?, 'Processing', ?, ?)",
        )
        .bind(o.order_id.as_str())
        .bind(o.exchange.account_id)
        .bind(o.owner_id.to_string())
        .bind(o.now_ms)
        .bind(o.now_ms)
        .execute(&mut *tx)
        .await?;
        let contact = serde_json::to_string(&m.contact).context("cannot encode contact")?;
        let inserted = sqlx::query(
            "INSERT INTO mailboxes (exchange_id, username, billing_status, admin, notes,
                 recipient_limit, quota_mb, contact, forward_to, deliver_redirect, password_hash,
                 order_id, created_at, updated_at)
             VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(o.exchange.id)
        .bind(m.username.as_str())
        .bind(m.admin)
        .bind(m.notes.as_str())
        .bind(i64::from(m.recipient_limit.get()))
        .bind(o.exchange.quota_mb)
        .bind(contact)
        .bind(m.forward_to.as_ref().map(|a| a.as_str()))
        .bind(m.deliver_redirect.as_ref().map(|a| a.as_str()))
        .bind(o.password_hash.as_str())
        .bind(o.order_id.as_str())
        .bind(o.now_ms)
        .bind(o.now_ms)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Ok(CreateOutcome::Duplicate),
            other => other?,
        };
        let item_id: i64 = sqlx::query_scalar(
            "INSERT INTO order_items (order_id, kind, exchange_id, username, status)
             VALUES (?, 'create_mailbox', ?, ?, 'Processing') RETURNING id",
        )
        .bind(o.order_id.as_str())
        .bind(o.exchange.id)
        .bind(m.username.as_str())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO jobs (item_id, state, run_at, created_at, updated_at)
             VALUES (?, 'queued', ?, ?, ?)",
        )
        .bind(item_id)
        .bind(o.now_ms)
        .bind(o.now_ms)
        .bind(o.now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CreateOutcome::Created)
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
        Ok(row.as_ref().map(rows::mailbox_task))
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
        match outcome {
            JobOutcome::Retry { .. } => {}
            JobOutcome::Done => {
                sqlx::query("UPDATE order_items SET status = 'Completed' WHERE id = ?")
                    .bind(job.item_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE mailboxes SET billing_status = 'open', updated_at = ?
                     WHERE (exchange_id, username) = (SELECT exchange_id, username FROM order_items WHERE id = ?)
                       AND billing_status = 'pending'",
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
            JobOutcome::Failed(e) => {
                let item_error = serde_json::to_string(e).context("cannot encode error")?;
                sqlx::query("UPDATE order_items SET status = 'Failed', error = ? WHERE id = ?")
                    .bind(&item_error)
                    .bind(job.item_id)
                    .execute(&mut *tx)
                    .await?;
                // The reservation is released: a failed order leaves no mailbox behind.
                sqlx::query(
                    "DELETE FROM mailboxes
                     WHERE (exchange_id, username) = (SELECT exchange_id, username FROM order_items WHERE id = ?)
                       AND order_id = ?",
                )
                .bind(job.item_id)
                .bind(&job.order_id)
                .execute(&mut *tx)
                .await?;
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
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn next_job_due(&self) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT min(max(run_at, coalesce(lease_until, 0))) FROM jobs WHERE state = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn directory_put(&self, d: &DirectoryEntry<'_>, now_ms: i64) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO mail_users (address, domain, password_hash, home, quota_mb, active, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (address) DO UPDATE SET password_hash = excluded.password_hash,
                 home = excluded.home, quota_mb = excluded.quota_mb, active = excluded.active,
                 updated_at = excluded.updated_at",
        )
        .bind(d.address)
        .bind(d.domain)
        .bind(d.password_hash.as_str())
        .bind(d.home)
        .bind(d.quota_mb)
        .bind(d.active)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM mail_aliases WHERE source = ?")
            .bind(d.address)
            .execute(&mut *tx)
            .await?;
        for destination in &d.destinations {
            sqlx::query("INSERT INTO mail_aliases (source, destination) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(d.address)
                .bind(destination)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn directory_remove(&self, address: &str) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for sql in [
            "DELETE FROM mail_aliases WHERE source = ?",
            "DELETE FROM mail_users WHERE address = ?",
        ] {
            sqlx::query(sql).bind(address).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
