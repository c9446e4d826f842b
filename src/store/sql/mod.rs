//! The store, written once for SQLite and PostgreSQL: every query and every transaction of the
//! order state machine is here, once. Where the back ends differ, the code asks the
//! [`Dialect`]; statements run on either through [`Db`].
//!
//! Lock order, on both back ends: every transaction that changes a domain's mailboxes first
//! touches the domain's `exchanges` row ([`touch_exchange`]), then the order, then mailboxes;
//! so concurrent instances queue up instead of deadlocking.

mod account_steps;
mod accounts;
pub use accounts::{AttributeOutcome, DeleteOutcome, PARTNER_ID};
mod addons;
mod admin;
mod audit;
mod idempotency;
pub use idempotency::{ClaimTimes, IdempotencyClaim};
mod directory;
mod lists;
mod objects;
mod onboarding;
mod orders;
mod queue;
mod webhooks;

use anyhow::Context;

use super::db::{Db, Tx, sql};
use super::dialect::{self, Dialect};
use super::list_sql::{self, Bind};
use super::rows;
use super::*;
use crate::domain::webhook::EventKind;
use crate::domain::{OrderId, OwnerId, PasswordHash, SealedPassword};

/// `updated_at = ` the later of now (`$1`) and the next whole second after its current value,
/// so that `Last-Modified` (whole seconds) moves on with every change.
macro_rules! bump_updated_at {
    () => {
        "updated_at = CASE WHEN $1 > (updated_at / 1000 + 1) * 1000 THEN $1 ELSE (updated_at / 1000 + 1) * 1000 END"
    };
}
use bump_updated_at;

pub struct Store {
    db: Db,
    dialect: Dialect,
    /// Domains whose aliases and lists a platform behind the `http` agent follows (set once at
    /// start; unset: none).
    agent_scope: std::sync::OnceLock<AgentScope>,
    /// The orders requests wait on in this process.
    orders: Arc<super::watch::OrderWatch>,
    /// The pool's checkouts so far.
    checkouts: dialect::Checkouts,
}

/// What a transaction that changes an alias's or a list's routing needs to carry the change to
/// the `http` agent: the back end, the agent's scope, the time.
#[derive(Clone, Copy)]
pub(super) struct Carry<'a> {
    dialect: Dialect,
    scope: Option<&'a AgentScope>,
    now_ms: i64,
}

/// Queues a `sync_address` step for `local`@the domain if the domain is the agent's, in the
/// transaction that changed the address's `mail_aliases` rows (so the change and its step
/// commit together). The step reads the rows when it runs: repeated syncs are idempotent.
async fn carry_address(
    tx: &mut Tx,
    carry: Carry<'_>,
    exchange_id: i64,
    local: &str,
) -> StoreResult<()> {
    let Some(scope) = carry.scope else {
        return Ok(());
    };
    let row = sql(
        "SELECT f.name AS franchise, e.plan, e.account_id FROM exchanges e
         JOIN accounts a ON a.id = e.account_id JOIN franchises f ON f.id = a.franchise_id
         WHERE e.id = $1",
    )
    .bind(exchange_id)
    .fetch_one(&mut *tx)
    .await?;
    if !scope.covers(&row.text("franchise")?, &row.text("plan")?) {
        return Ok(());
    }
    let order_id = OrderId::generate(carry.now_ms);
    let rows = OrderRows {
        order_id: order_id.as_str(),
        account_id: row.int("account_id")?,
        owner_id: OwnerId::generate().stored_key(),
        kind: StepKind::SyncAddress,
        exchange_id,
        username: local,
        from_status: None,
        now_ms: carry.now_ms,
    };
    insert_order(tx, carry.dialect, &rows).await
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Adds the list builder's arguments to a statement.
fn with_binds<'a>(mut stmt: super::db::Stmt<'a>, binds: Vec<Bind>) -> super::db::Stmt<'a> {
    for b in binds {
        stmt = match b {
            Bind::Int(i) => stmt.bind(i),
            Bind::Text(t) => stmt.bind(t),
        };
    }
    stmt
}

/// The mailbox statuses that mean an order is open or a step is under way, as an SQL list.
fn unsettled_statuses() -> String {
    let quoted: Vec<String> = BillingStatus::ALL
        .iter()
        .filter(|s| s.is_unsettled())
        .map(|s| format!("'{s}'"))
        .collect();
    format!("({})", quoted.join(", "))
}

