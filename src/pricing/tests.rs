use serde_json::json;
use time::Date;
use time::macros::date;

use super::*;
use crate::domain::Money;

/// A catalog whose default section holds `exchange2010` with the given fields.
pub(super) fn one_plan(fields: &str) -> Result<Catalog, CatalogError> {
    Catalog::parse(&format!(
        "[default]\ncurrency = \"USD\"\n[default.plans.exchange2010]\n{fields}\n"
    ))
}

fn plan(fields: &str) -> PlanPrice {
    one_plan(fields).unwrap().default_plan("any").clone()
}

fn line<'a>(description: &str, plan: &'a PlanPrice) -> QuoteLine<'a> {
    QuoteLine {
        description: description.into(),
        plan,
    }
}

fn quote_of(plan: &PlanPrice, today: Date) -> Quote {
    price(
        "order-1",
        &[line("Exchange mailbox a@example.com", plan)],
        today,
    )
    .unwrap()
}

fn amounts(fees: &[Fee]) -> Vec<(String, bool, Date, Date)> {
    let row = |f: &Fee| (f.amount.to_string(), f.deferred, f.start, f.end);
    fees.iter().map(row).collect()
}

#[test]
fn one_paid_mailbox_of_the_default_plan_is_hostways_example() {
    let catalog = Catalog::builtin();
    let plan = catalog.default_plan("paid");
    let lines = [line("Exchange mailbox john2@paid.example.com", plan)];
    let quote = price("o1", &lines, date!(2026 - 03 - 17)).unwrap();
    let body = compact_json(&quote, "/orders/o1/quote", "/orders/o1/action");
    let expected = json!({
        "total": ["5.18", "USD"],
        "subtotal": ["5.18", "USD"],
        "deferredTotal": [],
        "deferredSubtotal": [],
        "quotehash": quote.hash,
        "links": [
            {"href": "/orders/o1/quote", "rel": "self"},
            {"href": "/orders/o1/action", "rel": "related"},
        ],
    });
    assert_eq!(
        body.to_string(),
        expected.to_string(),
        "same keys in the same order"
    );
    let fees = amounts(&quote.products[0].fees);
    let end = date!(2026 - 04 - 16);
    assert_eq!(fees, [("5.18".into(), false, date!(2026 - 03 - 17), end)]);
}

#[test]
fn setup_fee_and_recurring_fee_as_in_hostways_docs() {
    let plan = plan("included_mailboxes = 0\nmailbox_monthly = \"239\"\nsetup_fee = \"100.00\"");
    let quote = quote_of(&plan, date!(2012 - 09 - 11));
    let body = full_json(&quote, "/orders/order-1/quote");
    let q = &body["quote"];
    assert_eq!(
        (&q["Total"], &q["SubTotal"]),
        (&json!("339.00"), &json!("339.00"))
    );
    assert_eq!(
        (&q["OneTimeFeeAmount"], &q["TaxTotal"]),
        (&json!("100.00"), &json!("0.00"))
    );
    assert_eq!(q["DeferredTotal"], "0.00");
    let product = &q["Products"][0];
    assert_eq!(product["PlanNumber"], plan.plan_number.as_str());
    let keys: Vec<&str> = product
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let product_keys = [
        "PlanNumber",
        "PromotionCode",
        "PromotionName",
        "Description",
    ];
    assert_eq!(keys[..4], product_keys);
    assert_eq!(keys[4..], ["Services", "ChildProduct", "Fees"]);
    let setup = json!({
        "Type": "setup_fee", "Description": "Setup fee", "Currency": "USD",
        "Amount": "100.00", "BaseAmount": "100.00", "UnitAmount": "100.00",
        "ProratedUnitAmount": "100.00", "Quantity": "1", "MonthlyCycle": "1",
        "NumCharges": "1", "NumCharged": "0", "Prorated": "0", "ProrationAllowed": "0",
        "Deferred": "0", "StartDate": "2012-09-11", "EndDate": "2012-09-11",
    });
    assert_eq!(product["Fees"][0].to_string(), setup.to_string());
    let recurring = &product["Fees"][1];
    assert_eq!(
        (&recurring["Type"], &recurring["Amount"]),
        (&json!("recurring"), &json!("239.00"))
    );
    assert_eq!(
        (&recurring["NumCharges"], &recurring["EndDate"]),
        (&json!("-1"), &json!("2012-10-10"))
    );
    let top: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["quote", "links"]);
    let compact = compact_json(&quote, "s", "a");
    assert_eq!(compact["total"], json!(["339.00", "USD"]));
    assert_eq!(quote.one_time.to_string(), "100.00");
    let charges: Vec<_> = quote.charges().iter().map(|(i, f)| (*i, f.kind)).collect();
    assert_eq!(charges, [(0, FeeKind::SetupFee), (0, FeeKind::Recurring)]);
}

