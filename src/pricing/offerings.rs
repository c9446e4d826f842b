//! The catalog as Hostway's product catalog shows it (docs §7): each plan a product
//! specification (`core.plan.email.<plan>`) with one offering (`<currency>-<months>`), the
//! Exchange services as service specifications, and the prices quotes charge.

use super::catalog::{Catalog, PlanPrice};
use crate::domain::{AddOn, Currency, Money};

/// The product specification of a plan: `core.plan.email.` + the plan's name.
pub const PLAN_PREFIX: &str = "core.plan.email.";

/// A plan as a product specification.
#[derive(Debug, Clone, Copy)]
pub struct ProductSpec<'a> {
    pub plan: &'a PlanPrice,
}

impl ProductSpec<'_> {
    pub fn id(&self) -> String {
        format!("{PLAN_PREFIX}{}", self.plan.name)
    }

    /// Its one offering: the plan's currency and billing cycle, e.g. `USD-1`.
    pub fn offering(&self) -> String {
        format!(
            "{}-{}",
            self.plan.currency.as_str(),
            self.plan.billing_cycle_months
        )
    }

    pub fn description(&self) -> String {
        match self.plan.included_mailboxes {
            0 => "Hosted Exchange, every mailbox paid".to_owned(),
            1 => "Hosted Exchange, 1 mailbox included".to_owned(),
            n => format!("Hosted Exchange, {n} mailboxes included"),
        }
    }
}

/// A service of the Exchange plans, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceSpec {
    /// Exchange on a domain: what the plan's order provisions.
    Domain,
    /// A mailbox beyond the plan's included ones.
    Mailbox,
    AddOn(AddOn),
}

/// An attribute a service takes when ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
}

impl ServiceSpec {
    const ALL: [ServiceSpec; 4] = [
        ServiceSpec::Domain,
        ServiceSpec::Mailbox,
        ServiceSpec::AddOn(AddOn::Archiving),
        ServiceSpec::AddOn(AddOn::Blackberry),
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::Domain => "core.service.email.exchange.domain",
            Self::Mailbox => "core.service.email.exchange.mailbox",
            Self::AddOn(AddOn::Archiving) => "core.service.email.exchange.archiving",
            Self::AddOn(AddOn::Blackberry) => "core.service.email.exchange.blackberry",
        }
    }

    pub fn parse(id: &str) -> Option<ServiceSpec> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Domain => "Exchange domain",
            Self::Mailbox => "Exchange mailbox",
            Self::AddOn(AddOn::Archiving) => "Archiving",
            Self::AddOn(AddOn::Blackberry) => "BlackBerry",
        }
    }

    /// Its place in the catalog's order (the docs' `ranking`).
    pub fn ranking(self) -> u32 {
        match self {
            Self::Domain => 1,
            Self::Mailbox => 2,
            Self::AddOn(AddOn::Archiving) => 3,
            Self::AddOn(AddOn::Blackberry) => 4,
        }
    }

    pub fn category(self) -> &'static str {
        match self {
            Self::Domain | Self::Mailbox => "Hosted Exchange",
            Self::AddOn(_) => "Hosted Exchange add-ons",
        }
    }

    pub fn attributes(self) -> &'static [AttributeSpec] {
        match self {
            Self::Domain => &[AttributeSpec {
                name: "domain",
                description: "The domain name Exchange is set up on (a domain that has Exchange anywhere already is refused)",
                required: true,
            }],
            Self::Mailbox => &[AttributeSpec {
                name: "username",
                description: "The mailbox's name in the domain (ordered with POST …/exchange/{domain}/mailboxes)",
                required: true,
            }],
            Self::AddOn(_) => &[AttributeSpec {
                name: "mailbox",
                description: "The mailbox's username (ordered with PUT …/mailboxes/{username}/<add-on>/)",
                required: true,
            }],
        }
    }
}

/// How often a price is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    OneTime,
    Recurring,
}

impl Recurrence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OneTime => "one_time",
            Self::Recurring => "recurring",
        }
    }
}

/// One price of an offering: what a quote charges for one unit of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub name: String,
    pub service: ServiceSpec,
    pub recurrence: Recurrence,
    /// Months each charge covers (1 for a one-time fee).
    pub billing_cycle: u32,
    pub amount: Money,
    pub currency: Currency,
    /// Units that come with the plan without this charge (the included mailboxes).
    pub included: i64,
}

