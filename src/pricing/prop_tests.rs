//! The property test: for random catalogs, lines and dates, the two JSON bodies agree with
//! each other and with the fees they list.

use proptest::prelude::*;
use serde_json::{Value, json};
use time::Duration;
use time::macros::date;

use super::*;
use crate::domain::Money;

/// `"12.34"`: digits, a dot, exactly two digits.
fn two_decimals(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    matches!(s.split_once('.'), Some((u, c)) if digits(u) && digits(c) && c.len() == 2)
}

fn str_of(v: &Value) -> &str {
    v.as_str()
        .expect("every value of the full body is a string")
}

/// The compact pair expected for a full-body amount: `[]` iff zero.
fn pair(amount: &str, currency: &str) -> Value {
    if Money::parse(amount).unwrap() == Money::ZERO {
        json!([])
    } else {
        json!([amount, currency])
    }
}

fn sum(amounts: impl Iterator<Item = Money>) -> Money {
    amounts.fold(Money::ZERO, |a, b| a.checked_add(b).unwrap())
}

type Plan = (i64, i64, u32, bool);

/// A catalog whose franchise `f` offers one plan per entry (monthly, setup, cycle, daily).
fn catalog_text(plans: &[Plan], currency: &str) -> String {
    let mut text =
        format!("[default]\ncurrency = \"USD\"\n[franchises.f]\ncurrency = \"{currency}\"\n");
    for (i, &(monthly, setup, cycle, daily)) in plans.iter().enumerate() {
        let name = if i == 0 {
            "exchange2010".to_string()
        } else {
            format!("plan-{i}")
        };
        let monthly = Money::from_minor(monthly).unwrap();
        let setup = Money::from_minor(setup).unwrap();
        let proration = if daily { "daily" } else { "none" };
        text += &format!(
            "[franchises.f.plans.{name}]\nincluded_mailboxes = {i}\n\
             mailbox_monthly = \"{monthly}\"\nsetup_fee = \"{setup}\"\n\
             billing_cycle_months = {cycle}\nproration = \"{proration}\"\n"
        );
    }
    text + "[default.plans.exchange2010]\nincluded_mailboxes = 0\nmailbox_monthly = \"1\"\n"
}