#[test]
fn daily_proration_in_the_middle_of_a_month() {
    let plan = plan("included_mailboxes = 0\nmailbox_monthly = \"5.18\"\nproration = \"daily\"");
    // November has 30 days; the 28th, 29th and 30th are left: 5.18 × 3 / 30 = 0.518 → 0.52.
    let quote = quote_of(&plan, date!(2026 - 11 - 28));
    let fees = &quote.products[0].fees;
    let expected = [
        (
            "0.52".into(),
            false,
            date!(2026 - 11 - 28),
            date!(2026 - 11 - 30),
        ),
        (
            "5.18".into(),
            true,
            date!(2026 - 12 - 01),
            date!(2026 - 12 - 31),
        ),
    ];
    assert_eq!(amounts(fees), expected);
    assert!(fees[0].prorated && !fees[1].prorated && fees[0].proration_allowed);
    assert_eq!(fees[0].unit_amount.to_string(), "5.18");
    let body = compact_json(&quote, "s", "a");
    assert_eq!(body["total"], json!(["0.52", "USD"]));
    assert_eq!(body["deferredTotal"], json!(["5.18", "USD"]));
    assert_eq!(body["deferredSubtotal"], json!(["5.18", "USD"]));
    // 1 of 31 days: 0.1670… → 0.17; 10 of 31: 1.6709… → 1.67.
    let fee_now = |d: Date| quote_of(&plan, d).products[0].fees[0].amount.to_string();
    assert_eq!(fee_now(date!(2026 - 12 - 31)), "0.17");
    assert_eq!(fee_now(date!(2026 - 12 - 22)), "1.67");
    // Exactly half a cent rounds up: 0.05 × 15 / 30 = 0.025 → 0.03.
    let cheap = plan.clone();
    let cheap = PlanPrice {
        mailbox_monthly: Money::parse("0.05").unwrap(),
        ..cheap
    };
    assert_eq!(
        quote_of(&cheap, date!(2026 - 11 - 16)).total.to_string(),
        "0.03"
    );
}

#[test]
fn daily_proration_on_the_first_charges_the_whole_cycle_now() {
    let plan = plan(
        "included_mailboxes = 0\nmailbox_monthly = \"2\"\nbilling_cycle_months = 12\n\
         proration = \"daily\"\nsetup_fee = \"1\"",
    );
    let quote = quote_of(&plan, date!(2026 - 03 - 01));
    let expected = [
        (
            "1.00".into(),
            false,
            date!(2026 - 03 - 01),
            date!(2026 - 03 - 01),
        ),
        (
            "24.00".into(),
            false,
            date!(2026 - 03 - 01),
            date!(2027 - 02 - 28),
        ),
    ];
    assert_eq!(amounts(&quote.products[0].fees), expected);
    assert_eq!(
        (quote.total.to_string(), quote.deferred_total),
        ("25.00".into(), Money::ZERO)
    );
    // Mid-month with a 12-month cycle: the deferred cycle runs to the end of a month.
    let quote = quote_of(&plan, date!(2024 - 02 - 10));
    let fees = amounts(&quote.products[0].fees);
    // 20 of 29 days of 2.00 = 1.3793… → 1.38.
    assert_eq!(
        fees[1],
        (
            "1.38".into(),
            false,
            date!(2024 - 02 - 10),
            date!(2024 - 02 - 29)
        )
    );
    assert_eq!(
        fees[2],
        (
            "24.00".into(),
            true,
            date!(2024 - 03 - 01),
            date!(2025 - 02 - 28)
        )
    );
    assert_eq!(
        (quote.one_time.to_string(), quote.total.to_string()),
        ("1.00".into(), "2.38".into())
    );
}

