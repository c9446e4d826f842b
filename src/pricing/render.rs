//! Hostway's two quote bodies: the shortcut (`compact_json`) and the full quote (`full_json`).

use serde_json::{Value, json};
use time::Date;

use super::quote::{Fee, Quote};
use crate::domain::{Currency, Money};

impl Quote {
    /// Hostway's shortcut body: `[amount, currency]` pairs (`[]` when zero), hash and links.
    pub fn compact_json(&self, self_href: &str, action_href: &str) -> Value {
        json!({
            "total": self.pair(self.total),
            "subtotal": self.pair(self.subtotal),
            "deferredTotal": self.pair(self.deferred_total),
            "deferredSubtotal": self.pair(self.deferred_subtotal),
            "quotehash": self.hash,
            "links": [
                {"href": self_href, "rel": "self"},
                {"href": action_href, "rel": "related"},
            ],
        })
    }

    /// Hostway's `GET /orders/{id}/quote` body; every value a string. `DeferredTotal` is ours.
    pub fn full_json(&self, self_href: &str) -> Value {
        let currency = self.currency.as_ref().map_or("", Currency::as_str);
        let products: Vec<Value> = self
            .products
            .iter()
            .map(|p| {
                let fees: Vec<Value> = p.fees.iter().map(|f| fee_json(f, currency)).collect();
                json!({
                    "PlanNumber": p.plan_number,
                    "PromotionCode": "",
                    "PromotionName": "",
                    "Description": p.description,
                    "Services": [],
                    "ChildProduct": [],
                    "Fees": fees,
                })
            })
            .collect();
        json!({
            "quote": {
                "Hash": self.hash,
                "Currency": currency,
                "Products": products,
                "Total": self.total.to_string(),
                "SubTotal": self.subtotal.to_string(),
                "OneTimeFeeAmount": self.one_time.to_string(),
                "TaxTotal": self.tax_total.to_string(),
                "DeferredTotal": self.deferred_total.to_string(),
            },
            "links": [{"href": self_href, "rel": "self"}],
        })
    }

    /// `[amount, currency]`, or `[]` when the amount is zero.
    fn pair(&self, amount: Money) -> Value {
        match self.currency {
            Some(currency) if amount != Money::ZERO => {
                json!([amount.to_string(), currency.as_str()])
            }
            _ => json!([]),
        }
    }
}

fn fee_json(f: &Fee, currency: &str) -> Value {
    let flag = |b: bool| if b { "1" } else { "0" };
    let date = |d: Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    json!({
        "Type": f.kind.as_str(),
        "Description": f.description,
        "Currency": currency,
        "Amount": f.amount.to_string(),
        "BaseAmount": f.base_amount.to_string(),
        "UnitAmount": f.unit_amount.to_string(),
        "ProratedUnitAmount": f.prorated_unit_amount.to_string(),
        "Quantity": f.quantity.to_string(),
        "MonthlyCycle": f.monthly_cycle.to_string(),
        "NumCharges": f.num_charges.to_string(),
        "NumCharged": "0",
        "Prorated": flag(f.prorated),
        "ProrationAllowed": flag(f.proration_allowed),
        "Deferred": flag(f.deferred),
        "StartDate": date(f.start),
        "EndDate": date(f.end),
    })
}
