//! The PostgreSQL back end: many stateless mailorder instances on one database.
//!
//! Workers claim jobs with `FOR UPDATE SKIP LOCKED`, so instances never wait on each other's
//! claims; orders in one Exchange domain serialise on that domain's row (free-slot count).
//! Migrations run under sqlx's advisory lock, so instances may start at once.

use std::str::FromStr;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tokio::sync::{Notify, watch};

use super::rows::Cols;
use super::*;
use crate::domain::PasswordHash;

pub struct PgStore {
    pool: PgPool,
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl PgStore {
    pub async fn open(url: &str, db: &DbOptions) -> anyhow::Result<Self> {
        let timeout_ms = db.statement_timeout.as_millis().to_string();
        let options = PgConnectOptions::from_str(url)
            .context("invalid PostgreSQL URL")?
            .options([("statement_timeout", timeout_ms.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(db.max_connections)
            .acquire_timeout(db.acquire_timeout)
            .connect_with(options)
            .await
            .context("cannot connect to PostgreSQL")?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .context("cannot apply PostgreSQL migrations")?;
        Ok(Self { pool })
    }

    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

/// Moves an Exchange resource's `Last-Modified` on (to a later second at least). Called first
/// in every transaction that changes the domain's mailboxes: the domain's row is the lock they
/// take in a fixed order (domain, then mailbox, then counters), so they cannot deadlock.
async fn touch_exchange(
    tx: &mut sqlx::PgConnection,
    exchange_id: i64,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE exchanges SET updated_at = greatest($1, (updated_at / 1000 + 1) * 1000) WHERE id = $2")
        .bind(now_ms)
        .bind(exchange_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Writes an order with its one step and the step's queued job.
async fn insert_order(tx: &mut sqlx::PgConnection, o: &OrderRows<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO orders (id, account_id, owner_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, 'Processing', $4, $5)",
    )
    .bind(o.order_id)
    .bind(o.account_id)
    .bind(&o.owner_id)
    .bind(o.now_ms)
    .bind(o.now_ms)
    .execute(&mut *tx)
    .await?;
    let item_id: i64 = sqlx::query_scalar(
        "INSERT INTO order_items (order_id, kind, exchange_id, username, status, from_status)
         VALUES ($1, $2, $3, $4, 'Processing', $5) RETURNING id",
    )
    .bind(o.order_id)
    .bind(o.kind.as_str())
    .bind(o.exchange_id)
    .bind(o.username)
    .bind(o.from_status)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO jobs (item_id, state, run_at, created_at, updated_at)
         VALUES ($1, 'queued', $2, $3, $4)",
    )
    .bind(item_id)
    .bind(o.now_ms)
    .bind(o.now_ms)
    .bind(o.now_ms)
    .execute(&mut *tx)
    .await?;
    // Delivered at commit to every instance's `LISTEN`, so their workers wake at once.
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(WORK_CHANNEL)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The `LISTEN`/`NOTIFY` channel that announces queued work.
const WORK_CHANNEL: &str = "mailorder_work";

#[async_trait]
impl Store for PgStore {
    async fn put_franchise(&self, name: &str, sandbox: bool, now_ms: i64) -> StoreResult<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO franchises (name, sandbox, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET sandbox = excluded.sandbox RETURNING id",
        )
        .bind(name)
        .bind(i64::from(sandbox))
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn franchise_id(&self, name: &str) -> StoreResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM franchises WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn put_account(&self, a: &NewAccount<'_>, now_ms: i64) -> StoreResult<i64> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO accounts (franchise_id, number, status, currency, created_at)
             VALUES ($1, $2, $3, $4, $5)
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
            sqlx::query_scalar("SELECT id FROM accounts WHERE franchise_id = $1 AND number = $2")
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
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
        sqlx::query("INSERT INTO mail_domains (domain) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(e.domain)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn put_api_user(&self, u: &NewApiUser<'_>, now_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_users (franchise_id, login, password_hash, role, account_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (franchise_id, login) DO UPDATE SET password_hash = excluded.password_hash,
                 role = excluded.role, account_id = excluded.account_id",
        )
        .bind(u.franchise_id)
        .bind(u.login)
        .bind(u.password_hash.as_str())
        .bind(if u.account_id.is_some() { "account" } else { "agent" })
        .bind(u.account_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn api_user(&self, franchise: &str, login: &str) -> StoreResult<Option<ApiUser>> {
        let row = sqlx::query(
            "SELECT u.id, u.franchise_id, u.password_hash, u.account_id
             FROM api_users u JOIN franchises f ON f.id = u.franchise_id
             WHERE f.name = $1 AND u.login = $2",
        )
        .bind(franchise)
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(rows::api_user))
    }

    async fn exchange(&self, account: &str, domain: &str) -> StoreResult<Option<ExchangeRecord>> {
        let sql = format!(
            "{} WHERE a.number = $1 AND e.domain = $2",
            rows::EXCHANGE_SELECT
        );
        let row = sqlx::query(&sql)
            .bind(account)
            .bind(domain)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::exchange).transpose()
    }

    async fn mailbox(
        &self,
        exchange_id: i64,
        username: &str,
    ) -> StoreResult<Option<MailboxRecord>> {
        let sql = format!(
            "{} WHERE exchange_id = $1 AND username = $2",
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
        let sql = format!("{} WHERE o.id = $1", rows::ORDER_SELECT);
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::order).transpose()
    }

    async fn order_exchange_ids(&self, order_id: &str) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT exchange_id FROM order_items WHERE order_id = $1")
                .bind(order_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn account(&self, number: &str) -> StoreResult<Option<AccountRecord>> {
        let row =
            sqlx::query("SELECT id, number, franchise_id, status FROM accounts WHERE number = $1")
                .bind(number)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.as_ref().map(rows::account))
    }

    async fn exchanges_of(&self, account_id: i64) -> StoreResult<Vec<ExchangeRecord>> {
        let sql = format!(
            "{} WHERE a.id = $1 ORDER BY e.domain",
            rows::EXCHANGE_SELECT
        );
        let rows = sqlx::query(&sql)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::exchange).collect()
    }

    async fn used_mailboxes(&self, exchange_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM mailbox_counts WHERE exchange_id = $1",
        )
        .bind(exchange_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn count_mailboxes(&self, exchange_id: i64, query: &ListQuery) -> StoreResult<u64> {
        let (sql, binds) = list_sql::count(exchange_id, query, |n| format!("${n}"));
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for b in binds {
            q = match b {
                list_sql::Bind::Int(i) => q.bind(i),
                list_sql::Bind::Text(t) => q.bind(t),
            };
        }
        Ok(u64::try_from(q.fetch_one(&self.pool).await?).unwrap_or(0))
    }

    async fn list_mailboxes(
        &self,
        exchange_id: i64,
        query: &ListQuery,
        total: u64,
    ) -> StoreResult<Vec<MailboxListItem>> {
        let (sql, binds, reversed) = list_sql::page(exchange_id, query, total, |n| format!("${n}"));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = match b {
                list_sql::Bind::Int(i) => q.bind(i),
                list_sql::Bind::Text(t) => q.bind(t),
            };
        }
        let mut items: Vec<MailboxListItem> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rows::list_item)
            .collect();
        if reversed {
            items.reverse();
        }
        Ok(items)
    }

    async fn mailbox_login(
        &self,
        domain: &str,
        username: &str,
    ) -> StoreResult<Option<MailboxLogin>> {
        let sql = format!(
            "{} WHERE e.domain = $1 AND m.username = $2",
            rows::LOGIN_SELECT
        );
        let row = sqlx::query(&sql)
            .bind(domain)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(rows::mailbox_login))
    }

    async fn update_mailbox(&self, u: &MailboxUpdate<'_>) -> StoreResult<UpdateOutcome> {
        let contact = serde_json::to_string(u.contact).context("cannot encode contact")?;
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, u.exchange_id, u.now_ms).await?;
        let changed = sqlx::query(
            "UPDATE mailboxes SET admin = $1, notes = $2, recipient_limit = $3, contact = $4, forward_to = $5,
                 deliver_redirect = $6, password_hash = coalesce($7, password_hash), updated_at = greatest($8, (updated_at / 1000 + 1) * 1000)
             WHERE id = $9 AND updated_at = $10 AND billing_status = 'open'",
        )
        .bind(i64::from(u.admin))
        .bind(u.notes)
        .bind(u.recipient_limit)
        .bind(contact)
        .bind(u.forward_to)
        .bind(u.deliver_redirect)
        .bind(u.password_hash.map(PasswordHash::as_str))
        .bind(u.now_ms)
        .bind(u.mailbox_id)
        .bind(u.expected_updated_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Ok(UpdateOutcome::Stale);
        }
        let in_directory = sqlx::query(
            "UPDATE mail_users SET password_hash = coalesce($1, password_hash), updated_at = $2 WHERE address = $3",
        )
        .bind(u.password_hash.map(PasswordHash::as_str))
        .bind(u.now_ms)
        .bind(u.address)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if in_directory {
            sqlx::query("DELETE FROM mail_aliases WHERE source = $1")
                .bind(u.address)
                .execute(&mut *tx)
                .await?;
            for destination in &u.destinations {
                sqlx::query("INSERT INTO mail_aliases (source, destination) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(u.address)
                    .bind(destination)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }

    async fn create_action_order(&self, o: &MailboxActionOrder<'_>) -> StoreResult<ActionOutcome> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, o.exchange_id, o.now_ms).await?;
        let status: Option<String> =
            sqlx::query_scalar("SELECT billing_status FROM mailboxes WHERE exchange_id = $1 AND username = $2 FOR UPDATE")
                .bind(o.exchange_id)
                .bind(o.username)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(status) = status else {
            return Ok(ActionOutcome::NotFound);
        };
        if !o.from.contains(&status.as_str()) {
            return Ok(ActionOutcome::WrongState(status));
        }
        sqlx::query(
            "UPDATE mailboxes SET billing_status = $1, updated_at = greatest($2, (updated_at / 1000 + 1) * 1000) WHERE exchange_id = $3 AND username = $4",
        )
        .bind(o.kind.pending_status())
        .bind(o.now_ms)
        .bind(o.exchange_id)
        .bind(o.username)
        .execute(&mut *tx)
        .await?;
        let rows = OrderRows {
            order_id: o.order_id.as_str(),
            account_id: o.account_id,
            owner_id: o.owner_id.to_string(),
            kind: o.kind,
            exchange_id: o.exchange_id,
            username: o.username,
            from_status: Some(&status),
            now_ms: o.now_ms,
        };
        insert_order(&mut tx, &rows).await?;
        tx.commit().await?;
        Ok(ActionOutcome::Created)
    }

    async fn expired_closed_mailboxes(
        &self,
        closed_before_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64, String)>> {
        let rows = sqlx::query(
            "SELECT e.account_id, m.exchange_id, m.username FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
             WHERE m.billing_status = 'closed' AND m.closed_at < $1 ORDER BY m.closed_at LIMIT $2",
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

    async fn create_mailbox_order(&self, o: &NewMailboxOrder<'_>) -> StoreResult<CreateOutcome> {
        let m = o.mailbox;
        let mut tx = self.write_tx().await?;
        // Orders in one domain take turns here, so two cannot both take the last free slot.
        touch_exchange(&mut tx, o.exchange.id, o.now_ms).await?;
        let used: i64 = sqlx::query_scalar(
            "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM mailbox_counts WHERE exchange_id = $1",
        )
        .bind(o.exchange.id)
        .fetch_one(&mut *tx)
        .await?;
        let taken: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM mailboxes WHERE exchange_id = $1 AND username = $2)",
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
        let contact =
            serde_json::to_string(&m.settings.contact).context("cannot encode contact")?;
        let inserted = sqlx::query(
            "INSERT INTO mailboxes (exchange_id, username, billing_status, admin, notes,
                 recipient_limit, quota_mb, contact, forward_to, deliver_redirect, password_hash,
                 order_id, created_at, updated_at)
             VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(o.exchange.id)
        .bind(m.username.as_str())
        .bind(i64::from(m.settings.admin))
        .bind(m.settings.notes.as_str())
        .bind(i64::from(m.settings.recipient_limit.get()))
        .bind(o.exchange.quota_mb)
        .bind(contact)
        .bind(m.settings.forward_to.as_ref().map(|a| a.as_str()))
        .bind(m.settings.deliver_redirect.as_ref().map(|a| a.as_str()))
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
        let rows = OrderRows {
            order_id: o.order_id.as_str(),
            account_id: o.exchange.account_id,
            owner_id: o.owner_id.to_string(),
            kind: StepKind::Create,
            exchange_id: o.exchange.id,
            username: m.username.as_str(),
            from_status: None,
            now_ms: o.now_ms,
        };
        insert_order(&mut tx, &rows).await?;
        tx.commit().await?;
        Ok(CreateOutcome::Created)
    }

    async fn claim_job(&self, now_ms: i64, lease_ms: i64) -> StoreResult<Option<ClaimedJob>> {
        let token = uuid::Uuid::new_v4().to_string();
        let row = sqlx::query(
            "UPDATE jobs SET lease_until = $1 + $2, lease_token = $3, attempts = attempts + 1,
                             updated_at = $1
             WHERE id = (SELECT id FROM jobs
                         WHERE state = 'queued' AND run_at <= $1
                           AND (lease_until IS NULL OR lease_until <= $1)
                         ORDER BY run_at, id LIMIT 1
                         FOR UPDATE SKIP LOCKED)
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
        let done =
            sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_token = $3")
                .bind(until_ms)
                .bind(job.id)
                .bind(&job.lease_token)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn mailbox_task(&self, job: &ClaimedJob) -> StoreResult<Option<MailboxTask>> {
        let sql = format!("{} WHERE i.id = $1", rows::TASK_SELECT);
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
            "UPDATE jobs SET state = $1, run_at = coalesce($2, run_at), last_error = coalesce($3, last_error),
                             lease_until = NULL, lease_token = NULL, updated_at = $4
             WHERE id = $5 AND lease_token = $6 AND state = 'queued'",
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
            "SELECT kind, exchange_id, username, from_status FROM order_items WHERE id = $1",
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
        sqlx::query("UPDATE order_items SET status = $1, error = $2 WHERE id = $3")
            .bind(item_status)
            .bind(item_error)
            .bind(job.item_id)
            .execute(&mut *tx)
            .await?;
        let effect = match (outcome, kind) {
            (JobOutcome::Done, StepKind::Create | StepKind::Restore) => sqlx::query(
                "UPDATE mailboxes SET billing_status = 'open', closed_at = NULL, updated_at = greatest($1, (updated_at / 1000 + 1) * 1000)
                 WHERE exchange_id = $2 AND username = $3 AND billing_status = 'pending'",
            )
            .bind(now_ms),
            (JobOutcome::Done, StepKind::Close) => sqlx::query(
                "UPDATE mailboxes SET billing_status = 'closed', closed_at = $1, updated_at = greatest($2, (updated_at / 1000 + 1) * 1000)
                 WHERE exchange_id = $3 AND username = $4 AND billing_status = 'close_pending'",
            )
            .bind(now_ms)
            .bind(now_ms),
            (JobOutcome::Done, StepKind::Purge) => sqlx::query(
                "DELETE FROM mailboxes WHERE billing_status = 'purge_pending' AND exchange_id = $1 AND username = $2",
            ),
            // A failed creation leaves no mailbox behind: the name is free again.
            (_, StepKind::Create) => sqlx::query(
                "DELETE FROM mailboxes WHERE order_id = $1 AND exchange_id = $2 AND username = $3",
            )
            .bind(&job.order_id),
            // Any other failed step returns the mailbox to where it was.
            (_, _) => sqlx::query(
                "UPDATE mailboxes SET billing_status = $1, updated_at = greatest($2, (updated_at / 1000 + 1) * 1000)
                 WHERE billing_status = $3 AND exchange_id = $4 AND username = $5",
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
        match outcome {
            JobOutcome::Failed(e) => {
                let errors: Option<String> =
                    sqlx::query_scalar("SELECT errors FROM orders WHERE id = $1")
                        .bind(&job.order_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let mut errors = rows::order_errors(errors)?;
                errors.push(e.clone());
                sqlx::query("UPDATE orders SET status = 'Failed', errors = $1, updated_at = $2 WHERE id = $3")
                    .bind(serde_json::to_string(&errors).context("cannot encode errors")?)
                    .bind(now_ms)
                    .bind(&job.order_id)
                    .execute(&mut *tx)
                    .await?;
            }
            _ => {
                sqlx::query(
                    "UPDATE orders SET status = 'Completed', updated_at = $1
                     WHERE id = $2 AND status = 'Processing'
                       AND NOT EXISTS (SELECT 1 FROM order_items WHERE order_id = $3 AND status <> 'Completed')",
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

    async fn next_job_due(&self) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT min(greatest(run_at, coalesce(lease_until, 0))) FROM jobs WHERE state = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn directory_put(&self, d: &DirectoryEntry<'_>, now_ms: i64) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO mail_users (address, domain, password_hash, home, quota_mb, active, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (address) DO UPDATE SET password_hash = excluded.password_hash,
                 home = excluded.home, quota_mb = excluded.quota_mb, active = excluded.active,
                 updated_at = excluded.updated_at",
        )
        .bind(d.address)
        .bind(d.domain)
        .bind(d.password_hash.as_str())
        .bind(d.home)
        .bind(d.quota_mb)
        .bind(i64::from(d.active))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM mail_aliases WHERE source = $1")
            .bind(d.address)
            .execute(&mut *tx)
            .await?;
        for destination in &d.destinations {
            sqlx::query("INSERT INTO mail_aliases (source, destination) VALUES ($1, $2) ON CONFLICT DO NOTHING")
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
            "DELETE FROM mail_aliases WHERE source = $1",
            "DELETE FROM mail_users WHERE address = $1",
        ] {
            sqlx::query(sql).bind(address).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn listen_for_work(&self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let mut listener = match PgListener::connect_with(&self.pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot LISTEN for work; polling meanwhile");
                    tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_secs(2)) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            };
            if let Err(e) = listener.listen(WORK_CHANNEL).await {
                tracing::warn!(error = %e, "cannot LISTEN for work; polling meanwhile");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                continue;
            }
            // A (re)connection may have missed notifications: look for work now.
            wake.notify_waiters();
            loop {
                tokio::select! {
                    message = listener.try_recv() => match message {
                        Ok(Some(_)) => wake.notify_waiters(),
                        // The connection was lost and will be re-established.
                        Ok(None) => wake.notify_waiters(),
                        Err(e) => {
                            tracing::warn!(error = %e, "LISTEN connection failed");
                            break;
                        }
                    },
                    _ = shutdown.changed() => return,
                }
            }
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
