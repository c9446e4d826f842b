//! Storage: one [`Store`] trait, one implementation per back end (`sqlite`, `postgres`), each
//! with its own migrations under `migrations/<backend>/`. The back end is picked once, from the
//! database URL, by [`connect`]; nothing above this module knows which one runs.
//!
//! Times are stored as integer milliseconds since the Unix epoch on both back ends.

mod list_sql;
mod model;
mod order_model;
mod postgres;
mod rows;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Notify, watch};

pub use model::*;
pub use order_model::*;

use crate::domain::{OrderId, SealedPassword};

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

/// Everything mailorder keeps, behind one seam: the API's reads and writes here, the rest in
/// [`AdminStore`], [`QueueStore`] and [`DirectoryStore`].
#[async_trait]
pub trait Store:
    AdminStore + QueueStore + DirectoryStore + OrderStore + Send + Sync + 'static
{
    async fn api_user(&self, franchise: &str, login: &str) -> StoreResult<Option<ApiUser>>;
    async fn exchange(&self, account: &str, domain: &str) -> StoreResult<Option<ExchangeRecord>>;
    async fn mailbox(&self, exchange_id: i64, username: &str)
    -> StoreResult<Option<MailboxRecord>>;
    async fn order(&self, id: &str) -> StoreResult<Option<OrderRecord>>;
    async fn account(&self, number: &str) -> StoreResult<Option<AccountRecord>>;
    async fn exchanges_of(&self, account_id: i64) -> StoreResult<Vec<ExchangeRecord>>;
    /// Mailboxes counted against the plan: every one not yet purged.
    async fn used_mailboxes(&self, exchange_id: i64) -> StoreResult<i64>;
    async fn count_mailboxes(&self, exchange_id: i64, query: &ListQuery) -> StoreResult<u64>;
    /// The page `query` asks for; `total` is what [`Store::count_mailboxes`] said.
    async fn list_mailboxes(
        &self,
        exchange_id: i64,
        query: &ListQuery,
        total: u64,
    ) -> StoreResult<Vec<MailboxListItem>>;
    async fn mailbox_login(
        &self,
        domain: &str,
        username: &str,
    ) -> StoreResult<Option<MailboxLogin>>;

    /// Reserves the name and, in one transaction with it: with a free slot left, writes a
    /// submitted order, its item and its queue entry; without one, adds a paid line to the
    /// owner's open order (or opens one).
    async fn create_mailbox_order(&self, order: &NewMailboxOrder<'_>)
    -> StoreResult<CreateOutcome>;
    /// Updates the mailbox and, if it is in the mail directory, its directory entry, in one
    /// transaction; only an `open` mailbox still at `expected_updated_ms` is changed.
    async fn update_mailbox(&self, update: &MailboxUpdate<'_>) -> StoreResult<UpdateOutcome>;
    /// Moves the mailbox to the step's pending status and queues the step, in one transaction.
    async fn create_action_order(
        &self,
        order: &MailboxActionOrder<'_>,
    ) -> StoreResult<ActionOutcome>;
    async fn close(&self);
}

/// Administration (CLI and demo seed); all idempotent "put" operations.
#[async_trait]
pub trait AdminStore: Send + Sync {
    async fn put_franchise(&self, name: &str, sandbox: bool, now_ms: i64) -> StoreResult<i64>;
    async fn franchise_id(&self, name: &str) -> StoreResult<Option<i64>>;
    /// Every (franchise, plan) pair some Exchange domain is on.
    async fn plans_in_use(&self) -> StoreResult<Vec<(String, String)>>;
    async fn put_account(&self, account: &NewAccount<'_>, now_ms: i64) -> StoreResult<i64>;
    async fn account_id(&self, franchise_id: i64, number: &str) -> StoreResult<Option<i64>>;
    async fn put_exchange(&self, exchange: &NewExchange<'_>, now_ms: i64) -> StoreResult<i64>;
    async fn put_api_user(&self, user: &NewApiUser<'_>, now_ms: i64) -> StoreResult<()>;
}

/// The order worker's queue.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Closed mailboxes whose restore window ended: (account id, exchange id, username).
    async fn expired_closed_mailboxes(
        &self,
        closed_before_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64, String)>>;

    /// Claims the next due job with a lease; no transaction stays open afterwards.
    async fn claim_job(&self, now_ms: i64, lease_ms: i64) -> StoreResult<Option<ClaimedJob>>;
    /// Extends a running job's lease; `false` if the lease was lost.
    async fn renew_lease(&self, job: &ClaimedJob, until_ms: i64) -> StoreResult<bool>;
    /// What the claimed job must provision, or `None` if its mailbox vanished.
    async fn mailbox_task(&self, job: &ClaimedJob) -> StoreResult<Option<MailboxTask>>;
    /// Records the outcome if the lease is still ours; `false` means another worker took over.
    async fn finish_job(
        &self,
        job: &ClaimedJob,
        outcome: &JobOutcome,
        now_ms: i64,
    ) -> StoreResult<bool>;
    /// Queue depth, the oldest queued step's age and orders by status (for `/metrics`).
    async fn queue_stats(&self, now_ms: i64) -> StoreResult<QueueStats>;
    /// Whether every migration this binary knows has been applied (for `/readyz`).
    async fn migrations_current(&self) -> StoreResult<bool>;
    /// When the earliest queued job becomes due (for the worker's wait).
    async fn next_job_due(&self) -> StoreResult<Option<i64>>;

    /// Wakes `wake` whenever any process on this database queues work, until `shutdown`
    /// (PostgreSQL: `LISTEN`). Back ends without cross-process notifications return at once;
    /// their workers rely on in-process wake-ups and a slow poll.
    async fn listen_for_work(&self, wake: Arc<Notify>, shutdown: watch::Receiver<bool>) {
        let _ = (wake, shutdown);
    }
}

/// The order API: open orders, their lines, submit, cancel, expiry, lists and the ledger.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// The open order (status `new`) that `owner_id` owns.
    async fn open_order_of(&self, owner_id: &str) -> StoreResult<Option<OrderRecord>>;
    /// The full quote (JSON) a submitted order was submitted with.
    async fn order_quote(&self, order_id: &str) -> StoreResult<Option<String>>;
    /// An order with its lines, in one query (the order API's reads).
    async fn order_with_lines(
        &self,
        order_id: &str,
    ) -> StoreResult<Option<(OrderRecord, Vec<OrderLine>)>>;
    /// An order's lines, in the order they were added.
    async fn order_lines(&self, order_id: &str) -> StoreResult<Vec<OrderLine>>;
    /// Submits an open order still at `revision`: its lines and mailboxes go `Processing` /
    /// `pending`, their jobs are queued and the quote's charges are written (unrecorded), in
    /// one transaction.
    async fn submit_order(&self, submit: &SubmitOrder<'_>) -> StoreResult<SubmitOutcome>;
    /// Cancels an open order and releases the names its lines reserved.
    async fn cancel_order(&self, order_id: &str, now_ms: i64) -> StoreResult<CancelOutcome>;
    /// Open orders unchanged since before `unchanged_since_ms` (for expiry), oldest first.
    async fn stale_open_orders(
        &self,
        unchanged_since_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<String>>;
    async fn count_orders(&self, query: &OrderListQuery) -> StoreResult<u64>;
    async fn list_orders(&self, query: &OrderListQuery) -> StoreResult<Vec<OrderSummary>>;
    /// Accounts in scope, by number.
    async fn count_accounts(&self, query: &AccountListQuery) -> StoreResult<u64>;
    async fn list_accounts(&self, query: &AccountListQuery) -> StoreResult<Vec<AccountRecord>>;
    /// Recorded charges of an account, oldest first.
    async fn count_charges(&self, account_id: i64) -> StoreResult<u64>;
    async fn list_charges(&self, account_id: i64, page: Page) -> StoreResult<Vec<ChargeRecord>>;
}

/// What `/metrics` reads from the database.
#[derive(Debug, Clone, Default)]
pub struct QueueStats {
    /// Steps queued (due or waiting for a retry) or running.
    pub queued: i64,
    /// Age of the oldest of them, in ms (0 when none).
    pub oldest_queued_ms: i64,
    pub orders_by_status: Vec<(String, i64)>,
}

/// The mail directory that Dovecot and Postfix read.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    async fn directory_put(&self, entry: &DirectoryEntry<'_>, now_ms: i64) -> StoreResult<()>;
    async fn directory_remove(&self, address: &str) -> StoreResult<()>;
    /// Sets an account's status in one transaction with its mailboxes and their directory rows:
    /// suspending or closing turns its `open` mailboxes `suspended` and inactive (login refused,
    /// mail rejected, data kept); reopening turns its `suspended` mailboxes `open` and active.
    /// `Busy`, changing nothing, while one of its mailboxes is unsettled.
    /// Mailboxes of `agent_exchanges` whose status changes get an `account_status` step each.
    async fn set_account_status(
        &self,
        change: &AccountStatusChange<'_>,
    ) -> StoreResult<AccountStatusOutcome>;
    /// Erases the mailbox's sealed password if it is still `sealed` (the one the agent took).
    async fn erase_sealed_password(
        &self,
        domain: &str,
        username: &str,
        sealed: &SealedPassword,
    ) -> StoreResult<()>;
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
    pub from_status: Option<&'a str>,
    pub now_ms: i64,
}

/// Connects to `url` (`sqlite://PATH` or `postgres://…`) with default options.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    connect_with(url, &DbOptions::default()).await
}

/// Connects to `url` (`sqlite://PATH` or `postgres://…`) and applies that back end's migrations.
pub async fn connect_with(url: &str, options: &DbOptions) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok(Arc::new(sqlite::SqliteStore::open(path, options).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url, options).await?))
    } else {
        anyhow::bail!("unsupported database URL {url:?}: use sqlite://PATH or postgres://…")
    }
}

/// Ensures an order id read back from the database is well-formed.
pub(crate) fn stored_order_id(raw: String) -> anyhow::Result<OrderId> {
    OrderId::parse(&raw).ok_or_else(|| anyhow::anyhow!("malformed order id in database"))
}
