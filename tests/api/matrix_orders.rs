//! The authorization matrix of orders being built (the generic flow, docs §3.1-3.2) and of an
//! account's payment methods: every such operation, by every principal of [`crate::matrix`],
//! against an open order the franchise's agent is building for a new customer (its cookie is
//! sent by nobody here). Under `/orders/{order}` the order is the agent's and its owner's:
//! strangers get `401`/`404`/`403` and nothing of it; under `/order` nobody's cookie names it,
//! so reads are `404` and writes open an order of the caller's own (agents and account users)
//! or are refused (mailbox logins). The owner's writes are refused on content (`400`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::matrix::{PRINCIPALS, Principal, fresh_client};
use crate::on_both_backends;
use crate::onboarding::{Shop, card, contact, domain_service, fill_account, offering};

pub const ONBOARDING: [&str; 36] = [
    "order_create",
    "account_payment_list",
    "account_payment_read",
    "account_delete",
    "account_attribute_list",
    "account_attribute_create",
    "account_attribute_read",
    "account_attribute_update",
    "account_attribute_delete",
    "account_product_list",
    "order_account_read",
    "current_account_read",
    "order_account_update",
    "current_account_update",
    "order_user_read",
    "current_user_read",
    "order_user_update",
    "current_user_update",
    "order_contacts_read",
    "current_contacts_read",
    "order_contacts_update",
    "current_contacts_update",
    "order_payment_read",
    "current_payment_read",
    "order_payment_update",
    "current_payment_update",
    "order_product_create",
    "current_product_create",
    "order_product_read",
    "current_product_read",
    "order_service_create",
    "current_service_create",
    "order_service_read",
    "current_service_read",
    "order_service_update",
    "current_service_update",
];

/// The operation without its `order_`/`current_` prefix.
fn bare(operation: &str) -> &str {
    operation
        .strip_prefix("order_")
        .or_else(|| operation.strip_prefix("current_"))
        .unwrap_or(operation)
}

fn is_write(operation: &str) -> bool {
    matches!(
        bare(operation),
        "account_update"
            | "user_update"
            | "contacts_update"
            | "payment_update"
            | "product_create"
            | "service_create"
            | "service_update"
    )
}

/// A body the operation accepts (strangers: what answers is the authorization).
fn stranger_body(app: &TestApp, operation: &str) -> Option<Value> {
    Some(match bare(operation) {
        "create" => json!({}),
        "account_update" => json!({"currency": "USD", "language": "en-US"}),
        "user_update" => json!({"userName": "intruder", "password": "Intruder123"}),
        "contacts_update" => json!({"regular": contact("Intruder")}),
        "payment_update" => card("4012888888881881", "2031-04"),
        "product_create" => json!({"offering": offering(app)}),
        "service_create" => domain_service(app, Some("intruder.example")),
        "service_update" => json!({"name": "intruder"}),
        "account_attribute_create" => json!({"name": "intruder", "value": "intruder"}),
        "account_attribute_update" => json!({"value": "intruder"}),
        _ => return None,
    })
}

/// A body refused on content before anything is looked up or opened (owners).
fn owner_body(operation: &str) -> Option<Value> {
    Some(match bare(operation) {
        "create" => json!({"clientIp": "not an address"}),
        "account_update" => json!({"currency": 1}),
        "user_update" => json!({"userName": "Not Valid", "password": "x"}),
        "contacts_update" => json!({"regular": {"colour": "red"}}),
        "payment_update" => json!({"paymentInfoType": "credit_card", "accountNumber": "1234"}),
        "product_create" => json!({"offering": 5}),
        "service_create" => json!({"quantity": 2}),
        "service_update" => json!({"billingCycle": 0}),
        "account_attribute_create" => json!({"name": "Not Valid!", "value": "x"}),
        "account_attribute_update" => json!({"value": 5}),
        _ => return None,
    })
}

/// What `who` must get.
fn expected(operation: &str, who: Principal) -> u16 {
    let current = operation.starts_with("current_");
    let write = is_write(operation);
    let mailbox_login = matches!(who, Principal::OtherDomainAdmin | Principal::PlainMailbox);
    let account = operation.starts_with("account_");
    match (operation, who) {
        (_, Principal::WrongPassword) => 401,
        // Anyone signed in but a mailbox login opens orders of its own.
        ("order_create", Principal::Nobody | Principal::PlantedOwner) => 401,
        ("order_create", _) if mailbox_login => 403,
        ("order_create", _) if who.owns() => 400,
        ("order_create", _) => 201,
        // The demo account's resources: its agents' and users'.
        (_, Principal::Nobody | Principal::PlantedOwner) if account => 401,
        (_, Principal::OtherFranchise) if account => 404,
        _ if account && !who.owns() => 403,
        // Deleting an account is the agents' (and the demo account has an order open: `409`).
        ("account_delete", Principal::OwnAccountUser) => 403,
        ("account_delete", _) => 409,
        // It has no payment method; the attribute deleted is not there.
        ("account_payment_read" | "account_attribute_delete", _) => 404,
        ("account_attribute_create" | "account_attribute_update", _) => 400,
        _ if account => 200,
        // `/order`: nobody's cookie names the agent's order.
        _ if current && !write => 404,
        _ if current && who.owns() => 400,
        (_, Principal::Nobody | Principal::PlantedOwner) if current => 401,
        _ if current && mailbox_login => 403,
        // Another franchise's agent and another account's user open orders of their own; a
        // new account instead of its own is not an account user's to choose, and the agent's
        // product is not in the order they opened.
        ("current_account_update", Principal::OtherAccount) => 403,
        ("current_service_create" | "current_service_update", _) => 404,
        ("current_product_create", _) => 201,
        _ if current => 204,
        // `/orders/{order}`: the agent's order.
        (_, Principal::Nobody | Principal::PlantedOwner) => 401,
        (_, Principal::OtherFranchise) => 404,
        _ if !who.owns() => 403,
        // The account user of another account (the demo's) is not the draft's.
        (_, Principal::OwnAccountUser) => 403,
        _ if write => 400,
        _ => 200,
    }
}

