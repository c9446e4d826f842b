//! Everything that differs between SQLite and PostgreSQL, in one place. The store's SQL is
//! written once (in `sql/`); it asks this module for the few fragments and steps that are not
//! the same on both back ends:
//!
//! | hook | SQLite | PostgreSQL | why |
//! |---|---|---|---|
//! | [`Dialect::begin_write`] | `BEGIN IMMEDIATE` | `BEGIN` | SQLite has one writer: take its lock up front, so a transaction waits (busy timeout) instead of failing when another committed in between |
//! | [`Dialect::row_lock`] | nothing | `FOR UPDATE` | PostgreSQL transactions run side by side; SQLite's write lock already covers every row |
//! | [`Dialect::claim_lock`] | nothing | `FOR UPDATE SKIP LOCKED` | instances claim different jobs without waiting for each other |
//! | [`Dialect::owner_lock`] | none | `pg_advisory_xact_lock` | one owner's orders take turns, though the order row to lock may not exist yet |
//! | [`Dialect::notify_work`] | none | `pg_notify` | wakes the workers of every instance at commit ([`listen_for_work`]); SQLite's are in this process |
//! | [`announce_credentials`] | none | `pg_notify` | every instance forgets its cached logins when credentials change ([`listen_for_work`]); SQLite has one process |
//! | [`open`] | a file in WAL mode, pragmas (`secure_delete`), `BEGIN IMMEDIATE` leak check | a server, `statement_timeout` | connection settings and migrations |
//! | [`Dialect::mailbox_display_name`] | `json_extract` | `->` / `->>` | a mailbox's name from its contact JSON (list members sort and filter by it) |
//! | [`Dialect::flush_rewritten`] | `wal_checkpoint(TRUNCATE)` | none | after rewriting what must not stay on disk, the WAL's old page images go too |
//!
//! Booleans are 0/1 integers and times integer milliseconds on both; "the later of two values"
//! is written as a `CASE`, which both read, rather than `max`/`greatest`.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Notify, watch};

use super::DbOptions;
use super::db::Db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    Sqlite,
    Postgres,
}

/// This binary's migrations, one folder per back end.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The `LISTEN`/`NOTIFY` channel that announces queued work.
const WORK_CHANNEL: &str = "mailorder_work";
/// The channel that announces changed credentials (a password, a closed mailbox, a suspended
/// account): every instance forgets the logins it has cached.
const CREDENTIALS_CHANNEL: &str = "mailorder_credentials";
/// The channel that announces a changed order (its id): every instance wakes its waiters.
const ORDERS_CHANNEL: &str = "mailorder_orders";

/// Tells every instance on this PostgreSQL database that order `id` changed; nothing to do on
/// SQLite (one process, told directly).
pub(super) async fn announce_order(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    if let Db::Postgres(pool) = db {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(ORDERS_CHANNEL)
            .bind(id)
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Tells every instance on this PostgreSQL database that credentials changed; nothing to do on
/// SQLite (one process).
pub(super) async fn announce_credentials(db: &Db) -> Result<(), sqlx::Error> {
    if let Db::Postgres(pool) = db {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(CREDENTIALS_CHANNEL)
            .execute(pool)
            .await?;
    }
    Ok(())
}

impl Dialect {
    /// How a write transaction begins.
    pub fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// Appended to a `SELECT` inside a write transaction that the transaction will change.
    pub fn row_lock(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE",
        }
    }

    /// A mailbox's display name (`contact` holds its JSON; the name is at `name.name`), as an
    /// SQL expression over the mailbox table's alias `m`.
    pub fn mailbox_display_name(self) -> &'static str {
        match self {
            Self::Sqlite => "coalesce(json_extract(m.contact, '$.name.name'), '')",
            Self::Postgres => "coalesce(m.contact::json -> 'name' ->> 'name', '')",
        }
    }

    /// Appended to the job claim's `SELECT`.
    pub fn claim_lock(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// A statement (`$1`: the owner id) that makes one owner's transactions take turns.
    pub fn owner_lock(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"),
        }
    }

    /// A statement that, after a rewrite of what must not stay on disk, removes the old
    /// versions the back end keeps beside the table (SQLite's WAL; PostgreSQL's dead row
    /// versions are not readable and go at its next vacuum).
    pub fn flush_rewritten(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => Some("PRAGMA wal_checkpoint(TRUNCATE)"),
            Self::Postgres => None,
        }
    }

    /// A statement that wakes every instance's workers when its transaction commits.
    pub fn notify_work(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some("SELECT pg_notify('mailorder_work', '')"),
        }
    }

    /// How many migrations this binary knows.
    pub fn migrations(self) -> usize {
        match self {
            Self::Sqlite => SQLITE_MIGRATIONS.iter().count(),
            Self::Postgres => POSTGRES_MIGRATIONS.iter().count(),
        }
    }
}

/// Opens `url` (`sqlite://PATH` or `postgres://…`) and applies its back end's migrations.
/// Counts the pool's checkouts (a statement outside a transaction, or a whole transaction):
/// what a request costs the database, as the long-poll test measures it.
pub(super) type Checkouts = Arc<std::sync::atomic::AtomicU64>;

