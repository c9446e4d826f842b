//! The catalog file (`catalog.toml`): raw TOML structs, converted once into validated types.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{AddOn, Currency, Money};

/// The plan of a new Exchange resource; every section of a catalog offers it.
const DEFAULT_PLAN: &str = "exchange2010";

/// Why a catalog was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Not TOML, a field of the wrong type, a missing or an unknown field.
    #[error("{0}")]
    Syntax(#[from] toml::de::Error),
    /// A value that parsed but is not allowed; `at` names the section, plan and field.
    #[error("{at}: {problem}")]
    Invalid { at: String, problem: String },
}

/// How the first period of a recurring fee is charged (see the module docs of `pricing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proration {
    /// The first whole cycle, from today, is charged now.
    #[default]
    None,
    /// The rest of this month is charged now; cycles start on the 1st of a month.
    Daily,
}

/// One plan of one catalog section, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanPrice {
    pub name: String,
    /// 40 lowercase hex digits, derived from the section and the plan name.
    pub plan_number: String,
    pub currency: Currency,
    /// Free mailboxes that come with the plan (never negative).
    pub included_mailboxes: i64,
    /// Price of each further mailbox per month.
    pub mailbox_monthly: Money,
    /// One-time fee per further mailbox (zero: none).
    pub setup_fee: Money,
    /// Months per billing cycle, 1 to 36.
    pub billing_cycle_months: u32,
    pub proration: Proration,
}

/// The plans of the default section or of one franchise.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Section {
    currency: Currency,
    plans: BTreeMap<String, PlanPrice>,
    /// Add-ons offered, priced as plans of their own (no included mailboxes; the monthly price
    /// is per mailbox that has the add-on).
    addons: BTreeMap<&'static str, PlanPrice>,
}

/// Plans and prices: a default section, and sections of franchises that replace it entirely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    default: Section,
    franchises: BTreeMap<String, Section>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    default: RawSection,
    #[serde(default)]
    franchises: BTreeMap<String, RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    currency: String,
    #[serde(default)]
    plans: BTreeMap<String, RawPlan>,
    #[serde(default)]
    addons: BTreeMap<String, RawAddOn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAddOn {
    monthly: String,
    setup_fee: Option<String>,
    billing_cycle_months: Option<i64>,
    #[serde(default)]
    proration: Proration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    included_mailboxes: i64,
    mailbox_monthly: String,
    setup_fee: Option<String>,
    billing_cycle_months: Option<i64>,
    #[serde(default)]
    proration: Proration,
}

impl Catalog {
    /// Parses and validates a catalog; an invalid one cannot be constructed.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(text)?;
        let default = Section::from_raw(None, raw.default)?;
        let mut franchises = BTreeMap::new();
        for (name, section) in raw.franchises {
            let ok = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
            if !ok {
                return Err(CatalogError::Invalid {
                    at: format!("franchise {name:?}"),
                    problem: "a franchise name is 1-64 letters, digits, '_', '-' or '.'".into(),
                });
            }
            let section = Section::from_raw(Some(&name), section)?;
            franchises.insert(name, section);
        }
        Ok(Catalog {
            default,
            franchises,
        })
    }

    /// The catalog in the repository's `catalog.toml` (also what `--demo` uses).
    pub fn builtin() -> Catalog {
        Catalog::parse(include_str!("../../catalog.toml")).expect("catalog.toml is valid")
    }

    /// Reads and parses a catalog file; errors name the path.
    pub fn load(path: &Path) -> anyhow::Result<Catalog> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the catalog {}", path.display()))?;
        Catalog::parse(&text).with_context(|| format!("invalid catalog {}", path.display()))
    }

    /// The plan a franchise may order: from its own section if it has one, else the default.
    pub fn plan(&self, franchise: &str, plan: &str) -> Option<&PlanPrice> {
        self.section(franchise).plans.get(plan)
    }

    /// The price of an add-on for the franchise, or `None` if its section does not offer it.
    pub fn add_on(&self, franchise: &str, add_on: AddOn) -> Option<&PlanPrice> {
        self.section(franchise).addons.get(add_on.as_str())
    }

    /// The plan of a new Exchange resource for the franchise; every section has it.
    pub fn default_plan(&self, franchise: &str) -> &PlanPrice {
        self.plan(franchise, DEFAULT_PLAN)
            .expect("every section has the default plan (checked when parsed)")
    }

    /// Every plan the franchise may order, by name.
    pub fn plans(&self, franchise: &str) -> impl Iterator<Item = &PlanPrice> {
        self.section(franchise).plans.values()
    }

    /// The currency of the franchise's section.
    pub fn currency(&self, franchise: &str) -> Currency {
        self.section(franchise).currency
    }

    /// `"exchange2010"`: the plan of a new Exchange resource.
    pub fn default_plan_name() -> &'static str {
        DEFAULT_PLAN
    }

    fn section(&self, franchise: &str) -> &Section {
        self.franchises.get(franchise).unwrap_or(&self.default)
    }
}

