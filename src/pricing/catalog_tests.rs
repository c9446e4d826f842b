//! Catalog parsing: the builtin file, franchise sections, and the refusals with their messages.

use super::tests::one_plan;
use super::*;
use crate::domain::Money;

#[test]
fn the_builtin_catalog_parses() {
    let catalog = Catalog::builtin();
    let plan = catalog
        .plan("any-franchise", Catalog::default_plan_name())
        .unwrap();
    assert_eq!(plan.currency.as_str(), "USD");
    assert_eq!(plan.included_mailboxes, 10);
    assert_eq!(plan.mailbox_monthly.to_string(), "5.18");
    assert_eq!(plan.setup_fee, Money::ZERO);
    assert_eq!(
        (plan.billing_cycle_months, plan.proration),
        (1, Proration::None)
    );
    assert_eq!(plan.plan_number.len(), 40);
    assert!(
        plan.plan_number
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    );
    let payg = catalog.plan("x", "exchange2010-payg").unwrap();
    assert_eq!(payg.included_mailboxes, 0);
    assert_ne!(payg.plan_number, plan.plan_number);
    assert!(catalog.plan("x", "nope").is_none());
    assert_eq!(catalog.plans("x").count(), 2);
}

#[test]
fn a_franchise_section_replaces_the_default() {
    let catalog = Catalog::parse(
        r#"
        [default]
        currency = "USD"
        [default.plans.exchange2010]
        included_mailboxes = 10
        mailbox_monthly = "5.18"
        [default.plans.extra]
        included_mailboxes = 0
        mailbox_monthly = "1"
        [franchises.acme]
        currency = "EUR"
        [franchises.acme.plans.exchange2010]
        included_mailboxes = 5
        mailbox_monthly = "4.9"
        "#,
    )
    .unwrap();
    let acme = catalog.default_plan("acme");
    assert_eq!(
        (acme.currency.as_str(), acme.included_mailboxes),
        ("EUR", 5)
    );
    assert_eq!(acme.mailbox_monthly.to_string(), "4.90");
    assert!(catalog.plan("acme", "extra").is_none());
    assert!(catalog.plan("other", "extra").is_some());
    let default = catalog.default_plan("other");
    assert_ne!(acme.plan_number, default.plan_number);
    assert_eq!(catalog.currency("acme").as_str(), "EUR");
    // Plan numbers are deterministic.
    assert_eq!(Catalog::builtin(), Catalog::builtin());
}

const HEAD: &str = "[default]\ncurrency = \"USD\"\n[default.plans.exchange2010]\n";
const OK_PLAN: &str = "included_mailboxes = 0\nmailbox_monthly = \"1\"\n";

