//! Quotes: the fees of an order's lines, their totals, a hash, and Hostway's two JSON bodies.

use sha2::{Digest, Sha256};
use time::{Date, Month};

use super::catalog::{PlanPrice, Proration};
use crate::domain::{Currency, Money};

/// Why an order could not be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("the lines of one order must share a currency ({first} and {other} differ)")]
    MixedCurrencies { first: Currency, other: Currency },
    #[error("an amount or a date of the quote is out of range")]
    Overflow,
}

/// One thing to price: a paid mailbox of a plan.
#[derive(Debug, Clone)]
pub struct QuoteLine<'a> {
    /// Shown to the client, e.g. `Exchange mailbox john2@paid.example.com`.
    pub description: String,
    pub plan: &'a PlanPrice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeeKind {
    SetupFee,
    Recurring,
}

impl FeeKind {
    /// Hostway's `Type`: `setup_fee` or `recurring`.
    pub fn as_str(self) -> &'static str {
        match self {
            FeeKind::SetupFee => "setup_fee",
            FeeKind::Recurring => "recurring",
        }
    }
}

/// One fee of a product. `unit_amount` is the price of one unit for `monthly_cycle` months
/// (a prorated fee's unit is one month); `prorated_unit_amount` is what is charged for the
/// fee's own period; `amount` = prorated unit × `quantity`, `base_amount` = unit × `quantity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fee {
    pub kind: FeeKind,
    pub description: String,
    pub amount: Money,
    pub unit_amount: Money,
    pub prorated_unit_amount: Money,
    pub base_amount: Money,
    /// Always 1: one fee per mailbox.
    pub quantity: u32,
    pub monthly_cycle: u32,
    /// 1 for a setup fee, -1 (until cancelled) for a recurring fee.
    pub num_charges: i32,
    pub prorated: bool,
    pub proration_allowed: bool,
    /// Not charged now: the first whole cycle after a prorated month.
    pub deferred: bool,
    pub start: Date,
    /// Last day covered, inclusive.
    pub end: Date,
}

/// The fees of one quote line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub plan_number: String,
    /// The plan's name in the catalog.
    pub plan: String,
    pub description: String,
    pub fees: Vec<Fee>,
}

/// A priced order. `total`/`subtotal` are what is charged now; `deferred_*` are charged later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// 40 lowercase hex digits over the order id and every product and fee.
    pub hash: String,
    /// `None` only for a quote without lines (everything zero).
    pub currency: Option<Currency>,
    pub products: Vec<Product>,
    pub subtotal: Money,
    /// Always zero: there is no tax engine.
    pub tax_total: Money,
    pub total: Money,
    /// The setup fees charged now.
    pub one_time: Money,
    pub deferred_subtotal: Money,
    pub deferred_total: Money,
}

impl Quote {
    /// Every fee with the index of its product, in order, deferred ones included.
    pub fn charges(&self) -> Vec<(usize, &Fee)> {
        let per_product = self.products.iter().enumerate();
        per_product
            .flat_map(|(i, p)| p.fees.iter().map(move |f| (i, f)))
            .collect()
    }
}