#[test]
fn end_dates_across_month_ends_and_leap_years() {
    let end = |cycle: u32, today: Date| {
        let fields = format!(
            "included_mailboxes = 0\nmailbox_monthly = \"1\"\nbilling_cycle_months = {cycle}"
        );
        quote_of(&plan(&fields), today).products[0].fees[0].end
    };
    assert_eq!(end(1, date!(2026 - 01 - 31)), date!(2026 - 02 - 27)); // Feb 28, then −1 day
    assert_eq!(end(1, date!(2024 - 01 - 31)), date!(2024 - 02 - 28)); // Feb 29, then −1 day
    assert_eq!(end(1, date!(2026 - 12 - 15)), date!(2027 - 01 - 14));
    assert_eq!(end(1, date!(2026 - 03 - 01)), date!(2026 - 03 - 31));
    assert_eq!(end(12, date!(2024 - 02 - 29)), date!(2025 - 02 - 27));
    assert_eq!(end(36, date!(2023 - 03 - 01)), date!(2026 - 02 - 28));
    assert_eq!(end(3, date!(2025 - 11 - 30)), date!(2026 - 02 - 27));
}

#[test]
fn the_hash_covers_order_id_lines_and_prices() {
    let catalog = Catalog::builtin();
    let plan = catalog.default_plan("x");
    let today = date!(2026 - 05 - 05);
    let a = line("Exchange mailbox a@example.com", plan);
    let b = line("Exchange mailbox b@example.com", plan);
    let hash = |id: &str, lines: Vec<QuoteLine<'_>>| price(id, &lines, today).unwrap().hash;
    let base = hash("o1", vec![a.clone()]);
    assert_eq!(base.len(), 40);
    assert!(
        base.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    );
    assert_eq!(base, hash("o1", vec![a.clone()]), "deterministic");
    assert_ne!(base, hash("o2", vec![a.clone()]));
    assert_ne!(base, hash("o1", vec![a.clone(), b.clone()]));
    assert_ne!(base, hash("o1", vec![b]));
    let dearer = PlanPrice {
        mailbox_monthly: Money::parse("5.19").unwrap(),
        ..plan.clone()
    };
    assert_ne!(
        base,
        hash("o1", vec![line("Exchange mailbox a@example.com", &dearer)])
    );
    assert_ne!(base, price("o1", &[a], date!(2026 - 05 - 06)).unwrap().hash);
}

#[test]
fn mixed_currencies_overflow_and_no_lines() {
    let usd = Catalog::builtin().default_plan("x").clone();
    let eur = PlanPrice {
        currency: crate::domain::Currency::parse("EUR").unwrap(),
        ..usd.clone()
    };
    let today = date!(2026 - 05 - 05);
    let err = price("o", &[line("a", &usd), line("b", &eur)], today).unwrap_err();
    assert!(matches!(err, PricingError::MixedCurrencies { .. }), "{err}");
    let huge = plan("included_mailboxes = 0\nmailbox_monthly = \"92233720368547758.07\"");
    let one = price("o", &[line("a", &huge)], today).unwrap();
    assert_eq!(one.total.minor(), i64::MAX);
    let two = price("o", &[line("a", &huge), line("b", &huge)], today);
    assert_eq!(two.unwrap_err(), PricingError::Overflow);
    let cycles = PlanPrice {
        billing_cycle_months: 2,
        ..huge.clone()
    };
    assert_eq!(
        price("o", &[line("a", &cycles)], today).unwrap_err(),
        PricingError::Overflow
    );
    let late = price("o", &[line("a", &usd)], date!(9999 - 12 - 31));
    assert_eq!(late.unwrap_err(), PricingError::Overflow);
    let empty = price("o", &[], today).unwrap();
    assert_eq!((empty.currency, empty.total), (None, Money::ZERO));
    let body = compact_json(&empty, "s", "a");
    assert_eq!(
        (&body["total"], &body["deferredTotal"]),
        (&json!([]), &json!([]))
    );
    assert_eq!(full_json(&empty, "s")["quote"]["Products"], json!([]));
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
