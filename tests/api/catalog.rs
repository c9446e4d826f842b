//! The product catalog (docs §7) served from the catalog file: the shapes, the list
//! conventions, the filters, a franchise's own section, and prices equal to what quotes charge.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;
use crate::paid::order_paid;
use mailorder::pricing::Catalog;

const PLAN: &str = "/productSpecifications/core.plan.email.exchange2010";

fn names(list: &Value, key: &str) -> Vec<String> {
    list["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i[key].as_str().expect("text").to_owned())
        .collect()
}

async fn the_catalog_in_the_docs_shapes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .client
        .get(app.url("/productSpecifications"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401, "the catalog needs a login");
    let specs = app.get_json("/productSpecifications", QWE).await;
    assert_eq!(
        names(&specs, "productSpecification"),
        [
            "core.plan.email.exchange2010",
            "core.plan.email.exchange2010-payg"
        ]
    );
    assert_eq!(specs["list"][0]["details"], app.url(PLAN));
    let desc = app
        .get_json("/productSpecifications?sortField=name&sortOrder=desc", QWE)
        .await;
    assert_eq!(
        names(&desc, "productSpecification")[0],
        "core.plan.email.exchange2010-payg"
    );
    let filtered = app
        .get_json("/productSpecifications?filterName=*payg", QWE)
        .await;
    assert_eq!(filtered["list"].as_array().map(Vec::len), Some(1));
    let spec = app.get_json(PLAN, QWE).await;
    assert_eq!(
        spec,
        json!({
            "productSpecification": "core.plan.email.exchange2010",
            "description": "Hosted Exchange, 10 mailboxes included",
            "plan": "exchange2010",
            "includedMailboxes": 10,
            "offerings": app.url(&format!("{PLAN}/offerings")),
            "serviceSpecifications": app.url(&format!("{PLAN}/serviceSpecifications")),
            "links": [{"href": app.url(PLAN), "rel": "self"}],
        })
    );
    let offerings = app.get_json(&format!("{PLAN}/offerings"), QWE).await;
    assert_eq!(names(&offerings, "offering"), ["USD-1"]);
    let offering_url = format!("{PLAN}/offerings/USD-1");
    let offering = app.get_json(&offering_url, QWE).await;
    assert_eq!(
        offering,
        json!({
            "offering": "USD-1", "billingPeriod": 1, "currency": "USD", "default": 1,
            "prices": app.url(&format!("{offering_url}/prices")),
            "links": [{"href": app.url(&offering_url), "rel": "self"}, {"href": app.url(PLAN), "rel": "related"}],
        })
    );
    // The prices: a further mailbox and each add-on, per month.
    let prices = app.get_json(&format!("{offering_url}/prices"), QWE).await;
    let shown: Vec<(String, Value, Value)> = prices["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_owned(),
                p["amount"].clone(),
                p["included"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                "Archiving recurring fee".to_owned(),
                json!(["2.50", "USD"]),
                json!(0)
            ),
            (
                "BlackBerry recurring fee".to_owned(),
                json!(["0.00", "USD"]),
                json!(0)
            ),
            (
                "Exchange mailbox recurring fee".to_owned(),
                json!(["5.18", "USD"]),
                json!(10)
            ),
        ]
    );
    let mailbox_price = &prices["list"][2];
    assert_eq!(
        mailbox_price["relatedServiceSpecification"],
        app.url("/serviceSpecifications/core.service.email.exchange.mailbox")
    );
    assert_eq!(
        (
            mailbox_price["type"].clone(),
            mailbox_price["recurrence"].clone(),
            mailbox_price["billingCycle"].clone()
        ),
        (json!("fee"), json!("recurring"), json!(1))
    );
    // Filters: no discounts nor one-time fees here; one add-on by its service.
    for (query, n) in [
        ("filterType=discount", 0),
        ("filterType=fee", 3),
        ("filterRecurrences=one_time", 0),
        ("filterRelatedServiceSpecification=*archiving", 1),
        ("filterName=Exchange*", 1),
    ] {
        let list = app
            .get_json(&format!("{offering_url}/prices?{query}"), QWE)
            .await;
        assert_eq!(list["list"].as_array().map(Vec::len), Some(n), "{query}");
    }
    let r = app
        .send(
            Method::GET,
            &format!("{offering_url}/prices?filterType=gift"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 400, "not a price type");
    // details=1 puts the (filtered) prices inline.
    let detailed = app
        .get_json(
            &format!("{offering_url}?details=1&filterName=Exchange*"),
            QWE,
        )
        .await;
    assert_eq!(detailed["priceDetails"], json!([mailbox_price]));
    // Services: the domain (with its attribute), mailboxes and the add-ons.
    let services = app
        .get_json(&format!("{PLAN}/serviceSpecifications"), QWE)
        .await;
    assert_eq!(
        names(&services, "serviceSpecification"),
        [
            "core.service.email.exchange.archiving",
            "core.service.email.exchange.blackberry",
            "core.service.email.exchange.domain",
            "core.service.email.exchange.mailbox",
        ]
    );
    let domain = "/serviceSpecifications/core.service.email.exchange.domain";
    let service = app.get_json(domain, QWE).await;
    assert_eq!(
        service,
        json!({
            "name": "Exchange domain", "category": "Hosted Exchange", "ranking": 1,
            "attributes": app.url(&format!("{domain}/attributes")),
            "billingCycles": [{"default": 1, "billingCycle": 1}],
            "links": [{"href": app.url(domain), "rel": "self"}],
        })
    );
    let attributes = app.get_json(&format!("{domain}/attributes"), QWE).await;
    assert_eq!(names(&attributes, "name"), ["domain"]);
    assert_eq!(attributes["list"][0]["required"], 1);
    // Unknown names are 404s.
    for path in [
        "/productSpecifications/core.plan.email.nope",
        "/productSpecifications/exchange2010",
        "/productSpecifications/core.plan.email.exchange2010/offerings/EUR-1",
        "/serviceSpecifications/core.service.email.exchange.fax",
    ] {
        assert_eq!(
            app.send(Method::GET, path, QWE, None).await.status(),
            404,
            "{path}"
        );
    }
    // Paging as every list: one per page, with links.
    let paged = app
        .get_json("/productSpecifications?page=2&pageSize=1", QWE)
        .await;
    assert_eq!(paged["list"].as_array().map(Vec::len), Some(1));
    let rels: Vec<&str> = paged["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel"))
        .collect();
    assert!(
        rels.contains(&"previous") && rels.contains(&"first"),
        "{rels:?}"
    );
}

