//! Pricing an order: its stored lines, priced by the catalog as of today. The glue between
//! [`crate::store::OrderLine`] and [`crate::pricing`].

use std::collections::BTreeMap;

use super::AppState;
use crate::domain::Problem;
use crate::error::{ApiError, Details};
use crate::pricing::{PricingError, Quote, QuoteLine, price};
use crate::store::{NewCharge, OrderLine};

/// An order's current quote and the item each of its products belongs to.
pub struct Priced {
    pub quote: Quote,
    pub item_ids: Vec<i64>,
}

impl Priced {
    /// The ledger lines of this quote, one per fee.
    pub fn charges(&self) -> Vec<NewCharge> {
        let Some(currency) = self.quote.currency else {
            return Vec::new(); // no paid line, nothing to charge
        };
        self.quote
            .charges()
            .into_iter()
            .map(|(n, fee)| NewCharge {
                item_id: self.item_ids[n],
                kind: fee.kind.as_str(),
                description: format!(
                    "{}: {}",
                    self.quote.products[n].description, fee.description
                ),
                amount: fee.amount,
                currency,
                deferred: fee.deferred,
                period_start: fee.start.to_string(),
                period_end: fee.end.to_string(),
            })
            .collect()
    }
}

/// Today's date in UTC: what prorated fees and billing periods start from.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Prices the paid lines (those with a plan) of an order. `Err` lists every problem that stops
/// the order from being priced, by line (`items[N]`).
pub fn price_lines(
    state: &AppState,
    order_id: &str,
    lines: &[OrderLine],
) -> Result<Priced, BTreeMap<String, Problem>> {
    let mut problems = BTreeMap::new();
    let mut quote_lines = Vec::new();
    let mut item_ids = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let Some(plan_name) = &line.plan else {
            continue;
        };
        let (plan, description) = match line.kind.add_on() {
            Some(add_on) => (
                state.catalog.add_on(&line.franchise_name, add_on),
                format!("{} for {}@{}", add_on.title(), line.username, line.domain),
            ),
            None => (
                state.catalog.plan(&line.franchise_name, plan_name),
                format!("Exchange mailbox {}@{}", line.username, line.domain),
            ),
        };
        match plan {
            Some(plan) => {
                quote_lines.push(QuoteLine { description, plan });
                item_ids.push(line.item_id);
            }
            None => {
                problems.insert(
                    format!("items[{n}]"),
                    format!("plan {plan_name:?} is no longer offered"),
                );
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    match price(order_id, &quote_lines, today()) {
        Ok(quote) => Ok(Priced { quote, item_ids }),
        Err(PricingError::MixedCurrencies { .. }) => Err([(
            "items".to_owned(),
            "the order's lines are priced in different currencies".to_owned(),
        )]
        .into()),
        Err(e) => Err([("items".to_owned(), e.to_string())].into()),
    }
}

/// `400` listing why an order cannot be priced.
pub fn unpriceable(problems: BTreeMap<String, Problem>) -> ApiError {
    ApiError::BadRequest {
        message: "Order cannot be priced".into(),
        details: Details::Fields(problems),
    }
}
