//! Records of the generic order flow across the [`super::Store`] seam: what an order sets up on
//! its account (docs §3.2), its products and services, and the account's payment methods.

use super::{AccountStatus, OrderStatus, StepKind};
use crate::domain::{OrderId, OwnerId, PasswordHash};

/// The account an order is for: a draft it sets up, or one that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAccountChoice<'a> {
    /// A new account (`new` until submitted) in the order's franchise.
    New {
        currency: &'a str,
        language: &'a str,
    },
    /// An account of the franchise, by id.
    Existing(i64),
}

/// `POST /orders` (or a `PUT`/`POST` under `/order` without an open order).
pub struct NewGenericOrder<'a> {
    pub order_id: &'a OrderId,
    pub owner_id: &'a OwnerId,
    pub franchise_id: i64,
    pub account: OrderAccountChoice<'a>,
    pub client_ip: Option<&'a str>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenericCreate {
    Created,
    /// The owner has an open order already.
    OwnerBusy,
}

/// A generic order's account, as `GET /orders/{id}/account` shows it, with what the order
/// sets up on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAccount {
    pub account_id: i64,
    pub number: String,
    pub status: AccountStatus,
    pub currency: String,
    pub language: String,
    pub user_name: Option<String>,
    /// The contacts (JSON: kind → contact), if set.
    pub contacts: Option<String>,
    /// The payment method (JSON [`crate::domain::PaymentMethod`]), if set.
    pub payment: Option<String>,
}

/// What a change to an open order did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderChange {
    Changed,
    /// The order is no longer open: its status.
    NotOpen(OrderStatus),
    NotFound,
}

/// A product of an order: a catalog offering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderProduct {
    pub id: i64,
    pub plan: String,
    pub offering: String,
}

/// A service of an order's product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderService {
    pub id: i64,
    pub product_id: i64,
    pub spec: String,
    pub name: String,
    pub billing_cycle: i64,
    /// The Exchange domain (the `domain` attribute), if given.
    pub domain: Option<String>,
    /// The service URLs it is related to (JSON array).
    pub related_to: String,
}

pub struct NewOrderService<'a> {
    pub order_id: &'a str,
    pub product_id: i64,
    pub spec: &'a str,
    pub name: &'a str,
    pub billing_cycle: i64,
    pub domain: Option<&'a str>,
    pub related_to: &'a str,
    pub now_ms: i64,
}

/// An Exchange domain a submitted order sets up: it exists (`pending`) from the submit.
pub struct NewOrderDomain<'a> {
    pub domain: &'a str,
    pub plan: &'a str,
    pub free_mailboxes: i64,
    pub quota_mb: i64,
}

/// What a generic order's submit writes besides the usual: its account leaves `new`, its
/// domains are taken, and its steps are lines, run one after another.
pub struct OrderSetup<'a> {
    pub account_id: i64,
    pub domains: &'a [NewOrderDomain<'a>],
    /// Each step and what it names (`order_items.username`); a domain's step names its domain,
    /// the account's steps are lines of the first domain.
    pub steps: &'a [(StepKind, String)],
}

/// A stored order user: its name and hash.
pub struct OrderUser<'a> {
    pub name: &'a str,
    pub hash: &'a PasswordHash,
}

/// A payment method of an account, as `GET /accounts/{id}/paymentInfo` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: i64,
    /// JSON [`crate::domain::PaymentMethod`] without the token.
    pub method: crate::domain::PaymentMethod,
    pub is_default: bool,
}