#[test]
fn bad_plans_are_refused_with_the_plan_and_field() {
    let long = "a".repeat(65);
    let at = r#"plan "exchange2010": "#;
    let cases = [
        (
            "mailbox_monthly = \"5.123\"",
            "mailbox_monthly: \"5.123\" is not an amount like 5.18",
        ),
        (
            "mailbox_monthly = \"-1.00\"",
            "mailbox_monthly: \"-1.00\" is not an amount like 5.18",
        ),
        (
            "mailbox_monthly = \"\"",
            "mailbox_monthly: \"\" is not an amount like 5.18",
        ),
        (
            "mailbox_monthly = \"1\"\nsetup_fee = \"1.001\"",
            "setup_fee: \"1.001\" is not an",
        ),
        (
            "mailbox_monthly = \"1\"\nsetup_fee = \"-5\"",
            "setup_fee: \"-5\" is not an amount",
        ),
        (
            "mailbox_monthly = \"1\"\nbilling_cycle_months = 0",
            "billing_cycle_months: 0 is not a",
        ),
        (
            "mailbox_monthly = \"1\"\nbilling_cycle_months = 37",
            "billing_cycle_months: 37 is not",
        ),
        (
            "mailbox_monthly = \"1\"\nbilling_cycle_months = -1",
            "billing_cycle_months: -1 is not",
        ),
    ];
    for (fields, expected) in cases {
        let msg = one_plan(&format!("included_mailboxes = 0\n{fields}"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(&format!("{at}{expected}")),
            "{fields}: {msg}"
        );
    }
    let msg =
        one_plan("included_mailboxes = 0\nmailbox_monthly = \"1\"\nbilling_cycle_months = 37");
    let expected = "billing_cycle_months: 37 is not a number of months from 1 to 36";
    assert_eq!(msg.unwrap_err().to_string(), format!("{at}{expected}"));
    let msg = one_plan("included_mailboxes = -1\nmailbox_monthly = \"1\"").unwrap_err();
    assert_eq!(
        msg.to_string(),
        format!("{at}included_mailboxes: -1 must not be negative")
    );
    // Refused by the TOML layer: still clear, with the line and the field.
    let cases = [
        (
            "mailbox_monthly = \"1\"\nmonthly = \"2\"",
            "unknown field `monthly`",
        ),
        (
            "mailbox_monthly = 5.18",
            "invalid type: floating point `5.18`, expected a string",
        ),
        (
            "mailbox_monthly = \"1\"\nproration = \"weekly\"",
            "unknown variant `weekly`",
        ),
        ("setup_fee = \"1\"", "missing field `mailbox_monthly`"),
    ];
    for (fields, expected) in cases {
        let msg = one_plan(&format!("included_mailboxes = 0\n{fields}"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains(expected), "{fields}: {msg}");
    }
    for name in ["Big", "a b", long.as_str(), "x/y"] {
        let text = format!("{HEAD}{OK_PLAN}[default.plans.\"{name}\"]\n{OK_PLAN}");
        let msg = Catalog::parse(&text).unwrap_err().to_string();
        let expected = format!("plan {name:?}: a plan name is 1-64 characters of a-z, 0-9");
        assert!(msg.starts_with(&expected), "{msg}");
    }
    let name = "a".repeat(64);
    assert!(Catalog::parse(&format!("{HEAD}{OK_PLAN}[default.plans.{name}]\n{OK_PLAN}")).is_ok());
}

#[test]
fn bad_sections_are_refused() {
    let refused = |text: &str| Catalog::parse(text).unwrap_err().to_string();
    let msg = refused("[default]\ncurrency = \"usd\"");
    assert_eq!(
        msg,
        r#"default: currency: "usd" is not a currency code like USD"#
    );
    let msg = refused(&format!(
        "[default]\ncurrency = \"USD\"\n[default.plans.other]\n{OK_PLAN}"
    ));
    assert!(
        msg.starts_with(r#"default: plans: the plan "exchange2010" is missing"#),
        "{msg}"
    );
    let acme = "[franchises.acme]\ncurrency = \"EUR\"\n[franchises.acme.plans.exchange2010]\n";
    let text = format!("{HEAD}{OK_PLAN}{acme}included_mailboxes = 0\nmailbox_monthly = \"x\"");
    let expected = r#"plan "exchange2010": mailbox_monthly: "x" is not an amount like 5.18"#;
    assert_eq!(refused(&text), format!(r#"franchise "acme": {expected}"#));
    let msg = refused(&format!(
        "{HEAD}{OK_PLAN}[franchises.acme]\ncurrency = \"EUR\""
    ));
    assert!(
        msg.starts_with(r#"franchise "acme": plans: the plan "exchange2010""#),
        "{msg}"
    );
    let msg = refused(&format!(
        "{HEAD}{OK_PLAN}[franchises.\"a b\"]\ncurrency = \"EUR\""
    ));
    assert!(
        msg.starts_with(r#"franchise "a b": a franchise name is 1-64"#),
        "{msg}"
    );
    assert!(refused("[other]\n").contains("unknown field `other`"));
    assert!(refused("").contains("missing field `default`"));
}

#[test]
fn load_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.toml");
    let missing = Catalog::load(&path).unwrap_err();
    assert!(format!("{missing:#}").contains(&path.display().to_string()));
    std::fs::write(&path, "[default]\ncurrency = \"usd\"\n").unwrap();
    let invalid = format!("{:#}", Catalog::load(&path).unwrap_err());
    assert!(
        invalid.contains(&path.display().to_string()) && invalid.contains("\"usd\""),
        "{invalid}"
    );
    std::fs::write(&path, include_str!("../../catalog.toml")).unwrap();
    assert_eq!(Catalog::load(&path).unwrap(), Catalog::builtin());
}

#[test]
fn add_ons_are_priced_per_section() {
    use crate::domain::AddOn;
    let builtin = Catalog::builtin();
    let archiving = builtin.add_on("x", AddOn::Archiving).unwrap();
    assert_eq!(archiving.mailbox_monthly.to_string(), "2.50");
    assert!(!archiving.is_free());
    assert!(builtin.add_on("x", AddOn::Blackberry).unwrap().is_free());
    assert_ne!(
        archiving.plan_number,
        builtin.plan("x", "exchange2010").unwrap().plan_number
    );
    let catalog = Catalog::parse(
        r#"
        [default]
        currency = "USD"
        [default.plans.exchange2010]
        included_mailboxes = 1
        mailbox_monthly = "5"
        [default.addons.archiving]
        monthly = "1.5"
        setup_fee = "3"
        billing_cycle_months = 12
        [franchises.eu]
        currency = "EUR"
        [franchises.eu.plans.exchange2010]
        included_mailboxes = 1
        mailbox_monthly = "5"
        "#,
    )
    .unwrap();
    let a = catalog.add_on("other", AddOn::Archiving).unwrap();
    assert_eq!(
        (
            a.setup_fee.to_string(),
            a.billing_cycle_months,
            a.name.as_str()
        ),
        ("3.00".to_owned(), 12, "archiving")
    );
    // Not in a section: not offered there (a franchise section replaces the default).
    assert!(catalog.add_on("other", AddOn::Blackberry).is_none());
    assert!(catalog.add_on("eu", AddOn::Archiving).is_none());
    let unknown = "[default]\ncurrency = \"USD\"\n[default.plans.exchange2010]\nincluded_mailboxes = 1\nmailbox_monthly = \"5\"\n[default.addons.fax]\nmonthly = \"1\"\n";
    let err = Catalog::parse(unknown).unwrap_err().to_string();
    assert!(
        err.contains("addon \"fax\"") && err.contains("archiving"),
        "{err}"
    );
    let negative = unknown
        .replace("fax", "archiving")
        .replace("\"1\"", "\"-1\"");
    let err = Catalog::parse(&negative).unwrap_err().to_string();
    assert!(err.contains("addon \"archiving\": monthly"), "{err}");
}
