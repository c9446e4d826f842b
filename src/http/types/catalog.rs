//! The product catalog's bodies (docs §7): product specifications, offerings, prices,
//! service specifications and their attributes.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Link, MoneyPair};

/// A product specification in `GET /productSpecifications`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductSpecItem {
    #[schema(example = "core.plan.email.exchange2010")]
    pub product_specification: String,
    #[schema(example = "Hosted Exchange, 10 mailboxes included")]
    pub description: String,
    /// The specification's URL.
    pub details: String,
}

/// `GET /productSpecifications/{spec}`: a plan of the catalog.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductSpecDocument {
    #[schema(example = "core.plan.email.exchange2010")]
    pub product_specification: String,
    pub description: String,
    /// The catalog's plan name, as an Exchange resource and an order's `Plan` show it.
    #[schema(example = "exchange2010")]
    pub plan: String,
    /// Mailboxes that come with the plan without a charge.
    pub included_mailboxes: i64,
    /// The offerings' URL.
    pub offerings: String,
    /// The services' URL.
    pub service_specifications: String,
    pub links: Vec<Link>,
}

/// An offering in `GET …/offerings`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferingItem {
    #[schema(example = "USD-1")]
    pub offering: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// Months.
    pub billing_period: u32,
    pub details: String,
}

/// `GET …/offerings/{offering}` (docs §7's shape), with the prices inline for `details=1`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferingDocument {
    #[schema(example = "USD-1")]
    pub offering: String,
    /// Months each recurring charge covers.
    pub billing_period: u32,
    #[schema(example = "USD")]
    pub currency: String,
    /// `1`: the plan's only offering is its default.
    pub default: u8,
    /// The prices' URL.
    pub prices: String,
    /// With `details=1`: the prices, filtered as `…/prices` filters them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_details: Option<Vec<PriceItem>>,
    /// `self`, and the product specification as `related`.
    pub links: Vec<Link>,
}

/// One price of an offering: what a quote charges for one unit of a service.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriceItem {
    #[schema(example = "Exchange mailbox recurring fee")]
    pub name: String,
    /// Always `fee`: there are no discounts or usage fees.
    #[serde(rename = "type")]
    #[schema(example = "fee")]
    pub kind: &'static str,
    /// `recurring` (every `billingCycle` months) or `one_time`.
    #[schema(example = "recurring")]
    pub recurrence: &'static str,
    /// Months one charge covers.
    pub billing_cycle: u32,
    /// Per unit (one mailbox, one mailbox's add-on), as quotes charge it.
    pub amount: MoneyPair,
    /// Units the plan includes without this charge.
    pub included: i64,
    /// The service's URL.
    pub related_service_specification: String,
}

/// A service in `GET …/serviceSpecifications`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpecItem {
    #[schema(example = "core.service.email.exchange.domain")]
    pub service_specification: String,
    #[schema(example = "Exchange domain")]
    pub name: String,
    pub details: String,
}

/// A billing cycle a service is sold with.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingCycle {
    pub default: u8,
    /// Months.
    pub billing_cycle: u32,
}

/// `GET /serviceSpecifications/{service}` (docs §7's shape).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpecDocument {
    #[schema(example = "Exchange domain")]
    pub name: String,
    #[schema(example = "Hosted Exchange")]
    pub category: String,
    pub ranking: u32,
    /// The attributes' URL.
    pub attributes: String,
    pub billing_cycles: Vec<BillingCycle>,
    pub links: Vec<Link>,
}

/// An attribute a service takes when ordered.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAttribute {
    #[schema(example = "domain")]
    pub name: String,
    /// Always `string`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// 0/1.
    pub required: u8,
    pub description: String,
}
