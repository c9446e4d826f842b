//! Decoding rows into records, and the `SELECT`s they come from. Every column is read with
//! its type checked ([`Row`]), and every status parsed into its enum here, once: a row that does
//! not decode is an error, never a panic.

use anyhow::Context;

use super::db::Row;
use super::*;
use crate::domain::{Contact, Currency, Money, PasswordHash, SealedPassword};

/// Parses a stored status (or step kind) column into its enum.
pub(super) fn status<T>(r: &Row, col: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let raw = r.text(col)?;
    parse(&raw).ok_or_else(|| anyhow::anyhow!("unknown {col} {raw:?}").into())
}

pub(super) fn order_errors(raw: Option<String>) -> anyhow::Result<Vec<OrderError>> {
    raw.map(|r| serde_json::from_str(&r).context("malformed order errors"))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Columns: id, franchise_id, password_hash, account_id.
pub(super) fn api_user(r: &Row) -> StoreResult<ApiUser> {
    let role = match r.opt_int("account_id")? {
        Some(account_id) => Role::AccountUser { account_id },
        None => Role::Agent,
    };
    Ok(ApiUser {
        id: r.int("id")?,
        franchise_id: r.int("franchise_id")?,
        role,
        password_hash: PasswordHash::from_stored(r.text("password_hash")?),
    })
}

pub(super) fn account(r: &Row) -> StoreResult<AccountRecord> {
    Ok(AccountRecord {
        id: r.int("id")?,
        number: r.text("number")?,
        franchise_id: r.int("franchise_id")?,
        status: status(r, "status", AccountStatus::parse)?,
        currency: r.text("currency")?,
        created_ms: r.int("created_at")?,
    })
}

pub(super) const ACCOUNT_SELECT: &str =
    "SELECT id, number, franchise_id, status, currency, created_at FROM accounts";

pub(super) const EXCHANGE_SELECT: &str = "SELECT e.id, e.domain, e.version, e.free_mailboxes, e.quota_mb,
        e.plan, e.updated_at, a.id AS account_id, a.number, a.status, a.franchise_id, f.name AS franchise_name, f.sandbox
    FROM exchanges e JOIN accounts a ON a.id = e.account_id JOIN franchises f ON f.id = a.franchise_id";

pub(super) fn exchange(r: &Row) -> StoreResult<ExchangeRecord> {
    Ok(ExchangeRecord {
        id: r.int("id")?,
        domain: r.text("domain")?,
        version: r.text("version")?,
        plan: r.text("plan")?,
        updated_ms: r.int("updated_at")?,
        account_id: r.int("account_id")?,
        account_number: r.text("number")?,
        account_status: status(r, "status", AccountStatus::parse)?,
        franchise_id: r.int("franchise_id")?,
        franchise_name: r.text("franchise_name")?,
        sandbox: r.flag("sandbox")?,
        free_mailboxes: r.int("free_mailboxes")?,
        quota_mb: r.int("quota_mb")?,
    })
}

pub(super) const MAILBOX_SELECT: &str =
    "SELECT id, username, billing_status, admin, notes, quota_mb,
        recipient_limit, archiving, blackberry, contact, forward_to, deliver_redirect, updated_at
    FROM mailboxes";

pub(super) fn mailbox(r: &Row) -> StoreResult<MailboxRecord> {
    let contact: Contact =
        serde_json::from_str(&r.text("contact")?).context("malformed contact")?;
    Ok(MailboxRecord {
        id: r.int("id")?,
        username: r.text("username")?,
        billing_status: status(r, "billing_status", BillingStatus::parse)?,
        admin: r.flag("admin")?,
        notes: r.text("notes")?,
        quota_mb: r.int("quota_mb")?,
        recipient_limit: r.int("recipient_limit")?,
        archiving: r.flag("archiving")?,
        blackberry: r.flag("blackberry")?,
        contact,
        forward_to: r.opt_text("forward_to")?,
        deliver_redirect: r.opt_text("deliver_redirect")?,
        updated_ms: r.int("updated_at")?,
    })
}

pub(super) fn order(r: &Row) -> StoreResult<OrderRecord> {
    Ok(OrderRecord {
        id: stored_order_id(r.text("id")?)?,
        account_id: r.int("account_id")?,
        account_number: r.text("number")?,
        franchise_id: r.int("franchise_id")?,
        account_status: status(r, "account_status", AccountStatus::parse)?,
        owner_id: r.text("owner_id")?,
        status: status(r, "status", OrderStatus::parse)?,
        errors: order_errors(r.opt_text("errors")?)?,
        revision: r.int("revision")?,
        quote_hash: r.opt_text("quote_hash")?,
        created_ms: r.int("created_at")?,
        updated_ms: r.int("updated_at")?,
    })
}

/// Columns: id, item_id, attempts, order_id.
pub(super) fn claimed_job(r: &Row, lease_token: String) -> StoreResult<ClaimedJob> {
    Ok(ClaimedJob {
        id: r.int("id")?,
        item_id: r.int("item_id")?,
        order_id: r.text("order_id")?,
        kind: status(r, "kind", StepKind::parse)?,
        attempts: r.int("attempts")?,
        lease_token,
    })
}

pub(super) const TASK_SELECT: &str =
    "SELECT i.id AS item_id, i.order_id, i.kind, m.username, m.password_hash, m.password_sealed,
        m.quota_mb, m.forward_to, m.deliver_redirect, m.billing_status, m.updated_at, e.domain, e.plan, f.name AS franchise, f.sandbox,
        a.franchise_id, a.number AS account_number
    FROM order_items i
    JOIN mailboxes m ON m.exchange_id = i.exchange_id AND m.username = i.username
    JOIN exchanges e ON e.id = i.exchange_id
    JOIN accounts a ON a.id = e.account_id
    JOIN franchises f ON f.id = a.franchise_id";

pub(super) fn mailbox_task(r: &Row) -> StoreResult<MailboxTask> {
    let username = r.text("username")?;
    let domain = r.text("domain")?;
    Ok(MailboxTask {
        kind: status(r, "kind", StepKind::parse)?,
        address: format!("{username}@{domain}"),
        domain,
        username,
        password_hash: PasswordHash::from_stored(r.text("password_hash")?),
        quota_mb: r.int("quota_mb")?,
        forward_to: r.opt_text("forward_to")?,
        deliver_redirect: r.opt_text("deliver_redirect")?,
        sandbox: r.flag("sandbox")?,
        franchise: r.text("franchise")?,
        franchise_id: r.int("franchise_id")?,
        account_number: r.text("account_number")?,
        plan: r.text("plan")?,
        password_sealed: r
            .opt_text("password_sealed")?
            .map(SealedPassword::from_stored),
        step_key: format!("{}.{}", r.text("order_id")?, r.int("item_id")?),
        billing_status: status(r, "billing_status", BillingStatus::parse)?,
        updated_ms: r.int("updated_at")?,
    })
}

pub(super) const LOGIN_SELECT: &str = "SELECT m.id, m.exchange_id, m.admin, m.billing_status,
        m.password_hash, a.franchise_id
    FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id JOIN accounts a ON a.id = e.account_id";

pub(super) fn mailbox_login(r: &Row) -> StoreResult<MailboxLogin> {
    Ok(MailboxLogin {
        mailbox_id: r.int("id")?,
        exchange_id: r.int("exchange_id")?,
        franchise_id: r.int("franchise_id")?,
        admin: r.flag("admin")?,
        billing_status: status(r, "billing_status", BillingStatus::parse)?,
        password_hash: PasswordHash::from_stored(r.text("password_hash")?),
    })
}

pub(super) fn list_item(r: &Row) -> StoreResult<MailboxListItem> {
    Ok(MailboxListItem {
        username: r.text("username")?,
        billing_status: status(r, "billing_status", BillingStatus::parse)?,
        archiving: r.flag("archiving")?,
        blackberry: r.flag("blackberry")?,
    })
}

pub(super) fn order_line(r: &Row) -> StoreResult<OrderLine> {
    let error = r
        .opt_text("error")?
        .map(|e| serde_json::from_str(&e).context("malformed item error"))
        .transpose()?;
    Ok(OrderLine {
        item_id: r.int("item_id")?,
        kind: status(r, "kind", StepKind::parse)?,
        exchange_id: r.int("exchange_id")?,
        domain: r.text("domain")?,
        franchise_name: r.text("franchise_name")?,
        username: r.text("username")?,
        plan: r.opt_text("plan")?,
        status: status(r, "item_status", OrderStatus::parse)?,
        error,
    })
}

/// An order and its lines in one query (one row per line; the order's columns repeat).
pub(super) const ORDER_WITH_LINES_SELECT: &str =
    "SELECT o.id, o.account_id, a.number, a.franchise_id, a.status AS account_status,
        o.owner_id, o.status, o.errors, o.revision, o.quote_hash, o.created_at, o.updated_at,
        i.id AS item_id, i.kind, i.exchange_id, coalesce(e.deleted_domain, e.domain) AS domain,
        f.name AS franchise_name,
        i.username, i.plan, i.status AS item_status, i.error
    FROM orders o JOIN accounts a ON a.id = o.account_id
    JOIN franchises f ON f.id = a.franchise_id
    LEFT JOIN order_items i ON i.order_id = o.id
    LEFT JOIN exchanges e ON e.id = i.exchange_id";

pub(super) fn order_with_lines(rows: &[Row]) -> StoreResult<Option<(OrderRecord, Vec<OrderLine>)>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut lines = Vec::with_capacity(rows.len());
    for r in rows {
        if r.opt_int("item_id")?.is_some() {
            lines.push(order_line(r)?);
        }
    }
    Ok(Some((order(first)?, lines)))
}