/// The two bodies agree with each other and with the fees they list.
fn check(quote: &Quote, lines: &[QuoteLine<'_>], currency: &str) -> Result<(), TestCaseError> {
    let hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    prop_assert!(quote.hash.len() == 40 && quote.hash.bytes().all(hex));
    let compact = compact_json(quote, "s", "a");
    let full = full_json(quote, "s");
    let q = &full["quote"];
    prop_assert_eq!(&compact["quotehash"], &q["Hash"]);
    prop_assert_eq!(str_of(&q["Currency"]), currency);
    let products = q["Products"].as_array().unwrap();
    prop_assert_eq!(products.len(), lines.len());
    let fees: Vec<&Value> = products
        .iter()
        .flat_map(|p| p["Fees"].as_array().unwrap())
        .collect();
    for fee in &fees {
        for key in ["Amount", "BaseAmount", "UnitAmount", "ProratedUnitAmount"] {
            prop_assert!(two_decimals(str_of(&fee[key])), "{}: {}", key, fee[key]);
        }
        prop_assert!(str_of(&fee["StartDate"]) <= str_of(&fee["EndDate"]));
    }
    for key in [
        "Total",
        "SubTotal",
        "OneTimeFeeAmount",
        "TaxTotal",
        "DeferredTotal",
    ] {
        prop_assert!(two_decimals(str_of(&q[key])), "{}: {}", key, q[key]);
    }
    let sum_of = |pick: &dyn Fn(&Value) -> bool| {
        let amount = |f: &&&Value| Money::parse(str_of(&f["Amount"])).unwrap();
        sum(fees.iter().filter(|f| pick(f)).map(|f| amount(&f)))
    };
    let now = sum_of(&|f| f["Deferred"] == "0");
    let later = sum_of(&|f| f["Deferred"] == "1");
    let setup = sum_of(&|f| f["Deferred"] == "0" && f["Type"] == "setup_fee");
    let money = |key: &str| Money::parse(str_of(&q[key])).unwrap();
    prop_assert_eq!(money("Total"), now);
    prop_assert_eq!(money("SubTotal"), now);
    prop_assert_eq!(money("DeferredTotal"), later);
    prop_assert_eq!(money("OneTimeFeeAmount"), setup);
    prop_assert_eq!(&compact["total"], &pair(str_of(&q["Total"]), currency));
    prop_assert_eq!(
        &compact["subtotal"],
        &pair(str_of(&q["SubTotal"]), currency)
    );
    prop_assert_eq!(
        &compact["deferredTotal"],
        &pair(&later.to_string(), currency)
    );
    prop_assert_eq!(
        &compact["deferredSubtotal"],
        &pair(&later.to_string(), currency)
    );
    for key in ["total", "subtotal", "deferredTotal", "deferredSubtotal"] {
        match compact[key].as_array().unwrap().as_slice() {
            [] => {}
            [amount, cur] => {
                prop_assert!(two_decimals(str_of(amount)) && str_of(amount) != "0.00");
                prop_assert_eq!(str_of(cur), currency);
            }
            other => prop_assert!(false, "{}: {:?}", key, other),
        }
    }
    // Every product pays one recurring fee now, at most its plan's cycle price.
    for (product, line) in quote.products.iter().zip(lines) {
        let recurring_now = |f: &&Fee| f.kind == FeeKind::Recurring && !f.deferred;
        let now: Vec<&Fee> = product.fees.iter().filter(recurring_now).collect();
        prop_assert_eq!(now.len(), 1);
        let plan = line.plan;
        let cycle_price = plan.mailbox_monthly.minor() * i64::from(plan.billing_cycle_months);
        prop_assert!(now[0].amount.minor() <= cycle_price);
    }
    prop_assert_eq!(quote.charges().len(), fees.len());
    Ok(())
}

proptest! {
    #[test]
    fn compact_and_full_bodies_agree(
        plans in prop::collection::vec(
            (0i64..=100_000, prop_oneof![Just(0i64), 0i64..=100_000], 1u32..=36, any::<bool>()),
            1..=4,
        ),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..=20),
        days in 0i64..36_525,
        euro in any::<bool>(),
        order_id in "[a-z0-9-]{1,16}",
    ) {
        let currency = if euro { "EUR" } else { "USD" };
        let catalog = Catalog::parse(&catalog_text(&plans, currency)).unwrap();
        let offered: Vec<&PlanPrice> = catalog.plans("f").collect();
        prop_assert_eq!(offered.len(), plans.len());
        let lines: Vec<QuoteLine<'_>> = picks
            .iter()
            .enumerate()
            .map(|(i, pick)| QuoteLine {
                description: format!("Exchange mailbox m{i}@example.com"),
                plan: offered[pick.index(offered.len())],
            })
            .collect();
        // 2000-01-01 ..= 2099-12-31.
        let today = date!(2000 - 01 - 01) + Duration::days(days);
        let quote = price(&order_id, &lines, today).unwrap();
        prop_assert_eq!(&price(&order_id, &lines, today).unwrap(), &quote, "deterministic");
        check(&quote, &lines, currency)?;
    }
}

/// The compact quote as JSON.
fn compact_json(quote: &Quote, self_href: &str, action_href: &str) -> serde_json::Value {
    let body = crate::http::types::CompactQuote::of(quote, self_href.into(), action_href.into());
    serde_json::to_value(body).expect("serialises")
}

/// The full quote as JSON.
fn full_json(quote: &Quote, self_href: &str) -> serde_json::Value {
    serde_json::to_value(crate::http::types::FullQuote::of(quote, self_href.into()))
        .expect("serialises")
}