async fn every_principal_on_an_order_being_built(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    // The mailbox logins of the matrix: an admin of another domain, a plain mailbox.
    app.add_exchange("admins.example.com", 10).await;
    let mut boss = mailbox_body("boss");
    boss["admin"] = json!(1);
    for (domain, body) in [
        ("admins.example.com", boss),
        (DOMAIN, mailbox_body("plain")),
    ] {
        let r = app.post_mailbox(QWE, ACCT, domain, &body).await;
        assert_eq!(r.status(), 202);
        let done = app
            .wait_final(
                &Placed::from_response(&r),
                std::time::Duration::from_secs(20),
            )
            .await;
        assert_eq!(done["order"]["Status"], "Completed");
    }
    // The agent's order: a new customer with a user, contacts, a card, a product and a domain.
    let shop = Shop::open(&app, QWE).await;
    fill_account(&shop, "matrixuser", "Matrixuser1").await;
    let r = shop
        .post("/account/products", json!({"offering": offering(&app)}))
        .await;
    assert_eq!(r.status(), 201);
    let product = location_id(&r);
    let r = shop
        .post(
            &format!("/account/products/{product}/services"),
            domain_service(&app, Some("matrix.example")),
        )
        .await;
    assert_eq!(r.status(), 201);
    let service = location_id(&r);
    let order = shop.order.rsplit('/').next().expect("id").to_owned();
    // The demo account: an attribute, and an order of its own user's open on it.
    let r = app
        .send(
            Method::POST,
            &format!("/accounts/{ACCT}/attributes"),
            QWE,
            Some(&json!({"name": "partner_account_id", "value": "demo-partner"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let carols = Shop::open(&app, CAROL).await;
    let number = shop.json("/account").await["number"]
        .as_str()
        .expect("number")
        .to_owned();

    let spec = mailorder::http::openapi::document();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let operation = op["operationId"].as_str().expect("id");
            if !ONBOARDING.contains(&operation) {
                continue;
            }
            for (n, who) in PRINCIPALS.into_iter().enumerate() {
                let client = fresh_client(checked + 5000, n);
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                let body = if who.owns() {
                    owner_body(operation)
                } else {
                    stranger_body(&app, operation)
                };
                let concrete = path
                    .replace("{order}", &order)
                    .replace("{product}", &product)
                    .replace("{service}", &service)
                    .replace("{account}", ACCT)
                    .replace("{payment}", "cc-999999")
                    .replace(
                        "{name}",
                        if who.owns() && operation == "account_attribute_delete" {
                            "no_such_attribute"
                        } else {
                            "partner_account_id"
                        },
                    );
                let mut req = who.sign(client.request(method.clone(), app.url(&concrete)));
                if let Some(body) = body {
                    req = req.json(&body);
                }
                let r = req.send().await.expect("sent");
                let status = r.status().as_u16();
                let text = r.text().await.expect("text");
                assert_eq!(
                    status,
                    expected(operation, who),
                    "{method} {path} as {who:?}: {text}"
                );
                if !who.owns() {
                    for secret in [
                        order.as_str(),
                        number.as_str(),
                        "matrixuser",
                        "matrix.example",
                        "demo-partner",
                    ] {
                        assert!(
                            !text.contains(secret),
                            "{method} {path} as {who:?} shows {secret}: {text}"
                        );
                    }
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ONBOARDING.len(), "every operation checked");
    // Nothing of the agent's order changed.
    assert_eq!(shop.json("/account/user").await["userName"], "matrixuser");
    let account = shop.json("/account").await;
    assert_eq!(account["status"], "new");
    assert_eq!(account["currency"], "USD");
    assert_eq!(
        shop.json("/account/contacts").await["regular"]["firstName"],
        "Jane"
    );
    assert_eq!(
        shop.json("/account/paymentInfo").await["accountNumber"],
        "XXXXXXXXXXXX1111"
    );
    let service_doc = shop
        .json(&format!("/account/products/{product}/services/{service}"))
        .await;
    assert_eq!(service_doc["name"], "Exchange");
    // Nor of the demo account.
    let attribute = app
        .get_json(
            &format!("/accounts/{ACCT}/attributes/partner_account_id"),
            QWE,
        )
        .await;
    assert_eq!(attribute["value"], "demo-partner");
    let attributes = app
        .get_json(&format!("/accounts/{ACCT}/attributes"), QWE)
        .await;
    assert_eq!(attributes["list"].as_array().expect("list").len(), 1);
    assert_eq!(
        app.get_json(&format!("/accounts/{ACCT}"), QWE).await["status"],
        "open"
    );
    assert_eq!(carols.json("/account").await["number"], ACCT);
    let product_doc = shop.json(&format!("/account/products/{product}")).await;
    assert_eq!(
        product_doc["services"].as_array().expect("services").len(),
        1
    );
}

on_both_backends!(every_principal_on_an_order_being_built);