impl Catalog {
    /// The franchise's plans as product specifications, by id.
    pub fn product_specs(&self, franchise: &str) -> Vec<ProductSpec<'_>> {
        self.plans(franchise)
            .map(|plan| ProductSpec { plan })
            .collect()
    }

    /// One of them, by id (`core.plan.email.<plan>`).
    pub fn product_spec(&self, franchise: &str, id: &str) -> Option<ProductSpec<'_>> {
        let plan = self.plan(franchise, id.strip_prefix(PLAN_PREFIX)?)?;
        Some(ProductSpec { plan })
    }

    /// The services the franchise's plans offer: the domain, mailboxes, and the add-ons its
    /// section prices.
    pub fn service_specs(&self, franchise: &str) -> Vec<ServiceSpec> {
        ServiceSpec::ALL
            .into_iter()
            .filter(|s| match s {
                ServiceSpec::AddOn(a) => self.add_on(franchise, *a).is_some(),
                _ => true,
            })
            .collect()
    }

    pub fn service_spec(&self, franchise: &str, id: &str) -> Option<ServiceSpec> {
        ServiceSpec::parse(id).filter(|s| self.service_specs(franchise).contains(s))
    }

    /// The billing cycles (months) a service is sold with in the franchise's section, and the
    /// default one (the default plan's, or the add-on's).
    pub fn billing_cycles(&self, franchise: &str, service: ServiceSpec) -> (Vec<u32>, u32) {
        if let ServiceSpec::AddOn(a) = service {
            let cycle = self
                .add_on(franchise, a)
                .map_or(1, |p| p.billing_cycle_months);
            return (vec![cycle], cycle);
        }
        let mut cycles: Vec<u32> = self
            .plans(franchise)
            .map(|p| p.billing_cycle_months)
            .collect();
        cycles.sort_unstable();
        cycles.dedup();
        (cycles, self.default_plan(franchise).billing_cycle_months)
    }

    /// What a plan's offering charges, as quotes do: per mailbox beyond the included ones, its
    /// setup fee (if any) and its recurring fee per cycle; per add-on likewise.
    pub fn prices(&self, franchise: &str, spec: ProductSpec<'_>) -> Vec<Price> {
        let mut prices = Vec::new();
        let mut push = |service: ServiceSpec, price: &PlanPrice, included: i64| {
            if price.setup_fee != Money::ZERO {
                prices.push(Price {
                    name: format!("{} setup fee", service.name()),
                    service,
                    recurrence: Recurrence::OneTime,
                    billing_cycle: 1,
                    amount: price.setup_fee,
                    currency: price.currency,
                    included,
                });
            }
            let recurring = price
                .mailbox_monthly
                .minor()
                .checked_mul(i64::from(price.billing_cycle_months))
                .and_then(|minor| Money::from_minor(minor).ok());
            if let Some(amount) = recurring {
                prices.push(Price {
                    name: format!("{} recurring fee", service.name()),
                    service,
                    recurrence: Recurrence::Recurring,
                    billing_cycle: price.billing_cycle_months,
                    amount,
                    currency: price.currency,
                    included,
                });
            }
        };
        push(
            ServiceSpec::Mailbox,
            spec.plan,
            spec.plan.included_mailboxes,
        );
        for a in AddOn::ALL {
            if let Some(price) = self.add_on(franchise, a) {
                push(ServiceSpec::AddOn(a), price, 0);
            }
        }
        prices
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_as_products() {
        let c = Catalog::builtin();
        let specs = c.product_specs("any");
        let ids: Vec<String> = specs.iter().map(|s| s.id()).collect();
        assert_eq!(
            ids,
            [
                "core.plan.email.exchange2010",
                "core.plan.email.exchange2010-payg"
            ]
        );
        let spec = c
            .product_spec("any", "core.plan.email.exchange2010")
            .unwrap();
        assert_eq!(spec.offering(), "USD-1");
        assert!(c.product_spec("any", "exchange2010").is_none());
        assert!(c.product_spec("any", "core.plan.email.nope").is_none());
        let prices = c.prices("any", spec);
        let shown: Vec<(&str, String, &str, i64)> = prices
            .iter()
            .map(|p| {
                (
                    p.service.id(),
                    p.amount.to_string(),
                    p.recurrence.as_str(),
                    p.included,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "core.service.email.exchange.mailbox",
                    "5.18".into(),
                    "recurring",
                    10
                ),
                (
                    "core.service.email.exchange.archiving",
                    "2.50".into(),
                    "recurring",
                    0
                ),
                (
                    "core.service.email.exchange.blackberry",
                    "0.00".into(),
                    "recurring",
                    0
                ),
            ]
        );
        assert_eq!(c.service_specs("any").len(), 4);
        for s in c.service_specs("any") {
            assert_eq!(ServiceSpec::parse(s.id()), Some(s));
            assert!(!s.attributes().is_empty());
        }
        assert_eq!(c.billing_cycles("any", ServiceSpec::Domain), (vec![1], 1));
    }

    #[test]
    fn a_twelve_month_plan_with_a_setup_fee() {
        let c = Catalog::parse(
            r#"
            [default]
            currency = "EUR"
            [default.plans.exchange2010]
            included_mailboxes = 2
            mailbox_monthly = "4.90"
            setup_fee = "10"
            billing_cycle_months = 12
            "#,
        )
        .unwrap();
        let spec = c.product_spec("x", "core.plan.email.exchange2010").unwrap();
        assert_eq!(spec.offering(), "EUR-12");
        let prices = c.prices("x", spec);
        assert_eq!(prices.len(), 2, "no add-ons in this section");
        assert_eq!(
            (prices[0].recurrence, prices[0].amount.to_string()),
            (Recurrence::OneTime, "10.00".into())
        );
        assert_eq!(
            (prices[1].billing_cycle, prices[1].amount.to_string()),
            (12, "58.80".into())
        );
        assert!(
            c.service_spec("x", "core.service.email.exchange.archiving")
                .is_none()
        );
        assert_eq!(c.service_specs("x").len(), 2);
    }
}