fn count(checkouts: &Checkouts) {
    checkouts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

pub(super) async fn open(
    url: &str,
    options: &DbOptions,
    checkouts: Checkouts,
) -> anyhow::Result<(Dialect, Db)> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok((
            Dialect::Sqlite,
            open_sqlite(path, options, checkouts).await?,
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((
            Dialect::Postgres,
            open_postgres(url, options, checkouts).await?,
        ))
    } else {
        anyhow::bail!("unsupported database URL {url:?}: use sqlite://PATH or postgres://…")
    }
}

/// One SQLite file in WAL mode; the folder is created if missing.
async fn open_sqlite(path: &str, db: &DbOptions, checkouts: Checkouts) -> anyhow::Result<Db> {
    if let Some(dir) = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // What is deleted or overwritten is zeroed in the file, not left in free space.
        .pragma("secure_delete", "ON")
        .busy_timeout(db.statement_timeout);
    let pool = SqlitePoolOptions::new()
        .max_connections(db.max_connections)
        .acquire_timeout(db.acquire_timeout)
        // A local file does not go away like a server: no ping before every use (it was a
        // further round trip to the connection's thread per query).
        .test_before_acquire(false)
        .after_release(move |conn, _| {
            count(&checkouts);
            Box::pin(sqlite_still_usable(conn))
        })
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open SQLite database {path}"))?;
    SQLITE_MIGRATIONS
        .run(&pool)
        .await
        .context("cannot apply SQLite migrations")?;
    Ok(Db::Sqlite(pool))
}

/// Whether an SQLite connection coming back to the pool may be used again: not if it is still
/// in a transaction. sqlx (0.8) leaves one open when a request is cancelled (its client went
/// away) between the acknowledged `BEGIN IMMEDIATE` and the creation of the `Transaction` that
/// would roll it back; such a connection holds the write lock, so every other writer would wait
/// until its busy timeout. Closing it rolls the transaction back and releases the lock at once.
async fn sqlite_still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
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

/// A PostgreSQL server; statements longer than the timeout are cancelled by the server.
/// Migrations run under sqlx's advisory lock, so instances may start at once.
async fn open_postgres(url: &str, db: &DbOptions, checkouts: Checkouts) -> anyhow::Result<Db> {
    let timeout_ms = db.statement_timeout.as_millis().to_string();
    let options = PgConnectOptions::from_str(url)
        .context("invalid PostgreSQL URL")?
        .options([("statement_timeout", timeout_ms.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(db.max_connections)
        .acquire_timeout(db.acquire_timeout)
        // A connection the server dropped fails its next statement (`503`) and is discarded;
        // a ping before every use would cost a round trip per statement.
        .test_before_acquire(false)
        .after_release(move |_, _| {
            count(&checkouts);
            Box::pin(async { Ok(true) })
        })
        .connect_with(options)
        .await
        .context("cannot connect to PostgreSQL")?;
    POSTGRES_MIGRATIONS
        .run(&pool)
        .await
        .context("cannot apply PostgreSQL migrations")?;
    Ok(Db::Postgres(pool))
}

/// Wakes `wake` whenever any instance on this PostgreSQL database queues work, and
/// `credentials` whenever one announces changed credentials (`LISTEN`), until `shutdown`;
/// reconnects after a lost connection (and then wakes both: it may have missed something). On
/// SQLite it returns at once: everything happens in this process.
pub(super) async fn listen_for_work(
    db: &Db,
    wake: Arc<Notify>,
    credentials: Arc<Notify>,
    orders: Arc<super::watch::OrderWatch>,
    mut ready: Option<tokio::sync::oneshot::Sender<()>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let Db::Postgres(pool) = db else {
        return;
    };
    let mut reconnected = false;
    while !*shutdown.borrow() {
        let mut listener = match PgListener::connect_with(pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot LISTEN for work; polling meanwhile");
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(2)) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        if let Err(e) = listener
            .listen_all([WORK_CHANNEL, CREDENTIALS_CHANNEL, ORDERS_CHANNEL])
            .await
        {
            tracing::warn!(error = %e, "cannot LISTEN for work; polling meanwhile");
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            continue;
        }
        // A reconnection may have missed notifications: look for work now, forget logins
        // (nothing can have been missed before the first connection).
        wake.notify_waiters();
        if reconnected {
            credentials.notify_one();
            orders.changed_all();
        }
        reconnected = true;
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
        loop {
            tokio::select! {
                message = listener.try_recv() => match message {
                    // `notify_one` keeps the notice for the forgetting task if it is busy.
                    Ok(Some(n)) if n.channel() == CREDENTIALS_CHANNEL => credentials.notify_one(),
                    Ok(Some(n)) if n.channel() == ORDERS_CHANNEL => orders.changed(n.payload()),
                    Ok(Some(_)) => wake.notify_waiters(),
                    // The connection was lost and will be re-established.
                    Ok(None) => {
                        wake.notify_waiters();
                        credentials.notify_one();
                        orders.changed_all();
                    }
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
