//! The API's bodies as types: what the handlers build and return, and what the OpenAPI
//! document is generated from (`utoipa::ToSchema`). Hostway's own shapes keep their exact wire
//! form: capitalised order fields, `["5.18", "USD"]` money pairs, the error envelope keyed by
//! its type (`crate::error::ErrorBody`).

mod audit;
mod catalog;
mod objects;
mod onboarding;
mod orders;
mod quotes;
mod requests;
mod resources;
mod webhooks;

pub use audit::AuditEntry;
pub use catalog::{
    BillingCycle, OfferingDocument, OfferingItem, PriceItem, ProductSpecDocument, ProductSpecItem,
    ServiceAttribute, ServiceSpecDocument, ServiceSpecItem,
};
pub use objects::{
    AddOnDocument, EmailAlias, GlobalContactDocument, GlobalContactListItem, ListMember,
    MailingListDocument, MailingListItem,
};
pub use onboarding::{
    AccountAttribute, AccountProduct, AttributeChange, AttributeCreate, CreatedUrl,
    OrderAccountDocument, OrderAccountRequest, OrderCreateRequest, OrderCreated,
    OrderProductDocument, OrderServiceDocument, OrderUserDocument, PaymentInfoDocument,
    PaymentInfoList, ProductRequest, ServiceChange, ServiceRequest,
};
pub use orders::{OrderDocument, OrderFields, OrderItem, OrderListItem};
pub use quotes::{CompactQuote, FullQuote, QuoteFields, QuotedFee, QuotedProduct};
pub use requests::{AccountStatusRequest, MailboxActionRequest, OrderActionRequest};
pub use resources::{
    Account, AccountContacts, AccountListItem, AccountUser, Charge, Exchange, ExchangeListItem,
    Mailbox, MailboxListItem,
};
pub use webhooks::{Webhook, WebhookDelivery};

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Currency, Money};

/// A hypermedia link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Link {
    #[schema(example = "http://127.0.0.1:8092/orders/00000145ff9ba7e58e7c2c51007f000000010001/")]
    pub href: String,
    /// `self`, `related`, `alternate`, `first`, `previous`, `next` or `last`.
    #[schema(example = "self")]
    pub rel: &'static str,
}

impl Link {
    pub fn new(href: impl Into<String>, rel: &'static str) -> Self {
        Self {
            href: href.into(),
            rel,
        }
    }

    /// `[{"href": …, "rel": "self"}]`.
    pub fn own(href: impl Into<String>) -> Vec<Link> {
        vec![Self::new(href, "self")]
    }

    /// `[{"href": …, "rel": "related"}]`.
    pub fn related(href: impl Into<String>) -> Vec<Link> {
        vec![Self::new(href, "related")]
    }
}

/// A page of a Hostway list: its items and its `self`/`first`/`previous`/`next`/`last` links.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListBody<T> {
    pub list: Vec<T>,
    pub links: Vec<Link>,
}

/// Money as Hostway writes it: `["5.18", "USD"]`, or `[]` for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyPair(Option<(Money, Currency)>);

impl MoneyPair {
    /// `[]` when `amount` is zero (or there is no currency: an empty quote).
    pub fn new(amount: Money, currency: Option<Currency>) -> Self {
        Self(
            currency
                .filter(|_| amount != Money::ZERO)
                .map(|c| (amount, c)),
        )
    }

    /// Both, even when the amount is zero (ledger entries).
    pub fn always(amount: Money, currency: Currency) -> Self {
        Self(Some((amount, currency)))
    }
}

impl Serialize for MoneyPair {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(if self.0.is_some() { 2 } else { 0 }))?;
        if let Some((amount, currency)) = self.0 {
            seq.serialize_element(&amount.to_string())?;
            seq.serialize_element(currency.as_str())?;
        }
        seq.end()
    }
}

impl utoipa::PartialSchema for MoneyPair {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        ArrayBuilder::new()
            .items(ObjectBuilder::new().schema_type(Type::String))
            .min_items(Some(0))
            .max_items(Some(2))
            .description(Some(
                "`[amount, currency]` (two decimals, ISO 4217), or `[]` for nothing",
            ))
            .examples([serde_json::json!(["5.18", "USD"])])
            .into()
    }
}

impl utoipa::ToSchema for MoneyPair {}

/// `OPTIONS` on a list: what it can be sorted and filtered by.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListOptions {
    pub sort_fields: &'static [&'static str],
    pub sort_orders: [&'static str; 2],
    pub filter_fields: Vec<FilterField>,
}

/// A filterable field and the values it takes (empty: any, with `*` wildcards).
#[derive(Debug, Serialize, ToSchema)]
pub struct FilterField {
    pub field: &'static str,
    pub values: &'static [&'static str],
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    pub version: &'static str,
}

/// `GET /readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not ready`.
    pub status: &'static str,
    pub version: &'static str,
    pub checks: ReadinessChecks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessChecks {
    /// `ok`, `unreachable` or `migrations pending`.
    pub database: &'static str,
    /// `ok`, `stopped` or `none configured`.
    pub workers: &'static str,
}