/// What the catalog shows is what a quote charges: a paid mailbox and a paid add-on.
async fn prices_are_what_quotes_charge(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offering = app
        .get_json(&format!("{PLAN}/offerings/USD-1?details=1"), QWE)
        .await;
    let price_of = |service: &str| {
        offering["priceDetails"]
            .as_array()
            .expect("prices")
            .iter()
            .find(|p| {
                p["relatedServiceSpecification"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(service))
            })
            .expect("a price")["amount"][0]
            .clone()
    };
    // paid.example.com is on the default plan with no free slot left.
    let q = order_paid(&app, "paid.example.com", "john2", None).await;
    assert_eq!(q.body["total"][0], price_of("mailbox"));
    let placed = app.order("john").await;
    app.wait_final(&placed, std::time::Duration::from_secs(20))
        .await;
    let r = app
        .send(
            Method::PUT,
            &mailboxes_path(DOMAIN, "john/archiving/"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    let p = Placed::from_response(&r);
    let id = p.location.rsplit('/').next().expect("id");
    let r = crate::paid::call(
        &app,
        Method::GET,
        &format!("/orders/{id}/quote"),
        None,
        Some(&p.cookie),
        None,
    )
    .await;
    let quote: Value = r.json().await.expect("json");
    assert_eq!(json!(quote["quote"]["Total"]), price_of("archiving"));
}

/// A franchise with its own section sees only its plans, currency and add-ons.
async fn each_franchise_sees_its_own_section(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.catalog = Arc::new(
            Catalog::parse(
                r#"
                [default]
                currency = "USD"
                [default.plans.exchange2010]
                included_mailboxes = 10
                mailbox_monthly = "5.18"
                [default.plans.exchange2010-payg]
                included_mailboxes = 0
                mailbox_monthly = "5.18"
                [default.addons.archiving]
                monthly = "2.50"
                [franchises.partner_other]
                currency = "EUR"
                [franchises.partner_other.plans.exchange2010]
                included_mailboxes = 5
                mailbox_monthly = "4.90"
                setup_fee = "10"
                billing_cycle_months = 12
                "#,
            )
            .expect("catalog"),
        );
    })
    .await;
    let theirs = app.get_json(&format!("{PLAN}/offerings"), MALLORY).await;
    assert_eq!(names(&theirs, "offering"), ["EUR-12"]);
    let prices = app
        .get_json(&format!("{PLAN}/offerings/EUR-12/prices"), MALLORY)
        .await;
    let amounts: Vec<(Value, Value)> = prices["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| (p["recurrence"].clone(), p["amount"].clone()))
        .collect();
    assert_eq!(
        amounts,
        [
            (json!("recurring"), json!(["58.80", "EUR"])),
            (json!("one_time"), json!(["10.00", "EUR"])),
        ]
    );
    let archiving = "/serviceSpecifications/core.service.email.exchange.archiving";
    assert_eq!(
        app.send(Method::GET, archiving, MALLORY, None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.send(Method::GET, archiving, QWE, None).await.status(),
        200
    );
    let ours = app.get_json(&format!("{PLAN}/offerings"), QWE).await;
    assert_eq!(names(&ours, "offering"), ["USD-1"]);
    let r = app
        .send(
            Method::GET,
            &format!("{PLAN}/offerings/USD-1"),
            MALLORY,
            None,
        )
        .await;
    assert_eq!(r.status(), 404, "another section's offering");
}

on_both_backends!(
    the_catalog_in_the_docs_shapes,
    prices_are_what_quotes_charge,
    each_franchise_sees_its_own_section,
);
