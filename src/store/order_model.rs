//! Records of the order API across the [`super::Store`] seam: open orders' lines, submits,
//! cancels, order lists and the charges ledger.

use super::{AccountStatus, OrderError, OrderStatus, Page, StepKind};
use crate::domain::{Currency, Money, OrderId};

/// One line of an order: the step it provisions and, for a paid line, the plan pricing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub item_id: i64,
    pub kind: StepKind,
    pub exchange_id: i64,
    pub domain: String,
    pub franchise_name: String,
    pub username: String,
    /// The catalog plan of a paid line; `None` for an included (free) mailbox or another step.
    pub plan: Option<String>,
    pub status: OrderStatus,
    pub error: Option<OrderError>,
}

/// A fee of the submitted quote, to be recorded in the ledger once its line is provisioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCharge {
    pub item_id: i64,
    /// `setup_fee` or `recurring`.
    pub kind: &'static str,
    pub description: String,
    pub amount: Money,
    pub currency: Currency,
    pub deferred: bool,
    /// `YYYY-MM-DD`.
    pub period_start: String,
    pub period_end: String,
}

/// Moves an open order to `Processing` if it is still at `revision`.
pub struct SubmitOrder<'a> {
    pub order_id: &'a str,
    pub revision: i64,
    pub quote_hash: &'a str,
    /// The full quote, kept for `GET /orders/{id}/quote` after the submit.
    pub quote_json: &'a str,
    pub charges: &'a [NewCharge],
    /// A generic order's account, domains and steps.
    pub setup: Option<&'a super::OrderSetup<'a>>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    Submitted,
    /// Lines were added since the order was priced.
    Changed,
    /// The order is no longer open; its current status.
    NotOpen(OrderStatus),
    NotFound,
    /// A domain of the order has Exchange already.
    DomainTaken(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled,
    /// The order is no longer open; its current status.
    NotOpen(OrderStatus),
    NotFound,
}

/// Whose orders a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderScope {
    /// Every account of a franchise (agents).
    Franchise(i64),
    /// One account (its users).
    Account(i64),
}

#[derive(Debug, Clone)]
pub struct OrderListQuery {
    pub scope: OrderScope,
    /// The statuses to show; `None`: all.
    pub statuses: Option<Vec<OrderStatus>>,
    pub newest_first: bool,
    pub page: Page,
}

/// An order in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: OrderId,
    pub account_number: String,
    pub status: OrderStatus,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A recorded fee in an account's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRecord {
    pub id: i64,
    pub order_id: String,
    pub quote_hash: String,
    pub kind: String,
    pub description: String,
    pub amount: Money,
    pub currency: Currency,
    pub deferred: bool,
    pub period_start: String,
    pub period_end: String,
    pub recorded_ms: i64,
}

/// `GET /accounts`: whose, which statuses (the API's constants), which page.
#[derive(Debug, Clone)]
pub struct AccountListQuery {
    pub scope: OrderScope,
    pub statuses: Option<Vec<AccountStatus>>,
    pub page: Page,
}
