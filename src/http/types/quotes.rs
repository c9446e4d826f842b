//! Hostway's two quote bodies: the shortcut a paid mailbox's `202` carries, and the full quote
//! of `GET /orders/{id}/quote`, where every value is a string.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::{Link, MoneyPair};
use crate::domain::Currency;
use crate::pricing::{Fee, Quote};

/// A paid mailbox's `202` body.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"total": ["5.18", "USD"], "subtotal": ["5.18", "USD"], "deferredTotal": [], "deferredSubtotal": [], "quotehash": "0dd6b20d1ce3ae0e44882f3db11124d03f60ba53", "links": [{"href": "http://127.0.0.1:8092/accounts/acct999999/exchange/paid.example.com/mailboxes/", "rel": "self"}, {"href": "http://127.0.0.1:8092/orders/00000145ff82ec6bf27d6421007f000000010001/action", "rel": "related"}]}))]
pub struct CompactQuote {
    pub total: MoneyPair,
    pub subtotal: MoneyPair,
    pub deferred_total: MoneyPair,
    pub deferred_subtotal: MoneyPair,
    /// Send it back with the submit to be sure the price has not changed.
    #[serde(rename = "quotehash")]
    pub quote_hash: String,
    /// `self`: the domain's mailboxes; `related`: the order's action URL, to submit it.
    pub links: Vec<Link>,
}

impl CompactQuote {
    pub fn of(quote: &Quote, self_href: String, action_href: String) -> Self {
        let pair = |amount| MoneyPair::new(amount, quote.currency);
        Self {
            total: pair(quote.total),
            subtotal: pair(quote.subtotal),
            deferred_total: pair(quote.deferred_total),
            deferred_subtotal: pair(quote.deferred_subtotal),
            quote_hash: quote.hash.clone(),
            links: vec![
                Link::new(self_href, "self"),
                Link::new(action_href, "related"),
            ],
        }
    }
}

/// `GET /orders/{id}/quote`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FullQuote {
    pub quote: QuoteFields,
    pub links: Vec<Link>,
}

/// The quote: amounts are strings with two decimals in its `Currency`. Stored as it was shown
/// with a submitted order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct QuoteFields {
    /// 40 hex digits; the `quoteHash` a submit may carry.
    pub hash: String,
    /// ISO 4217; `""` for an order without priced lines.
    pub currency: String,
    pub products: Vec<QuotedProduct>,
    pub total: String,
    pub sub_total: String,
    pub one_time_fee_amount: String,
    pub tax_total: String,
    /// Charged for a later period (an extension).
    pub deferred_total: String,
}

/// A priced line.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct QuotedProduct {
    pub plan_number: String,
    pub promotion_code: String,
    pub promotion_name: String,
    pub description: String,
    #[schema(value_type = Vec<Object>)]
    pub services: [(); 0],
    #[schema(value_type = Vec<Object>)]
    pub child_product: [(); 0],
    pub fees: Vec<QuotedFee>,
}

/// A fee; every value a string, flags `"0"`/`"1"`, dates `YYYY-MM-DD`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct QuotedFee {
    /// `setup_fee` or `recurring`.
    #[serde(rename = "Type")]
    pub kind: Cow<'static, str>,
    pub description: String,
    pub currency: String,
    pub amount: String,
    pub base_amount: String,
    pub unit_amount: String,
    pub prorated_unit_amount: String,
    pub quantity: String,
    pub monthly_cycle: String,
    pub num_charges: String,
    pub num_charged: Cow<'static, str>,
    pub prorated: Cow<'static, str>,
    pub proration_allowed: Cow<'static, str>,
    pub deferred: Cow<'static, str>,
    pub start_date: String,
    pub end_date: String,
}

fn flag(b: bool) -> Cow<'static, str> {
    Cow::Borrowed(if b { "1" } else { "0" })
}

fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl QuotedFee {
    fn of(f: &Fee, currency: &str) -> Self {
        Self {
            kind: Cow::Borrowed(f.kind.as_str()),
            description: f.description.clone(),
            currency: currency.to_owned(),
            amount: f.amount.to_string(),
            base_amount: f.base_amount.to_string(),
            unit_amount: f.unit_amount.to_string(),
            prorated_unit_amount: f.prorated_unit_amount.to_string(),
            quantity: f.quantity.to_string(),
            monthly_cycle: f.monthly_cycle.to_string(),
            num_charges: f.num_charges.to_string(),
            num_charged: Cow::Borrowed("0"),
            prorated: flag(f.prorated),
            proration_allowed: flag(f.proration_allowed),
            deferred: flag(f.deferred),
            start_date: date(f.start),
            end_date: date(f.end),
        }
    }
}

impl FullQuote {
    pub fn of(quote: &Quote, self_href: String) -> Self {
        Self {
            quote: QuoteFields::of(quote),
            links: Link::own(self_href),
        }
    }
}

impl QuoteFields {
    /// The quote alone (stored with a submitted order, shown after the submit).
    pub fn of(quote: &Quote) -> Self {
        let currency = quote.currency.as_ref().map_or("", Currency::as_str);
        Self {
            hash: quote.hash.clone(),
            currency: currency.to_owned(),
            products: quote
                .products
                .iter()
                .map(|p| QuotedProduct {
                    plan_number: p.plan_number.clone(),
                    promotion_code: String::new(),
                    promotion_name: String::new(),
                    description: p.description.clone(),
                    services: [],
                    child_product: [],
                    fees: p.fees.iter().map(|f| QuotedFee::of(f, currency)).collect(),
                })
                .collect(),
            total: quote.total.to_string(),
            sub_total: quote.subtotal.to_string(),
            one_time_fee_amount: quote.one_time.to_string(),
            tax_total: quote.tax_total.to_string(),
            deferred_total: quote.deferred_total.to_string(),
        }
    }
}