pub(super) fn order_summary(r: &Row) -> StoreResult<OrderSummary> {
    Ok(OrderSummary {
        id: stored_order_id(r.text("id")?)?,
        account_number: r.text("number")?,
        status: status(r, "status", OrderStatus::parse)?,
        created_ms: r.int("created_at")?,
        updated_ms: r.int("updated_at")?,
    })
}

pub(super) const CHARGE_SELECT: &str = "SELECT id, order_id, quote_hash, kind, description,
        amount_minor, currency, deferred, period_start, period_end, recorded_at FROM charges";

pub(super) fn charge(r: &Row) -> StoreResult<ChargeRecord> {
    let minor = r.int("amount_minor")?;
    Ok(ChargeRecord {
        id: r.int("id")?,
        order_id: r.text("order_id")?,
        quote_hash: r.text("quote_hash")?,
        kind: r.text("kind")?,
        description: r.text("description")?,
        amount: Money::from_minor(minor)
            .map_err(|e| anyhow::anyhow!("stored amount {minor}: {e}"))?,
        currency: Currency::parse(&r.text("currency")?).map_err(anyhow::Error::msg)?,
        deferred: r.flag("deferred")?,
        period_start: r.text("period_start")?,
        period_end: r.text("period_end")?,
        recorded_ms: r.opt_int("recorded_at")?.unwrap_or_default(),
    })
}
