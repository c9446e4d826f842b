//! The embedded default back end: one SQLite file in WAL mode.
//!
//! Write transactions start with `BEGIN IMMEDIATE`, so they take the write lock up front and
//! wait (busy timeout) instead of failing when another writer committed in between.

mod admin;
mod directory;
mod orders;
mod queue;

use std::str::FromStr;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::rows::Cols;
use super::*;
use crate::domain::{PasswordHash, SealedPassword};

/// This binary's migrations for the back end.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl SqliteStore {
    pub async fn open(path: &str, db: &DbOptions) -> anyhow::Result<Self> {
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
            .busy_timeout(db.statement_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(db.max_connections)
            .acquire_timeout(db.acquire_timeout)
            // A local file does not go away like a server: no ping before every use (it was a
            // third round trip to the connection's thread per query).
            .test_before_acquire(false)
            .after_release(|conn, _| Box::pin(still_usable(conn)))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database {path}"))?;
        MIGRATOR
            .run(&pool)
            .await
            .context("cannot apply SQLite migrations")?;
        Ok(Self { pool })
    }

    /// The pool, for tests of its behaviour.
    #[cfg(test)]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

/// Whether a connection coming back to the pool may be used again: not if it is still in a
/// transaction. sqlx (0.8) leaves one open when a request is cancelled (its client went away)
/// between the acknowledged `BEGIN IMMEDIATE` and the creation of the `Transaction` that would
/// roll it back; such a connection holds the write lock, so every other writer would wait until
/// its busy timeout. Closing it rolls the transaction back and releases the lock at once.
async fn still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // A dropped `Transaction` queues its rollback: let the connection's thread apply it.
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!(
            "closing a database connection left in a transaction by a cancelled request"
        );
        return Ok(false);
    }
    Ok(true)
}

/// Moves an Exchange resource's `Last-Modified` on (to a later second at least). Called first
/// in every transaction that changes the domain's mailboxes: the domain's row is the lock they
/// take in a fixed order (domain, then mailbox, then counters), so they cannot deadlock.
async fn touch_exchange(
    tx: &mut sqlx::SqliteConnection,
    exchange_id: i64,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE exchanges SET updated_at = max(?, (updated_at / 1000 + 1) * 1000) WHERE id = ?",
    )
    .bind(now_ms)
    .bind(exchange_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The status of the domain's account if it is not `open`. Read after the domain's row is
/// locked, so an account status change (which locks its domains first) cannot slip between.
async fn account_not_open(
    tx: &mut sqlx::SqliteConnection,
    exchange_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let status: String = sqlx::query_scalar(
        "SELECT a.status FROM accounts a JOIN exchanges e ON e.account_id = a.id WHERE e.id = ?",
    )
    .bind(exchange_id)
    .fetch_one(&mut *tx)
    .await?;
    Ok((status != "open").then_some(status))
}

/// Writes an order with its one step and the step's queued job.
async fn insert_order(
    tx: &mut sqlx::SqliteConnection,
    o: &OrderRows<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO orders (id, account_id, owner_id, status, created_at, updated_at)
         VALUES (?, ?, ?, 'Processing', ?, ?)",
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
         VALUES (?, ?, ?, ?, 'Processing', ?) RETURNING id",
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
         VALUES (?, 'queued', ?, ?, ?)",
    )
    .bind(item_id)
    .bind(o.now_ms)
    .bind(o.now_ms)
    .bind(o.now_ms)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Reserves the mailbox's name with its settings in `status`; `false` if the name is taken.
async fn insert_mailbox(
    tx: &mut sqlx::SqliteConnection,
    o: &NewMailboxOrder<'_>,
    status: &str,
    order_id: &str,
) -> Result<bool, StoreError> {
    let m = o.mailbox;
    let contact = serde_json::to_string(&m.settings.contact).context("cannot encode contact")?;
    let inserted = sqlx::query(
        "INSERT INTO mailboxes (exchange_id, username, billing_status, admin, notes,
             recipient_limit, quota_mb, contact, forward_to, deliver_redirect, password_hash,
             order_id, created_at, updated_at, password_sealed)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(o.exchange.id)
    .bind(m.username.as_str())
    .bind(status)
    .bind(m.settings.admin)
    .bind(m.settings.notes.as_str())
    .bind(i64::from(m.settings.recipient_limit.get()))
    .bind(o.exchange.quota_mb)
    .bind(contact)
    .bind(m.settings.forward_to.as_ref().map(|a| a.as_str()))
    .bind(m.settings.deliver_redirect.as_ref().map(|a| a.as_str()))
    .bind(o.password_hash.as_str())
    .bind(order_id)
    .bind(o.now_ms)
    .bind(o.now_ms)
    .bind(o.password_sealed.map(SealedPassword::as_str))
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => Ok(false),
        other => other.map(|_| true).map_err(StoreError::from),
    }
}

#[async_trait]
impl Store for SqliteStore {
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
        row.as_ref().map(rows::exchange).transpose()
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

