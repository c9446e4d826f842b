//! Decoding rows into records, shared by both back ends: each back end only says how to read
//! an integer or a text column ([`Cols`]); flags are stored as 0/1 integers on both.

use anyhow::Context;
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::*;
use crate::domain::{Contact, Currency, Money, PasswordHash, SealedPassword};

pub(super) trait Cols {
    fn int(&self, col: &str) -> i64;
    fn opt_int(&self, col: &str) -> Option<i64>;
    fn text(&self, col: &str) -> String;
    fn opt_text(&self, col: &str) -> Option<String>;
    fn flag(&self, col: &str) -> bool {
        self.int(col) != 0
    }
}

macro_rules! impl_cols {
    ($row:ty) => {
        impl Cols for $row {
            fn int(&self, col: &str) -> i64 {
                self.get(col)
            }
            fn opt_int(&self, col: &str) -> Option<i64> {
                self.get(col)
            }
            fn text(&self, col: &str) -> String {
                self.get(col)
            }
            fn opt_text(&self, col: &str) -> Option<String> {
                self.get(col)
            }
        }
    };
}
impl_cols!(SqliteRow);
impl_cols!(PgRow);

pub(super) fn order_errors(raw: Option<String>) -> anyhow::Result<Vec<OrderError>> {
    raw.map(|r| serde_json::from_str(&r).context("malformed order errors"))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Columns: id, franchise_id, password_hash, account_id.
pub(super) fn api_user(r: &impl Cols) -> ApiUser {
    let role = match r.opt_int("account_id") {
        Some(account_id) => Role::AccountUser { account_id },
        None => Role::Agent,
    };
    ApiUser {
        id: r.int("id"),
        franchise_id: r.int("franchise_id"),
        role,
        password_hash: PasswordHash::from_stored(r.text("password_hash")),
    }
}

pub(super) fn account(r: &impl Cols) -> AccountRecord {
    AccountRecord {
        id: r.int("id"),
        number: r.text("number"),
        franchise_id: r.int("franchise_id"),
        status: r.text("status"),
        currency: r.text("currency"),
        created_ms: r.int("created_at"),
    }
}

pub(super) const ACCOUNT_SELECT: &str =
    "SELECT id, number, franchise_id, status, currency, created_at FROM accounts";

pub(super) const EXCHANGE_SELECT: &str = "SELECT e.id, e.domain, e.version, e.free_mailboxes, e.quota_mb,
        e.plan, e.updated_at, a.id AS account_id, a.number, a.status, a.franchise_id, f.name AS franchise_name, f.sandbox
    FROM exchanges e JOIN accounts a ON a.id = e.account_id JOIN franchises f ON f.id = a.franchise_id";

pub(super) fn exchange(r: &impl Cols) -> StoreResult<ExchangeRecord> {
    Ok(ExchangeRecord {
        id: r.int("id"),
        domain: r.text("domain"),
        version: r.text("version"),
        plan: r.text("plan"),
        updated_ms: r.int("updated_at"),
        account_id: r.int("account_id"),
        account_number: r.text("number"),
        account_status: r.text("status"),
        franchise_id: r.int("franchise_id"),
        franchise_name: r.text("franchise_name"),
        sandbox: r.flag("sandbox"),
        free_mailboxes: r.int("free_mailboxes"),
        quota_mb: r.int("quota_mb"),
    })
}

pub(super) const MAILBOX_SELECT: &str =
    "SELECT id, username, billing_status, admin, notes, quota_mb,
        recipient_limit, archiving, blackberry, contact, forward_to, deliver_redirect, updated_at
    FROM mailboxes";

pub(super) fn mailbox(r: &impl Cols) -> StoreResult<MailboxRecord> {
    let contact: Contact = serde_json::from_str(&r.text("contact")).context("malformed contact")?;
    Ok(MailboxRecord {
        id: r.int("id"),
        username: r.text("username"),
        billing_status: r.text("billing_status"),
        admin: r.flag("admin"),
        notes: r.text("notes"),
        quota_mb: r.int("quota_mb"),
        recipient_limit: r.int("recipient_limit"),
        archiving: r.flag("archiving"),
        blackberry: r.flag("blackberry"),
        contact,
        forward_to: r.opt_text("forward_to"),
        deliver_redirect: r.opt_text("deliver_redirect"),
        updated_ms: r.int("updated_at"),
    })
}

pub(super) const ORDER_SELECT: &str = "SELECT o.id, o.account_id, a.number, a.franchise_id,
        o.owner_id, o.status, o.errors, o.revision, o.quote_hash, o.created_at, o.updated_at
    FROM orders o JOIN accounts a ON a.id = o.account_id";

pub(super) fn order(r: &impl Cols) -> StoreResult<OrderRecord> {
    let status = r.text("status");
    Ok(OrderRecord {
        id: stored_order_id(r.text("id"))?,
        account_id: r.int("account_id"),
        account_number: r.text("number"),
        franchise_id: r.int("franchise_id"),
        owner_id: r.text("owner_id"),
        status: OrderStatus::parse(&status)
            .with_context(|| format!("unknown order status {status:?}"))?,
        errors: order_errors(r.opt_text("errors"))?,
        revision: r.int("revision"),
        quote_hash: r.opt_text("quote_hash"),
        created_ms: r.int("created_at"),
        updated_ms: r.int("updated_at"),
    })
}

/// Columns: id, item_id, attempts, order_id.
pub(super) fn claimed_job(r: &impl Cols, lease_token: String) -> ClaimedJob {
    ClaimedJob {
        id: r.int("id"),
        item_id: r.int("item_id"),
        order_id: r.text("order_id"),
        attempts: r.int("attempts"),
        lease_token,
    }
}

pub(super) const TASK_SELECT: &str =
    "SELECT i.id AS item_id, i.order_id, i.kind, m.username, m.password_hash, m.password_sealed,
        m.quota_mb, m.forward_to, m.deliver_redirect, m.billing_status, m.updated_at, e.domain, e.plan, f.name AS franchise, f.sandbox
    FROM order_items i
    JOIN mailboxes m ON m.exchange_id = i.exchange_id AND m.username = i.username
    JOIN exchanges e ON e.id = i.exchange_id
    JOIN accounts a ON a.id = e.account_id
    JOIN franchises f ON f.id = a.franchise_id";

pub(super) fn mailbox_task(r: &impl Cols) -> StoreResult<MailboxTask> {
    let username = r.text("username");
    let domain = r.text("domain");
    let kind = r.text("kind");
    Ok(MailboxTask {
        kind: StepKind::parse(&kind).with_context(|| format!("unknown step kind {kind:?}"))?,
        address: format!("{username}@{domain}"),
        domain,
        username,
        password_hash: PasswordHash::from_stored(r.text("password_hash")),
        quota_mb: r.int("quota_mb"),
        forward_to: r.opt_text("forward_to"),
        deliver_redirect: r.opt_text("deliver_redirect"),
        sandbox: r.flag("sandbox"),
        franchise: r.text("franchise"),
        plan: r.text("plan"),
        password_sealed: r
            .opt_text("password_sealed")
            .map(SealedPassword::from_stored),
        step_key: format!("{}.{}", r.text("order_id"), r.int("item_id")),
        billing_status: r.text("billing_status"),
        updated_ms: r.int("updated_at"),
    })
}

pub(super) const LOGIN_SELECT: &str = "SELECT m.id, m.exchange_id, m.admin, m.billing_status,
        m.password_hash, a.franchise_id
    FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id JOIN accounts a ON a.id = e.account_id";

pub(super) fn mailbox_login(r: &impl Cols) -> MailboxLogin {
    MailboxLogin {
        mailbox_id: r.int("id"),
        exchange_id: r.int("exchange_id"),
        franchise_id: r.int("franchise_id"),
        admin: r.flag("admin"),
        billing_status: r.text("billing_status"),
        password_hash: PasswordHash::from_stored(r.text("password_hash")),
    }
}

pub(super) fn list_item(r: &impl Cols) -> MailboxListItem {
    MailboxListItem {
        username: r.text("username"),
        billing_status: r.text("billing_status"),
        archiving: r.flag("archiving"),
        blackberry: r.flag("blackberry"),
    }
}

pub(super) const LINE_SELECT: &str =
    "SELECT i.id AS item_id, i.kind, i.exchange_id, e.domain, f.name AS franchise_name,
        i.username, i.plan, i.status AS item_status, i.error
    FROM order_items i JOIN exchanges e ON e.id = i.exchange_id
    JOIN accounts a ON a.id = e.account_id JOIN franchises f ON f.id = a.franchise_id";

pub(super) fn order_line(r: &impl Cols) -> StoreResult<OrderLine> {
    let kind = r.text("kind");
    let error = r
        .opt_text("error")
        .map(|e| serde_json::from_str(&e).context("malformed item error"))
        .transpose()?;
    Ok(OrderLine {
        item_id: r.int("item_id"),
        kind: StepKind::parse(&kind).with_context(|| format!("unknown step kind {kind:?}"))?,
        exchange_id: r.int("exchange_id"),
        domain: r.text("domain"),
        franchise_name: r.text("franchise_name"),
        username: r.text("username"),
        plan: r.opt_text("plan"),
        status: r.text("item_status"),
        error,
    })
}

/// An order and its lines in one query (one row per line; the order's columns repeat).
pub(super) const ORDER_WITH_LINES_SELECT: &str =
    "SELECT o.id, o.account_id, a.number, a.franchise_id,
        o.owner_id, o.status, o.errors, o.revision, o.quote_hash, o.created_at, o.updated_at,
        i.id AS item_id, i.kind, i.exchange_id, e.domain, f.name AS franchise_name,
        i.username, i.plan, i.status AS item_status, i.error
    FROM orders o JOIN accounts a ON a.id = o.account_id
    JOIN franchises f ON f.id = a.franchise_id
    LEFT JOIN order_items i ON i.order_id = o.id
    LEFT JOIN exchanges e ON e.id = i.exchange_id";

pub(super) fn order_with_lines<R: Cols>(
    rows: &[R],
) -> StoreResult<Option<(OrderRecord, Vec<OrderLine>)>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let lines = rows
        .iter()
        .filter(|r| r.opt_int("item_id").is_some())
        .map(order_line)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some((order(first)?, lines)))
}