impl Store {
    pub async fn open(url: &str, options: &DbOptions) -> anyhow::Result<Self> {
        let checkouts = dialect::Checkouts::default();
        let (dialect, db) = dialect::open(url, options, Arc::clone(&checkouts)).await?;
        let store = Self {
            db,
            dialect,
            agent_scope: std::sync::OnceLock::new(),
            orders: Arc::default(),
            checkouts,
        };
        store.rehash_legacy_owner_ids().await?;
        Ok(store)
    }

    /// Orders written before OwnerIds were stored hashed hold the cookie itself; once, after
    /// the migration that marks it (0008), they get its hash instead, in one transaction.
    async fn rehash_legacy_owner_ids(&self) -> anyhow::Result<()> {
        let pending = sql("SELECT pending FROM owner_rehash_pending")
            .fetch_optional(&self.db)
            .await?;
        if pending.is_none() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        let legacy = sql("SELECT id, owner_id FROM orders WHERE length(owner_id) = 36")
            .fetch_all(&mut tx)
            .await?;
        for row in &legacy {
            let Some(owner) = OwnerId::parse(&row.text("owner_id")?) else {
                continue;
            };
            sql("UPDATE orders SET owner_id = $1 WHERE id = $2")
                .bind(owner.stored_key())
                .bind(row.text("id")?)
                .execute(&mut tx)
                .await?;
        }
        sql("DELETE FROM owner_rehash_pending")
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        if let Some(flush) = self.dialect.flush_rewritten() {
            sql(flush).fetch_all(&self.db).await?;
        }
        if !legacy.is_empty() {
            tracing::info!(orders = legacy.len(), "stored OwnerIds as hashes");
        }
        Ok(())
    }

    /// Which domains' aliases and lists are carried to the `http` agent (once, at start).
    pub fn set_agent_scope(&self, scope: AgentScope) {
        if self.agent_scope.set(scope).is_err() {
            tracing::warn!("the agent's scope was set already; the first one stays");
        }
    }

    /// The orders requests wait on in this process.
    pub fn order_watch(&self) -> &Arc<super::watch::OrderWatch> {
        &self.orders
    }

    /// How many times a connection was taken from the pool (a statement outside a
    /// transaction, or a whole transaction) since the store opened.
    pub fn db_checkouts(&self) -> u64 {
        self.checkouts.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Order `id` changed (committed): its waiters here wake at once, other instances' when
    /// the announcement reaches them (PostgreSQL `NOTIFY`).
    pub(crate) async fn order_changed(&self, id: &str) {
        self.orders.changed(id);
        if let Err(e) = dialect::announce_order(&self.db, id).await {
            tracing::warn!(error = %e, order.id = id, "cannot announce a changed order to other instances");
        }
    }

    fn carry(&self, now_ms: i64) -> Carry<'_> {
        Carry {
            dialect: self.dialect,
            scope: self.agent_scope.get(),
            now_ms,
        }
    }

    async fn write_tx(&self) -> Result<Tx, sqlx::Error> {
        self.db.begin(self.dialect.begin_write()).await
    }

    /// How many rows of `from` (`FROM … WHERE …` over one bound id, `$1`) the `filters`
    /// match (each a case-insensitive `LIKE` on its column of `columns`). For the small lists
    /// (aliases, contacts, mailing lists, the audit log).
    async fn count_filtered(
        &self,
        from: &str,
        id: i64,
        columns: &[(&str, &str)],
        filters: &[(String, TextFilter)],
    ) -> StoreResult<u64> {
        let (filters, binds) = list_sql::like_filters(filters, columns, 1);
        let mut stmt = sql(format!("SELECT count(*) AS n {from}{filters}")).bind(id);
        for b in binds {
            stmt = stmt.bind(b);
        }
        Ok(u64::try_from(stmt.fetch_one(&self.db).await?.int("n")?).unwrap_or(0))
    }

