//! Catalog of plans and prices (`catalog.toml`), and quotes for orders (pure functions).
//!
//! Each paid mailbox is one product. Its setup fee (if any) is charged now. With proration
//! `none` its first whole billing cycle, from today, is charged now and nothing is deferred.
//! With `daily`, cycles start on the 1st of a month: on the 1st the first cycle is charged now;
//! on any other day the rest of this month (monthly price × days left, today included, ÷ days
//! of the month, rounded half up to the cent) is charged now, and the first whole cycle, from
//! the 1st of next month, is quoted as deferred. Amounts are integer minor units, never floats.

mod catalog;
pub mod offerings;
mod quote;

pub use catalog::{Catalog, CatalogError, PlanPrice, Proration};
pub use quote::{Fee, FeeKind, PricingError, Product, Quote, QuoteLine, price};

#[cfg(test)]
mod catalog_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;

/// Lowercase hexadecimal digits of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}