pub(super) fn order_summary(r: &impl Cols) -> StoreResult<OrderSummary> {
    Ok(OrderSummary {
        id: stored_order_id(r.text("id"))?,
        account_number: r.text("number"),
        status: r.text("status"),
        created_ms: r.int("created_at"),
        updated_ms: r.int("updated_at"),
    })
}

pub(super) const CHARGE_SELECT: &str = "SELECT id, order_id, quote_hash, kind, description,
        amount_minor, currency, deferred, period_start, period_end, recorded_at FROM charges";

pub(super) fn charge(r: &impl Cols) -> StoreResult<ChargeRecord> {
    let minor = r.int("amount_minor");
    Ok(ChargeRecord {
        id: r.int("id"),
        order_id: r.text("order_id"),
        quote_hash: r.text("quote_hash"),
        kind: r.text("kind"),
        description: r.text("description"),
        amount: Money::from_minor(minor)
            .map_err(|e| anyhow::anyhow!("stored amount {minor}: {e}"))?,
        currency: Currency::parse(&r.text("currency")).map_err(anyhow::Error::msg)?,
        deferred: r.flag("deferred"),
        period_start: r.text("period_start"),
        period_end: r.text("period_end"),
        recorded_ms: r.opt_int("recorded_at").unwrap_or_default(),
    })
}