    async fn account(&self, number: &str) -> StoreResult<Option<AccountRecord>> {
        let row = sqlx::query(&format!("{} WHERE number = ?", rows::ACCOUNT_SELECT))
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(rows::account))
    }

    async fn exchanges_of(&self, account_id: i64) -> StoreResult<Vec<ExchangeRecord>> {
        let sql = format!("{} WHERE a.id = ? ORDER BY e.domain", rows::EXCHANGE_SELECT);
        let rows = sqlx::query(&sql)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::exchange).collect()
    }

    async fn used_mailboxes(&self, exchange_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM mailbox_counts WHERE exchange_id = ?",
        )
        .bind(exchange_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn count_mailboxes(&self, exchange_id: i64, query: &ListQuery) -> StoreResult<u64> {
        let (sql, binds) = list_sql::count(exchange_id, query, |_| "?".into());
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
        let (sql, binds, reversed) = list_sql::page(exchange_id, query, total, |_| "?".into());
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
            "{} WHERE e.domain = ? AND m.username = ?",
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
            "UPDATE mailboxes SET admin = ?, notes = ?, recipient_limit = ?, contact = ?, forward_to = ?,
                 deliver_redirect = ?, password_hash = coalesce(?, password_hash), updated_at = max(?, (updated_at / 1000 + 1) * 1000),
                 password_sealed = coalesce(?, password_sealed)
             WHERE id = ? AND updated_at = ? AND billing_status = 'open'",
        )
        .bind(u.admin)
        .bind(u.notes)
        .bind(u.recipient_limit)
        .bind(contact)
        .bind(u.forward_to)
        .bind(u.deliver_redirect)
        .bind(u.password_hash.map(PasswordHash::as_str))
        .bind(u.now_ms)
        .bind(u.password_sealed.map(SealedPassword::as_str))
        .bind(u.mailbox_id)
        .bind(u.expected_updated_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Ok(UpdateOutcome::Stale);
        }
        let in_directory = sqlx::query(
            "UPDATE mail_users SET password_hash = coalesce(?, password_hash), updated_at = ? WHERE address = ?",
        )
        .bind(u.password_hash.map(PasswordHash::as_str))
        .bind(u.now_ms)
        .bind(u.address)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if in_directory {
            sqlx::query("DELETE FROM mail_aliases WHERE source = ?")
                .bind(u.address)
                .execute(&mut *tx)
                .await?;
            for destination in &u.destinations {
                sqlx::query("INSERT INTO mail_aliases (source, destination) VALUES (?, ?) ON CONFLICT DO NOTHING")
                    .bind(u.address)
                    .bind(destination)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if let Some(step) = &u.agent_step {
            let rows = OrderRows {
                order_id: step.order_id.as_str(),
                account_id: step.account_id,
                owner_id: step.owner_id.to_string(),
                kind: step.kind,
                exchange_id: u.exchange_id,
                username: u.username,
                from_status: Some("open"),
                now_ms: u.now_ms,
            };
            insert_order(&mut tx, &rows).await?;
        }
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }

    async fn create_action_order(&self, o: &MailboxActionOrder<'_>) -> StoreResult<ActionOutcome> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, o.exchange_id, o.now_ms).await?;
        if o.kind == StepKind::Restore
            && let Some(status) = account_not_open(&mut tx, o.exchange_id).await?
        {
            return Ok(ActionOutcome::AccountNotOpen(status));
        }
        let status: Option<String> = sqlx::query_scalar(
            "SELECT billing_status FROM mailboxes WHERE exchange_id = ? AND username = ?",
        )
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
            "UPDATE mailboxes SET billing_status = ?, updated_at = max(?, (updated_at / 1000 + 1) * 1000) WHERE exchange_id = ? AND username = ?",
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

    async fn create_mailbox_order(&self, o: &NewMailboxOrder<'_>) -> StoreResult<CreateOutcome> {
        let m = o.mailbox;
        let mut tx = self.write_tx().await?;
        // Orders in one domain take turns here, so two cannot both take the last free slot.
        touch_exchange(&mut tx, o.exchange.id, o.now_ms).await?;
        if let Some(status) = account_not_open(&mut tx, o.exchange.id).await? {
            return Ok(CreateOutcome::AccountNotOpen(status));
        }
        let used: i64 = sqlx::query_scalar(
            "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM mailbox_counts WHERE exchange_id = ?",
        )
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
        let outcome = if used < o.exchange.free_mailboxes {
            if !insert_mailbox(&mut tx, o, "pending", o.order_id.as_str()).await? {
                return Ok(CreateOutcome::Duplicate);
            }
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
            CreateOutcome::Created
        } else {
            match orders::add_paid_line(&mut tx, o).await? {
                Some(outcome) => outcome,
                None => return Ok(CreateOutcome::Duplicate),
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::TransactionManager;
    use sqlx::sqlite::SqliteTransactionManager;

    /// A connection returned in the middle of a transaction that nothing will roll back (what a
    /// request cancelled inside sqlx's `begin_with` leaves) is closed, not reused: the next
    /// write transaction starts at once.
    #[tokio::test]
    async fn a_connection_left_in_a_transaction_is_not_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("db.sqlite");
        let options = DbOptions {
            max_connections: 2,
            statement_timeout: std::time::Duration::from_secs(30),
            ..DbOptions::default()
        };
        let store = SqliteStore::open(path.to_str().expect("utf-8"), &options)
            .await
            .expect("open");
        let mut conn = store.pool().acquire().await.expect("connection");
        SqliteTransactionManager::begin(&mut conn, Some("BEGIN IMMEDIATE".into()))
            .await
            .expect("begin");
        drop(conn);
        for _ in 0..4 {
            let started = std::time::Instant::now();
            let tx = store.write_tx().await.expect("a write transaction");
            assert!(started.elapsed() < std::time::Duration::from_secs(5));
            tx.commit().await.expect("commit");
        }
    }
}