/// Prices an order's lines on `today`. All lines must share one currency; no lines give a
/// zero quote without a currency.
pub fn price(order_id: &str, lines: &[QuoteLine<'_>], today: Date) -> Result<Quote, PricingError> {
    let mut currency: Option<Currency> = None;
    let mut products = Vec::with_capacity(lines.len());
    for line in lines {
        let plan = line.plan;
        match currency {
            Some(first) if first != plan.currency => {
                return Err(PricingError::MixedCurrencies {
                    first,
                    other: plan.currency,
                });
            }
            _ => currency = Some(plan.currency),
        }
        products.push(Product {
            plan_number: plan.plan_number.clone(),
            plan: plan.name.clone(),
            description: line.description.clone(),
            fees: fees(plan, today)?,
        });
    }
    let sum = |pick: fn(&Fee) -> bool| {
        products
            .iter()
            .flat_map(|p| &p.fees)
            .filter(|f| pick(f))
            .try_fold(Money::ZERO, |sum, f| sum.checked_add(f.amount))
            .ok_or(PricingError::Overflow)
    };
    let subtotal = sum(|f| !f.deferred)?;
    let one_time = sum(|f| !f.deferred && f.kind == FeeKind::SetupFee)?;
    let deferred_subtotal = sum(|f| f.deferred)?;
    let tax_total = Money::ZERO;
    Ok(Quote {
        hash: hash(order_id, currency, &products),
        currency,
        subtotal,
        tax_total,
        total: subtotal
            .checked_add(tax_total)
            .ok_or(PricingError::Overflow)?,
        one_time,
        deferred_subtotal,
        deferred_total: deferred_subtotal
            .checked_add(tax_total)
            .ok_or(PricingError::Overflow)?,
        products,
    })
}

/// The fees of one mailbox of `plan` ordered on `today` (see the module docs).
fn fees(plan: &PlanPrice, today: Date) -> Result<Vec<Fee>, PricingError> {
    let cycle = plan.billing_cycle_months;
    let daily = plan.proration == Proration::Daily;
    // A fee of `amount` for start..=end, not prorated: every unit amount is the amount.
    let fee = |kind, description: &str, amount: Money, start, end| Fee {
        kind,
        description: description.to_string(),
        amount,
        unit_amount: amount,
        prorated_unit_amount: amount,
        base_amount: amount,
        quantity: 1,
        monthly_cycle: cycle,
        num_charges: if kind == FeeKind::SetupFee { 1 } else { -1 },
        prorated: false,
        proration_allowed: daily && kind == FeeKind::Recurring,
        deferred: false,
        start,
        end,
    };
    let whole_cycle = |start: Date, deferred: bool| -> Result<Fee, PricingError> {
        let amount = plan
            .mailbox_monthly
            .minor()
            .checked_mul(i64::from(cycle))
            .and_then(|minor| Money::from_minor(minor).ok())
            .ok_or(PricingError::Overflow)?;
        let end = add_months(start, cycle)
            .and_then(Date::previous_day)
            .ok_or(PricingError::Overflow)?;
        let fee = fee(FeeKind::Recurring, "Recurring fee", amount, start, end);
        Ok(Fee { deferred, ..fee })
    };
    let mut fees = Vec::with_capacity(3);
    if plan.setup_fee != Money::ZERO {
        fees.push(fee(
            FeeKind::SetupFee,
            "Setup fee",
            plan.setup_fee,
            today,
            today,
        ));
    }
    if daily && today.day() != 1 {
        let days = today.month().length(today.year());
        let left = days - today.day() + 1;
        let last = today
            .replace_day(days)
            .map_err(|_| PricingError::Overflow)?;
        let monthly = plan.mailbox_monthly;
        let description = "Recurring fee, prorated to the end of the month";
        let now = fee(
            FeeKind::Recurring,
            description,
            prorate(monthly, left, days),
            today,
            last,
        );
        // The unit of the prorated fee is one month at the monthly price.
        fees.push(Fee {
            unit_amount: monthly,
            base_amount: monthly,
            monthly_cycle: 1,
            prorated: true,
            ..now
        });
        let next_month = last.next_day().ok_or(PricingError::Overflow)?;
        fees.push(whole_cycle(next_month, true)?);
    } else {
        fees.push(whole_cycle(today, false)?);
    }
    Ok(fees)
}

/// `monthly × left ÷ days`, rounded half up to the minor unit, in integers only.
fn prorate(monthly: Money, left: u8, days: u8) -> Money {
    let (left, days) = (i128::from(left), i128::from(days));
    let minor = (2 * i128::from(monthly.minor()) * left + days) / (2 * days);
    // `left <= days`, so the result is at most `monthly` and fits.
    Money::from_minor(i64::try_from(minor).expect("at most the monthly price"))
        .expect("not negative")
}

/// `date` plus `months` calendar months, the day clamped to the month's length (Jan 31 + 1 →
/// Feb 28 or 29). `None` beyond the dates `time` can represent.
fn add_months(date: Date, months: u32) -> Option<Date> {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1;
    let index = index + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// The first 20 bytes of SHA-256 over a length-prefixed serialization of the order id, the
/// currency and every product and fee field, in a fixed order.
fn hash(order_id: &str, currency: Option<Currency>, products: &[Product]) -> String {
    let mut h = Sha256::new();
    let text = |h: &mut Sha256, s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    let int = |h: &mut Sha256, n: i64| h.update(n.to_be_bytes());
    text(&mut h, "mailorder quote v1");
    text(&mut h, order_id);
    text(&mut h, currency.as_ref().map_or("", Currency::as_str));
    int(&mut h, products.len() as i64);
    for p in products {
        text(&mut h, &p.plan_number);
        text(&mut h, &p.plan);
        text(&mut h, &p.description);
        int(&mut h, p.fees.len() as i64);
        for f in &p.fees {
            text(&mut h, f.kind.as_str());
            text(&mut h, &f.description);
            for money in [
                f.amount,
                f.unit_amount,
                f.prorated_unit_amount,
                f.base_amount,
            ] {
                int(&mut h, money.minor());
            }
            for n in [f.quantity, f.monthly_cycle] {
                int(&mut h, i64::from(n));
            }
            int(&mut h, i64::from(f.num_charges));
            for flag in [f.prorated, f.proration_allowed, f.deferred] {
                int(&mut h, i64::from(flag));
            }
            int(&mut h, i64::from(f.start.to_julian_day()));
            int(&mut h, i64::from(f.end.to_julian_day()));
        }
    }
    super::hex(&h.finalize()[..20])
}