impl Section {
    fn from_raw(franchise: Option<&str>, raw: RawSection) -> Result<Section, CatalogError> {
        // Plans of the default section are named alone: `plan "x": field: problem`.
        let (section, plan_prefix, key) = match franchise {
            None => ("default".to_string(), String::new(), "default".to_string()),
            Some(name) => {
                let label = format!("franchise {name:?}");
                let prefix = format!("{label}: ");
                (label, prefix, format!("franchises.{name}"))
            }
        };
        let invalid = |at: String, problem: String| CatalogError::Invalid { at, problem };
        let currency = Currency::parse(&raw.currency)
            .map_err(|p| invalid(format!("{section}: currency"), p))?;
        let mut plans = BTreeMap::new();
        for (name, plan) in raw.plans {
            let ok = (1..=64).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
            if !ok {
                return Err(invalid(
                    format!("{plan_prefix}plan {name:?}"),
                    "a plan name is 1-64 characters of a-z, 0-9, '.', '_' or '-'".into(),
                ));
            }
            let at = |field: &str| format!("{plan_prefix}plan {name:?}: {field}");
            let amount =
                |field: &str, raw: &str| Money::parse(raw).map_err(|p| invalid(at(field), p));
            if plan.included_mailboxes < 0 {
                let problem = format!("{} must not be negative", plan.included_mailboxes);
                return Err(invalid(at("included_mailboxes"), problem));
            }
            let billing_cycle_months = cycle_months(plan.billing_cycle_months, &at)?;
            let price = PlanPrice {
                plan_number: plan_number(&key, &name),
                currency,
                included_mailboxes: plan.included_mailboxes,
                mailbox_monthly: amount("mailbox_monthly", &plan.mailbox_monthly)?,
                setup_fee: match &plan.setup_fee {
                    Some(fee) => amount("setup_fee", fee)?,
                    None => Money::ZERO,
                },
                billing_cycle_months,
                proration: plan.proration,
                name: name.clone(),
            };
            plans.insert(name, price);
        }
        if !plans.contains_key(DEFAULT_PLAN) {
            let problem = format!("the plan {DEFAULT_PLAN:?} is missing (every section needs it)");
            return Err(invalid(format!("{section}: plans"), problem));
        }
        let mut addons = BTreeMap::new();
        for (name, raw) in raw.addons {
            let Some(add_on) = AddOn::parse(&name) else {
                return Err(invalid(
                    format!("{plan_prefix}addon {name:?}"),
                    "the add-ons are \"archiving\" and \"blackberry\"".into(),
                ));
            };
            let at = |field: &str| format!("{plan_prefix}addon {name:?}: {field}");
            let amount =
                |field: &str, raw: &str| Money::parse(raw).map_err(|p| invalid(at(field), p));
            let price = PlanPrice {
                plan_number: plan_number(&key, &format!("addon:{name}")),
                currency,
                included_mailboxes: 0,
                mailbox_monthly: amount("monthly", &raw.monthly)?,
                setup_fee: match &raw.setup_fee {
                    Some(fee) => amount("setup_fee", fee)?,
                    None => Money::ZERO,
                },
                billing_cycle_months: cycle_months(raw.billing_cycle_months, &at)?,
                proration: raw.proration,
                name: add_on.as_str().to_owned(),
            };
            addons.insert(add_on.as_str(), price);
        }
        Ok(Section {
            currency,
            plans,
            addons,
        })
    }
}

/// A billing cycle of 1 to 36 months (1 when not given).
fn cycle_months(raw: Option<i64>, at: &dyn Fn(&str) -> String) -> Result<u32, CatalogError> {
    let cycle = raw.unwrap_or(1);
    u32::try_from(cycle)
        .ok()
        .filter(|c| (1..=36).contains(c))
        .ok_or_else(|| CatalogError::Invalid {
            at: at("billing_cycle_months"),
            problem: format!("{cycle} is not a number of months from 1 to 36"),
        })
}

impl PlanPrice {
    /// Whether ordering it costs nothing now or later (a free add-on is provisioned at once).
    pub fn is_free(&self) -> bool {
        self.mailbox_monthly == Money::ZERO && self.setup_fee == Money::ZERO
    }
}

/// 40 lowercase hex digits: the first 20 bytes of SHA-256 over the section key and plan name.
/// The section key is `default` or `franchises.NAME`, so no franchise can collide with default.
fn plan_number(section_key: &str, plan: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"mailorder plan number\0");
    hasher.update(section_key.as_bytes());
    hasher.update(b"\0");
    hasher.update(plan.as_bytes());
    super::hex(&hasher.finalize()[..20])
}