    /// One page of those rows: `select` (`SELECT … FROM … WHERE …`, over `$1`) ordered by
    /// `order` (`column ASC|DESC, …`).
    async fn page_filtered<T>(
        &self,
        (select, id): (&str, i64),
        columns: &[(&str, &str)],
        filters: &[(String, TextFilter)],
        (order, page): (&str, Page),
        decode: fn(&super::db::Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let (filters, binds) = list_sql::like_filters(filters, columns, 1);
        let n = binds.len();
        let mut stmt = sql(format!(
            "{select}{filters} ORDER BY {order} LIMIT ${} OFFSET ${}",
            n + 2,
            n + 3
        ))
        .bind(id);
        for b in binds {
            stmt = stmt.bind(b);
        }
        stmt.bind(i64::try_from(page.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
            .all(&self.db, decode)
            .await
    }

    /// The database, for tests of the pool's behaviour.
    #[cfg(test)]
    fn db(&self) -> &Db {
        &self.db
    }
}

/// Moves an Exchange resource's `Last-Modified` on (to a later second at least). Called first
/// in every transaction that changes the domain's mailboxes: the domain's row is the lock they
/// take in a fixed order (domain, then mailbox, then counters), so they cannot deadlock.
async fn touch_exchange(tx: &mut Tx, exchange_id: i64, now_ms: i64) -> Result<(), sqlx::Error> {
    sql(concat!(
        "UPDATE exchanges SET ",
        bump_updated_at!(),
        " WHERE id = $2"
    ))
    .bind(now_ms)
    .bind(exchange_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// The status of the domain's account if it is not `open`. Read after the domain's row is
/// locked, so an account status change (which locks its domains first) cannot slip between.
async fn account_not_open(tx: &mut Tx, exchange_id: i64) -> StoreResult<Option<AccountStatus>> {
    let row = sql(
        "SELECT a.status FROM accounts a JOIN exchanges e ON e.account_id = a.id WHERE e.id = $1",
    )
    .bind(exchange_id)
    .fetch_one(tx)
    .await?;
    let status = rows::status(&row, "status", AccountStatus::parse)?;
    Ok((status != AccountStatus::Open).then_some(status))
}

/// Writes an order with its one step and the step's queued job, and (PostgreSQL) announces the
/// work to every instance at commit.
async fn insert_order(tx: &mut Tx, dialect: Dialect, o: &OrderRows<'_>) -> StoreResult<()> {
    sql(
        "INSERT INTO orders (id, account_id, owner_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, 'Processing', $4, $4)",
    )
    .bind(o.order_id)
    .bind(o.account_id)
    .bind(o.owner_id.as_str())
    .bind(o.now_ms)
    .execute(&mut *tx)
    .await?;
    let item = sql(
        "INSERT INTO order_items (order_id, kind, exchange_id, username, status, from_status)
         VALUES ($1, $2, $3, $4, 'Processing', $5) RETURNING id",
    )
    .bind(o.order_id)
    .bind(o.kind.as_str())
    .bind(o.exchange_id)
    .bind(o.username)
    .bind(o.from_status.map(BillingStatus::as_str))
    .fetch_one(&mut *tx)
    .await?;
    sql(
        "INSERT INTO jobs (item_id, state, run_at, created_at, updated_at)
         VALUES ($1, 'queued', $2, $2, $2)",
    )
    .bind(item.int("id")?)
    .bind(o.now_ms)
    .execute(&mut *tx)
    .await?;
    webhooks::order_event(tx, EventKind::OrderStatusChanged, o.order_id, o.now_ms).await?;
    notify_work(tx, dialect).await
}

/// Wakes every instance's workers when the transaction commits (PostgreSQL).
async fn notify_work(tx: &mut Tx, dialect: Dialect) -> StoreResult<()> {
    if let Some(notify) = dialect.notify_work() {
        sql(notify).execute(tx).await?;
    }
    Ok(())
}

/// Reserves the mailbox's name with its settings in `status`; `false` if the name is taken.
async fn insert_mailbox(
    tx: &mut Tx,
    o: &NewMailboxOrder<'_>,
    status: BillingStatus,
    order_id: &str,
) -> StoreResult<bool> {
    let m = o.mailbox;
    let contact = serde_json::to_string(&m.settings.contact).context("cannot encode contact")?;
    let inserted = sql(
        "INSERT INTO mailboxes (exchange_id, username, billing_status, admin, notes,
             recipient_limit, quota_mb, contact, forward_to, deliver_redirect, password_hash,
             order_id, created_at, updated_at, password_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)",
    )
    .bind(o.exchange.id)
    .bind(m.username.as_str())
    .bind(status.as_str())
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
    .bind(o.password_sealed.map(SealedPassword::as_str))
    .execute(tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => Ok(false),
        other => other.map(|_| true).map_err(StoreError::from),
    }
}

/// Replaces the alias rows of `address` in the mail directory.
async fn put_aliases(tx: &mut Tx, address: &str, destinations: &[&str]) -> StoreResult<()> {
    sql("DELETE FROM mail_aliases WHERE source = $1")
        .bind(address)
        .execute(&mut *tx)
        .await?;
    for destination in destinations {
        sql(
            "INSERT INTO mail_aliases (source, destination) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(address)
        .bind(*destination)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl Store {
    pub async fn api_user(&self, franchise: &str, login: &str) -> StoreResult<Option<ApiUser>> {
        sql("SELECT u.id, u.franchise_id, u.password_hash, u.account_id
             FROM api_users u JOIN franchises f ON f.id = u.franchise_id
             WHERE f.name = $1 AND u.login = $2")
        .bind(franchise)
        .bind(login)
        .optional(&self.db, rows::api_user)
        .await
    }

    /// A franchise's name (the catalog's sections are by name).
    pub async fn franchise_name(&self, id: i64) -> StoreResult<Option<String>> {
        sql("SELECT name FROM franchises WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db)
            .await?
            .map(|row| row.text("name"))
            .transpose()
    }

    pub async fn exchange(
        &self,
        account: &str,
        domain: &str,
    ) -> StoreResult<Option<ExchangeRecord>> {
        sql(format!(
            "{} WHERE a.number = $1 AND e.domain = $2 AND e.status = 'open'",
            rows::EXCHANGE_SELECT
        ))
        .bind(account)
        .bind(domain)
        .optional(&self.db, rows::exchange)
        .await
    }

    pub async fn mailbox(
        &self,
        exchange_id: i64,
        username: &str,
    ) -> StoreResult<Option<MailboxRecord>> {
        sql(format!(
            "{} WHERE exchange_id = $1 AND username = $2",
            rows::MAILBOX_SELECT
        ))
        .bind(exchange_id)
        .bind(username)
        .optional(&self.db, rows::mailbox)
        .await
    }

    /// An order without its lines.
    pub async fn order(&self, id: &str) -> StoreResult<Option<OrderRecord>> {
        Ok(self.order_with_lines(id).await?.map(|(order, _)| order))
    }

    /// An account by number; a draft (`new`, only its order shows it) or a deleted one
    /// (`purged`) is not found.
    pub async fn account(&self, number: &str) -> StoreResult<Option<AccountRecord>> {
        sql(format!(
            "{} WHERE number = $1 AND status NOT IN ('new', 'purged')",
            rows::ACCOUNT_SELECT
        ))
        .bind(number)
        .optional(&self.db, rows::account)
        .await
    }

    pub async fn account_by_id(&self, id: i64) -> StoreResult<Option<AccountRecord>> {
        sql(format!("{} WHERE id = $1", rows::ACCOUNT_SELECT))
            .bind(id)
            .optional(&self.db, rows::account)
            .await
    }

    pub async fn exchanges_of(&self, account_id: i64) -> StoreResult<Vec<ExchangeRecord>> {
        sql(format!(
            "{} WHERE a.id = $1 AND e.status = 'open' ORDER BY e.domain",
            rows::EXCHANGE_SELECT
        ))
        .bind(account_id)
        .all(&self.db, rows::exchange)
        .await
    }

    /// Mailboxes counted against the plan: every one not yet purged.
    pub async fn used_mailboxes(&self, exchange_id: i64) -> StoreResult<i64> {
        used_mailboxes(&self.db, exchange_id).await
    }

    pub async fn count_mailboxes(&self, exchange_id: i64, query: &ListQuery) -> StoreResult<u64> {
        let (text, binds) = list_sql::count(exchange_id, query);
        let row = with_binds(sql(text), binds).fetch_one(&self.db).await?;
        Ok(u64::try_from(row.int("n")?).unwrap_or(0))
    }

    /// The page `query` asks for; `total` is what [`Store::count_mailboxes`] said.
    pub async fn list_mailboxes(
        &self,
        exchange_id: i64,
        query: &ListQuery,
        total: u64,
    ) -> StoreResult<Vec<MailboxListItem>> {
        let (text, binds, reversed) = list_sql::page(exchange_id, query, total);
        let mut items = with_binds(sql(text), binds)
            .fetch_all(&self.db)
            .await?
            .iter()
            .map(rows::list_item)
            .collect::<StoreResult<Vec<_>>>()?;
        if reversed {
            items.reverse();
        }
        Ok(items)
    }

    pub async fn mailbox_login(
        &self,
        domain: &str,
        username: &str,
    ) -> StoreResult<Option<MailboxLogin>> {
        sql(format!(
            "{} WHERE e.domain = $1 AND m.username = $2",
            rows::LOGIN_SELECT
        ))
        .bind(domain)
        .bind(username)
        .optional(&self.db, rows::mailbox_login)
        .await
    }

    /// Updates the mailbox and, if it is in the mail directory, its directory entry, in one
    /// transaction; only an `open` mailbox still at `expected_updated_ms` is changed.
    pub async fn update_mailbox(&self, u: &MailboxUpdate<'_>) -> StoreResult<UpdateOutcome> {
        let contact = serde_json::to_string(u.contact).context("cannot encode contact")?;
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, u.exchange_id, u.now_ms).await?;
        let changed = sql(concat!(
            "UPDATE mailboxes SET admin = $2, notes = $3, recipient_limit = $4, contact = $5,
                 forward_to = $6, deliver_redirect = $7, password_hash = coalesce($8, password_hash),
                 password_sealed = coalesce($9, password_sealed), ",
            bump_updated_at!(),
            " WHERE id = $10 AND updated_at = $11 AND billing_status = 'open'"
        ))
        .bind(u.now_ms)
        .bind(u.admin)
        .bind(u.notes)
        .bind(u.recipient_limit)
        .bind(contact)
        .bind(u.forward_to)
        .bind(u.deliver_redirect)
        .bind(u.password_hash.map(PasswordHash::as_str))
        .bind(u.password_sealed.map(SealedPassword::as_str))
        .bind(u.mailbox_id)
        .bind(u.expected_updated_ms)
        .execute(&mut tx)
        .await?;
        if changed != 1 {
            return Ok(UpdateOutcome::Stale);
        }
        let in_directory = sql(
            "UPDATE mail_users SET password_hash = coalesce($1, password_hash), updated_at = $2 WHERE address = $3",
        )
        .bind(u.password_hash.map(PasswordHash::as_str))
        .bind(u.now_ms)
        .bind(u.address)
        .execute(&mut tx)
        .await?
            == 1;
        if in_directory {
            put_aliases(&mut tx, u.address, &u.destinations).await?;
        }
        if let Some(step) = &u.agent_step {
            let rows = OrderRows {
                order_id: step.order_id.as_str(),
                account_id: step.account_id,
                owner_id: step.owner_id.stored_key(),
                kind: step.kind,
                exchange_id: u.exchange_id,
                username: u.username,
                from_status: Some(BillingStatus::Open),
                now_ms: u.now_ms,
            };
            insert_order(&mut tx, self.dialect, &rows).await?;
        }
        let tail = format!("mailboxes/{}", u.username);
        webhooks::exchange_event(
            &mut tx,
            EventKind::MailboxUpdated,
            u.exchange_id,
            &tail,
            u.now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }

    /// Moves the mailbox to the step's pending status and queues the step, in one transaction.
    pub async fn create_action_order(
        &self,
        o: &MailboxActionOrder<'_>,
    ) -> StoreResult<ActionOutcome> {
        let Some(pending) = o.kind.pending_status() else {
            return Err(anyhow::anyhow!("{} is not a step on a mailbox", o.kind.as_str()).into());
        };
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, o.exchange_id, o.now_ms).await?;
        if o.kind == StepKind::Restore
            && let Some(status) = account_not_open(&mut tx, o.exchange_id).await?
        {
            return Ok(ActionOutcome::AccountNotOpen(status));
        }
        let row = sql(format!(
            "SELECT billing_status FROM mailboxes WHERE exchange_id = $1 AND username = $2{}",
            self.dialect.row_lock()
        ))
        .bind(o.exchange_id)
        .bind(o.username)
        .fetch_optional(&mut tx)
        .await?;
        let Some(row) = row else {
            return Ok(ActionOutcome::NotFound);
        };
        let status = rows::status(&row, "billing_status", BillingStatus::parse)?;
        if !o.kind.may_start_from(status) || o.only_from.is_some_and(|only| only != status) {
            return Ok(ActionOutcome::WrongState(status));
        }
        // An add-on on its way in or out (or waiting in an open order) settles first: its
        // step runs on this mailbox, and a closed or purged one must not get it.
        if matches!(o.kind, StepKind::Close | StepKind::Purge)
            && addons::unsettled(&mut tx, o.exchange_id, o.username).await?
        {
            return Ok(ActionOutcome::AddOnBusy);
        }
        sql(concat!(
            "UPDATE mailboxes SET billing_status = $2, ",
            bump_updated_at!(),
            " WHERE exchange_id = $3 AND username = $4"
        ))
        .bind(o.now_ms)
        .bind(pending.as_str())
        .bind(o.exchange_id)
        .bind(o.username)
        .execute(&mut tx)
        .await?;
        let rows = OrderRows {
            order_id: o.order_id.as_str(),
            account_id: o.account_id,
            owner_id: o.owner_id.stored_key(),
            kind: o.kind,
            exchange_id: o.exchange_id,
            username: o.username,
            from_status: Some(status),
            now_ms: o.now_ms,
        };
        insert_order(&mut tx, self.dialect, &rows).await?;
        tx.commit().await?;
        Ok(ActionOutcome::Created)
    }

    /// Reserves the name and, in one transaction with it: with a free slot left, writes a
    /// submitted order, its item and its queue entry; without one, adds a paid line to the
    /// owner's open order (or opens one).
    pub async fn create_mailbox_order(
        &self,
        o: &NewMailboxOrder<'_>,
    ) -> StoreResult<CreateOutcome> {
        let m = o.mailbox;
        let mut tx = self.write_tx().await?;
        // Orders in one domain take turns here, so two cannot both take the last free slot.
        touch_exchange(&mut tx, o.exchange.id, o.now_ms).await?;
        if let Some(status) = account_not_open(&mut tx, o.exchange.id).await? {
            return Ok(CreateOutcome::AccountNotOpen(status));
        }
        let used = used_mailboxes(&mut tx, o.exchange.id).await?;
        // One namespace per domain: a mailbox's name is no alias's or list's either.
        if objects::name_taken(&mut tx, o.exchange.id, m.username.as_str()).await? {
            return Ok(CreateOutcome::Duplicate);
        }
        let outcome = if used < o.exchange.free_mailboxes {
            let order_id = o.order_id.as_str();
            if !insert_mailbox(&mut tx, o, BillingStatus::Pending, order_id).await? {
                return Ok(CreateOutcome::Duplicate);
            }
            let rows = OrderRows {
                order_id,
                account_id: o.exchange.account_id,
                owner_id: o.owner_id.stored_key(),
                kind: StepKind::Create,
                exchange_id: o.exchange.id,
                username: m.username.as_str(),
                from_status: None,
                now_ms: o.now_ms,
            };
            insert_order(&mut tx, self.dialect, &rows).await?;
            CreateOutcome::Created
        } else {
            match orders::add_paid_line(&mut tx, self.dialect, o).await? {
                Some(outcome) => outcome,
                None => return Ok(CreateOutcome::Duplicate),
            }
        };
        tx.commit().await?;
        if let CreateOutcome::Quoted(open) = &outcome {
            self.order_changed(open.as_str()).await;
        }
        Ok(outcome)
    }

    pub async fn close(&self) {
        self.db.close().await;
    }
}

/// Mailboxes counted against the plan: every one not yet purged (from the counters).
async fn used_mailboxes<'c>(
    on: impl Into<super::db::On<'c>>,
    exchange_id: i64,
) -> StoreResult<i64> {
    sql("SELECT CAST(coalesce(sum(n), 0) AS BIGINT) AS n FROM mailbox_counts WHERE exchange_id = $1")
        .bind(exchange_id)
        .fetch_one(on)
        .await?
        .int("n")
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
    pub async fn a_connection_left_in_a_transaction_is_not_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/db.sqlite", dir.path().display());
        let options = DbOptions {
            max_connections: 2,
            statement_timeout: std::time::Duration::from_secs(30),
            ..DbOptions::default()
        };
        let store = Store::open(&url, &options).await.expect("open");
        let Db::Sqlite(pool) = store.db() else {
            panic!("an SQLite store");
        };
        let mut conn = pool.acquire().await.expect("connection");
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
