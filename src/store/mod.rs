//! Storage: [`Store`], the one seam to the database, written once for SQLite and PostgreSQL
//! (`sql/`: its methods by area). What differs between the two is in `dialect.rs`; `db.rs` runs a statement on
//! either; the schema is one folder of migrations per back end (`migrations/<backend>/`). The
//! back end is picked once, from the database URL, by [`connect`]; nothing above this module
//! knows which one runs.
//!
//! Times are stored as integer milliseconds since the Unix epoch, flags as 0/1 integers and
//! statuses as the API spells them ([`crate::domain::BillingStatus`] and the others), on both
//! back ends.

mod db;
mod dialect;
mod list_sql;
mod model;
mod onboarding_model;
mod order_model;
mod rows;
mod sql;
pub mod watch;

use std::sync::Arc;

pub use crate::domain::{AccountStatus, AddOn, BillingStatus, OrderStatus, Role, StepKind};
pub use model::*;
pub use onboarding_model::*;
pub use order_model::*;
pub use sql::{AttributeOutcome, ClaimTimes, DeleteOutcome, IdempotencyClaim, PARTNER_ID, Store};

use crate::domain::OrderId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached right now (connection refused, pool timeout, I/O).
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Whether an error means "the database is not there right now" (retry later) rather than a
/// fault in the request or the code: lost or refused connections, an exhausted or closed pool,
/// a server shutting down or starting up, a busy SQLite file.
fn is_outage(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL: connection exceptions (08…), shutdown and start-up (57P01-57P03), too
        // many connections (53300), statement timeout (57014), deadlock or serialization
        // failure (40P01, 40001: retrying succeeds). SQLite: busy or locked (5, 6).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || [
                    "57P01", "57P02", "57P03", "53300", "57014", "40P01", "40001", "5", "6",
                ]
                .contains(&code.as_ref())
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if is_outage(&err) {
            Self::Unavailable(err)
        } else {
            Self::Other(anyhow::Error::new(err).context("database query failed"))
        }
    }
}

/// Connection settings for either back end.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Connections per process.
    pub max_connections: u32,
    /// How long a request waits for a connection before it is answered `503`.
    pub acquire_timeout: std::time::Duration,
    /// Longest a statement may run (PostgreSQL `statement_timeout`) or wait for a lock (SQLite).
    pub statement_timeout: std::time::Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: std::time::Duration::from_secs(5),
            statement_timeout: std::time::Duration::from_secs(10),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What `/metrics` reads from the database.
#[derive(Debug, Clone, Default)]
pub struct QueueStats {
    /// Steps queued (due or waiting for a retry) or running.
    pub queued: i64,
    /// Age of the oldest of them, in ms (0 when none).
    pub oldest_queued_ms: i64,
    pub orders_by_status: Vec<(OrderStatus, i64)>,
}

/// The rows of a new order with one step: the order (`Processing`), its item, the item's job.
pub(super) struct OrderRows<'a> {
    pub order_id: &'a str,
    pub account_id: i64,
    pub owner_id: String,
    pub kind: StepKind,
    pub exchange_id: i64,
    pub username: &'a str,
    /// The mailbox status to return to if the step fails (`None` for a creation).
    pub from_status: Option<BillingStatus>,
    pub now_ms: i64,
}

/// Connects to `url` (`sqlite://PATH` or `postgres://…`) with default options.
pub async fn connect(url: &str) -> anyhow::Result<Arc<Store>> {
    connect_with(url, &DbOptions::default()).await
}

/// Connects to `url` (`sqlite://PATH` or `postgres://…`) and applies that back end's migrations.
pub async fn connect_with(url: &str, options: &DbOptions) -> anyhow::Result<Arc<Store>> {
    Ok(Arc::new(Store::open(url, options).await?))
}

/// Ensures an order id read back from the database is well-formed.
pub(crate) fn stored_order_id(raw: String) -> anyhow::Result<OrderId> {
    OrderId::parse(&raw).ok_or_else(|| anyhow::anyhow!("malformed order id in database"))
}
