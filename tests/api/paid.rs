//! Paid mailboxes: the compact quote, submit (with and without `quoteHash`), the full quote,
//! multi-line orders, the `/order` shorthand, cancel, expiry and the charges ledger.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

const FINAL: Duration = Duration::from_secs(20);
const PAID: &str = "paid.example.com";

/// A paid mailbox's `202`: the open order's id, the cookie that owns it, and the quote body.
pub struct Quoted {
    pub order_id: String,
    pub cookie: String,
    pub body: Value,
}

impl Quoted {
    pub fn placed(&self, app: &TestApp) -> Placed {
        Placed {
            location: app.url(&format!("/orders/{}", self.order_id)),
            cookie: self.cookie.clone(),
        }
    }
}

/// One request with any of: credentials, cookie, JSON body.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<(&str, &str)>,
    cookie: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some((u, p)) = auth {
        req = req.basic_auth(u, Some(p));
    }
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.expect("request sent")
}

/// Orders `username` in `domain` (no free slot left there), optionally joining `cookie`'s order.
pub async fn order_paid(
    app: &TestApp,
    domain: &str,
    username: &str,
    cookie: Option<&str>,
) -> Quoted {
    let r = call(
        app,
        Method::POST,
        &mailboxes_path(domain, ""),
        Some(QWE),
        cookie,
        Some(&mailbox_body(username)),
    )
    .await;
    assert_eq!(r.status(), 202);
    assert!(
        r.headers().get("location").is_none(),
        "a quote, not a Location"
    );
    let set_cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(set_cookie.ends_with("; Path=/"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();
    let body: Value = r.json().await.expect("quote body");
    let action = body["links"][1]["href"].as_str().expect("related link");
    let order_id = action
        .strip_prefix(&app.url("/orders/"))
        .and_then(|rest| rest.strip_suffix("/action"))
        .expect("action URL")
        .to_owned();
    Quoted {
        order_id,
        cookie,
        body,
    }
}

fn submit_body(hash: Option<&str>) -> Value {
    match hash {
        Some(h) => json!({"action": "submit", "actionData": {}, "quoteHash": h}),
        None => json!({"action": "submit"}),
    }
}

async fn submit(app: &TestApp, q: &Quoted, hash: Option<&str>) -> reqwest::Response {
    let path = format!("/orders/{}/action", q.order_id);
    call(
        app,
        Method::POST,
        &path,
        None,
        Some(&q.cookie),
        Some(&submit_body(hash)),
    )
    .await
}

async fn billing_status(app: &TestApp, domain: &str, username: &str) -> Value {
    app.get_json(&mailboxes_path(domain, username), QWE).await["billingStatus"].clone()
}

async fn charges(app: &TestApp) -> Vec<Value> {
    let body = app
        .get_json(&format!("/accounts/{ACCT}/charges"), QWE)
        .await;
    body["list"].as_array().expect("list").clone()
}

async fn jobs_of(app: &TestApp, order_id: &str) -> i64 {
    use sqlx::Row;
    let pool = app.db.pool().await;
    let n: i64 = sqlx::query(&format!(
        "SELECT count(*) AS n FROM jobs j JOIN order_items i ON i.id = j.item_id WHERE i.order_id = '{order_id}'"
    ))
    .fetch_one(&pool)
    .await
    .expect("count")
    .get("n");
    pool.close().await;
    n
}

async fn paid_example_end_to_end(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let q = order_paid(&app, PAID, "john2", None).await;
    // The docs' body, key for key, with the default catalog's price.
    let keys: Vec<&String> = q.body.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "total",
            "subtotal",
            "deferredTotal",
            "deferredSubtotal",
            "quotehash",
            "links"
        ]
    );
    assert_eq!(q.body["total"], json!(["5.18", "USD"]));
    assert_eq!(q.body["subtotal"], json!(["5.18", "USD"]));
    assert_eq!(q.body["deferredTotal"], json!([]));
    assert_eq!(q.body["deferredSubtotal"], json!([]));
    let hash = q.body["quotehash"].as_str().expect("hash").to_owned();
    assert!(
        hash.len() == 40
            && hash
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(
        q.body["links"],
        json!([
            {"href": app.url(&format!("/accounts/{ACCT}/exchange/{PAID}/mailboxes/")), "rel": "self"},
            {"href": app.url(&format!("/orders/{}/action", q.order_id)), "rel": "related"},
        ])
    );
    // While open: the order is `new`, the mailbox is listed as `new`.
    assert_eq!(
        app.order_status(&q.placed(&app)).await["order"]["Status"],
        "new"
    );
    let list = app
        .get_json(
            &format!("{}?filterBillingStatus=new", mailboxes_path(PAID, "")),
            QWE,
        )
        .await;
    assert_eq!(list["list"][0]["username"], "john2");
    // The full quote agrees with the compact one.
    let r = call(
        &app,
        Method::GET,
        &format!("/orders/{}/quote", q.order_id),
        None,
        Some(&q.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let full: Value = r.json().await.expect("json");
    assert_eq!(full["quote"]["Hash"], hash.as_str());
    assert_eq!(full["quote"]["Total"], "5.18");
    assert_eq!(full["quote"]["Currency"], "USD");
    assert_eq!(full["quote"]["Products"][0]["Fees"][0]["Type"], "recurring");
    // Submitted as in the example: cookie only, no quoteHash.
    let r = submit(&app, &q, None).await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.text().await.expect("body"), "", "no body");
    let done = app.wait_final(&q.placed(&app), FINAL).await;
    assert_eq!(done["order"]["Status"], "Completed");
    assert_eq!(billing_status(&app, PAID, "john2").await, "open");
    // The charge is in the ledger, with the quote it came from.
    let ledger = charges(&app).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["amount"], json!(["5.18", "USD"]));
    assert_eq!(ledger[0]["type"], "recurring");
    assert_eq!(ledger[0]["quoteHash"], hash.as_str());
    assert_eq!(
        ledger[0]["order"],
        app.url(&format!("/orders/{}", q.order_id))
    );
    // A second one, submitted with its quoteHash.
    let q2 = order_paid(&app, PAID, "john3", None).await;
    let hash2 = q2.body["quotehash"].as_str().expect("hash").to_owned();
    assert_eq!(submit(&app, &q2, Some(&hash2)).await.status(), 202);
    assert_eq!(
        app.wait_final(&q2.placed(&app), FINAL).await["order"]["Status"],
        "Completed"
    );
    assert_eq!(charges(&app).await.len(), 2);
    app.assert_counts_exact().await;
}

async fn the_eleventh_mailbox_gets_a_quote(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let names: Vec<(String, &str)> = (0..10).map(|i| (format!("user{i}"), "open")).collect();
    app.fill_mailboxes(DOMAIN, &names).await;
    let e = app
        .get_json(&format!("/accounts/{ACCT}/exchange/{DOMAIN}"), QWE)
        .await;
    assert_eq!(e["nextMailboxPrice"], json!(["5.18", "USD"]));
    let q = order_paid(&app, DOMAIN, "eleventh", None).await;
    assert_eq!(q.body["total"], json!(["5.18", "USD"]));
    assert_eq!(billing_status(&app, DOMAIN, "eleventh").await, "new");
}

async fn stale_hash_conflicts_and_provisions_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let first = order_paid(&app, PAID, "line1", None).await;
    let old_hash = first.body["quotehash"].as_str().expect("hash").to_owned();
    // A second line joins the same order through its cookie; the price changes.
    let second = order_paid(&app, PAID, "line2", Some(&first.cookie)).await;
    assert_eq!(second.order_id, first.order_id, "one order, two lines");
    assert_eq!(second.cookie, first.cookie, "the same owner");
    assert_eq!(second.body["total"], json!(["10.36", "USD"]));
    let new_hash = second.body["quotehash"].as_str().expect("hash").to_owned();
    assert_ne!(new_hash, old_hash);

    let r = submit(&app, &first, Some(&old_hash)).await;
    assert_eq!(r.status(), 409);
    let (kind, details) = error_of(r).await;
    assert_eq!(kind, "conflict");
    assert_eq!(details["quoteHash"], new_hash.as_str());
    assert_eq!(jobs_of(&app, &first.order_id).await, 0, "nothing queued");
    assert_eq!(
        app.order_status(&first.placed(&app)).await["order"]["Status"],
        "new"
    );
    assert_eq!(billing_status(&app, PAID, "line1").await, "new");

    assert_eq!(submit(&app, &first, Some(&new_hash)).await.status(), 202);
    app.drain_queue().await;
    let done = app.order_status(&first.placed(&app)).await;
    assert_eq!(done["order"]["Status"], "Completed");
    let items = done["order"]["Items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    for (item, name) in items.iter().zip(["line1", "line2"]) {
        assert_eq!(item["Mailbox"], format!("{name}@{PAID}"));
        assert_eq!(item["Status"], "Completed");
        assert_eq!(item["Plan"], "exchange2010-payg");
    }
    assert_eq!(charges(&app).await.len(), 2, "one fee per line");
}

async fn double_submits_provision_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let q = order_paid(&app, PAID, "twice", None).await;
    assert_eq!(submit(&app, &q, None).await.status(), 202);
    let r = submit(&app, &q, None).await;
    assert_eq!(r.status(), 409);
    assert_eq!(error_of(r).await.0, "conflict");
    assert_eq!(jobs_of(&app, &q.order_id).await, 1);

    // Eight at once: exactly one wins.
    let q = order_paid(&app, PAID, "racer", None).await;
    let responses = futures_util::future::join_all((0..8).map(|_| submit(&app, &q, None))).await;
    let mut codes: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    codes.sort();
    assert_eq!(codes, [202, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(jobs_of(&app, &q.order_id).await, 1);
    app.drain_queue().await;
    assert_eq!(
        app.order_status(&q.placed(&app)).await["order"]["Status"],
        "Completed"
    );
    assert_eq!(charges(&app).await.len(), 2, "each order charged once");
}

async fn cancel_releases_names(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let q = order_paid(&app, PAID, "undecided", None).await;
    let path = format!("/orders/{}", q.order_id);
    let r = call(&app, Method::DELETE, &path, None, Some(&q.cookie), None).await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.order_status(&q.placed(&app)).await["order"]["Status"],
        "Cancelled"
    );
    let r = call(&app, Method::DELETE, &path, None, Some(&q.cookie), None).await;
    assert_eq!(r.status(), 404, "already cancelled");
    let r = submit(&app, &q, None).await;
    assert_eq!(r.status(), 409, "a cancelled order cannot be submitted");
    // The name is free again; ordering it opens a new order.
    let again = order_paid(&app, PAID, "undecided", Some(&q.cookie)).await;
    assert_ne!(again.order_id, q.order_id);
    // Submitted orders cannot be cancelled.
    assert_eq!(submit(&app, &again, None).await.status(), 202);
    let r = call(
        &app,
        Method::DELETE,
        &format!("/orders/{}", again.order_id),
        None,
        Some(&again.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 405);
    assert_eq!(error_of(r).await.0, "methodNotAllowed");
    app.drain_queue().await;
    assert_eq!(
        charges(&app).await.len(),
        1,
        "the cancelled order charged nothing"
    );
    app.assert_counts_exact().await;
}

async fn open_orders_expire(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.worker.workers = 0;
        c.worker.order_expiry = Duration::ZERO;
    })
    .await;
    let q = order_paid(&app, PAID, "forgotten", None).await;
    // The clock must move past the order's creation millisecond.
    let until = std::time::Instant::now() + FINAL;
    let expired = loop {
        let done = app
            .server()
            .worker()
            .run_maintenance()
            .await
            .expect("maintenance");
        if done.orders_expired > 0 || std::time::Instant::now() > until {
            break done.orders_expired;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(expired, 1);
    assert_eq!(
        app.order_status(&q.placed(&app)).await["order"]["Status"],
        "Cancelled"
    );
    let r = app
        .send(Method::GET, &mailboxes_path(PAID, "forgotten"), QWE, None)
        .await;
    assert_eq!(r.status(), 404, "the name is released");
    app.assert_counts_exact().await;
}

async fn order_shorthand(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    // Without an open order there is nothing at /order.
    assert_eq!(
        call(&app, Method::GET, "/order", None, None, None)
            .await
            .status(),
        404
    );
    let q = order_paid(&app, PAID, "short1", None).await;
    order_paid(&app, PAID, "short2", Some(&q.cookie)).await;
    let cookie = Some(q.cookie.as_str());
    let r = call(&app, Method::GET, "/order", None, cookie, None).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["order"]["Status"], "new");
    assert_eq!(body["order"]["Items"].as_array().map(Vec::len), Some(2));
    let explicit = app.url(&format!("/orders/{}/", q.order_id));
    assert!(
        body["links"]
            .as_array()
            .expect("links")
            .iter()
            .any(|l| l["href"] == explicit.as_str() && l["rel"] == "alternate"),
        "{body}"
    );
    let r = call(&app, Method::GET, "/order/quote", None, cookie, None).await;
    assert_eq!(r.status(), 200);
    let quote: Value = r.json().await.expect("json");
    assert_eq!(quote["quote"]["Total"], "10.36");
    assert_eq!(quote["quote"]["Products"].as_array().map(Vec::len), Some(2));
    let validate = json!({"action": "validate"});
    let r = call(
        &app,
        Method::POST,
        "/order/action",
        None,
        cookie,
        Some(&validate),
    )
    .await;
    assert_eq!(r.status(), 204);
    let hash = quote["quote"]["Hash"].as_str().expect("hash");
    let r = call(
        &app,
        Method::POST,
        "/order/action",
        None,
        cookie,
        Some(&submit_body(Some(hash))),
    )
    .await;
    assert_eq!(r.status(), 202);
    assert_eq!(
        r.headers()["location"],
        app.url(&format!("/orders/{}", q.order_id)).as_str()
    );
    // Submitted: no longer the open order.
    assert_eq!(
        call(&app, Method::GET, "/order", None, cookie, None)
            .await
            .status(),
        404
    );
    // The submitted quote stays readable, with the hash it was submitted with.
    let r = call(
        &app,
        Method::GET,
        &format!("/orders/{}/quote", q.order_id),
        None,
        cookie,
        None,
    )
    .await;
    let kept: Value = r.json().await.expect("json");
    assert_eq!(kept["quote"]["Hash"], hash);
}

async fn actions_are_checked(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let q = order_paid(&app, PAID, "checked", None).await;
    let path = format!("/orders/{}/action", q.order_id);
    for (body, field) in [
        (json!({}), "action"),
        (json!({"action": "cancel"}), "action"),
        (
            json!({"action": "submit", "quoteHash": "nothex"}),
            "quoteHash",
        ),
        (json!({"action": "submit", "actionData": 5}), "actionData"),
    ] {
        let r = call(
            &app,
            Method::POST,
            &path,
            None,
            Some(&q.cookie),
            Some(&body),
        )
        .await;
        assert_eq!(r.status(), 400, "{body}");
        let (_, details) = error_of(r).await;
        assert!(details.get(field).is_some(), "{body}: {details}");
    }
    // A suspended account cannot submit; validate lists why.
    mailorder::admin::add_account(
        app.server().store().as_ref(),
        "partner_api_developer_us_main",
        ACCT,
        "USD",
        mailorder::domain::AccountStatus::Suspended,
    )
    .await
    .expect("suspend");
    let r = call(
        &app,
        Method::POST,
        &path,
        None,
        Some(&q.cookie),
        Some(&json!({"action": "validate"})),
    )
    .await;
    assert_eq!(r.status(), 400);
    let (_, details) = error_of(r).await;
    assert_eq!(details["account"], "Account is suspended");
    assert_eq!(submit(&app, &q, None).await.status(), 400);
    assert_eq!(jobs_of(&app, &q.order_id).await, 0);
}

async fn order_endpoints_check_access(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    add_account_users(&app).await;
    let q = order_paid(&app, PAID, "guarded", None).await;
    let id = &q.order_id;
    let wrong = "OwnerId=00000000-0000-4000-8000-000000000000";
    let validate = json!({"action": "validate"});
    let cases: [(Method, String, Option<&Value>); 4] = [
        (Method::GET, format!("/orders/{id}"), None),
        (Method::GET, format!("/orders/{id}/quote"), None),
        (
            Method::POST,
            format!("/orders/{id}/action"),
            Some(&validate),
        ),
        (Method::DELETE, format!("/orders/{id}"), None),
    ];
    for (method, path, body) in &cases {
        let status = |auth, cookie| {
            let (method, path) = (method.clone(), path.clone());
            let app = &app;
            async move {
                call(app, method, &path, auth, cookie, *body)
                    .await
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(status(None, None).await, 401, "{method} {path} anonymous");
        assert_eq!(
            status(None, Some(wrong)).await,
            401,
            "{method} {path} wrong OwnerId"
        );
        assert_eq!(
            status(Some(MALLORY), None).await,
            404,
            "{method} {path} other franchise"
        );
        assert_eq!(
            status(Some(MALLORY), Some(wrong)).await,
            404,
            "{method} {path} other franchise"
        );
        assert_eq!(
            status(Some(BOB), None).await,
            403,
            "{method} {path} other account"
        );
        assert_eq!(
            status(
                Some(("qwe@partner_api_developer_us_main", "wrongpass1")),
                None
            )
            .await,
            401
        );
    }
    let missing = "/orders/0000000000000000000000000000000000000000";
    assert_eq!(
        call(&app, Method::GET, missing, Some(QWE), None, None)
            .await
            .status(),
        404
    );
    // The account's own users may act without the cookie.
    let r = call(
        &app,
        Method::POST,
        &format!("/orders/{id}/action"),
        Some(CAROL),
        None,
        Some(&validate),
    )
    .await;
    assert_eq!(r.status(), 204);
    // The ledger: the account's users only.
    let ledger = format!("/accounts/{ACCT}/charges");
    assert_eq!(
        call(&app, Method::GET, &ledger, None, None, None)
            .await
            .status(),
        401
    );
    assert_eq!(
        call(&app, Method::GET, &ledger, Some(MALLORY), None, None)
            .await
            .status(),
        404
    );
    assert_eq!(
        call(&app, Method::GET, &ledger, Some(BOB), None, None)
            .await
            .status(),
        403
    );
    assert_eq!(
        call(&app, Method::GET, &ledger, Some(CAROL), None, None)
            .await
            .status(),
        200
    );
    // Another account's open order cannot be joined through its cookie.
    let r = call(
        &app,
        Method::POST,
        "/accounts/acct999998/exchange/nowhere.example/mailboxes",
        Some(BOB),
        Some(&q.cookie),
        Some(&mailbox_body("x1")),
    )
    .await;
    assert_eq!(r.status(), 404, "bob has no such domain");
}

async fn order_lists(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    add_account_users(&app).await;
    let free = app.order("listed").await;
    let paid = order_paid(&app, PAID, "listed2", None).await;
    let list = app.get_json("/orders", QWE).await;
    let ids: Vec<&str> = list["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|o| o["orderId"].as_str().expect("id"))
        .collect();
    let free_id = free.location.rsplit('/').next().expect("id");
    assert_eq!(ids, [paid.order_id.as_str(), free_id], "newest first");
    assert_eq!(list["list"][0]["Status"], "new");
    assert_eq!(
        list["list"][0]["details"],
        app.url(&format!("/orders/{}", paid.order_id))
    );
    let open = app.get_json("/orders?filterStatus=new", QWE).await;
    assert_eq!(open["list"].as_array().map(Vec::len), Some(1));
    let oldest = app
        .get_json(
            "/orders?sortField=created&sortOrder=asc&page=1&pageSize=1",
            QWE,
        )
        .await;
    assert_eq!(oldest["list"][0]["orderId"], free_id);
    assert!(
        oldest["links"]
            .as_array()
            .expect("links")
            .iter()
            .any(|l| l["rel"] == "next")
    );
    let r = app
        .send(Method::GET, "/orders?filterStatus=Bogus", QWE, None)
        .await;
    assert_eq!(r.status(), 400);
    // Another account's user sees none of them; another franchise neither.
    assert_eq!(app.get_json("/orders", BOB).await["list"], json!([]));
    assert_eq!(app.get_json("/orders", MALLORY).await["list"], json!([]));
    assert_eq!(
        app.get_json("/orders", CAROL).await["list"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        call(&app, Method::GET, "/orders", None, None, None)
            .await
            .status(),
        401
    );
}

const DEARER: &str = r#"
[default]
currency = "USD"
[default.plans.exchange2010]
included_mailboxes = 10
mailbox_monthly = "5.18"
[default.plans.exchange2010-payg]
included_mailboxes = 0
mailbox_monthly = "6.00"
setup_fee = "1.50"
"#;

async fn a_catalog_change_makes_old_quotes_stale(backend: Backend) {
    use mailorder::pricing::Catalog;
    use std::sync::Arc;
    let mut app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let q = order_paid(&app, PAID, "repriced", None).await;
    let old_hash = q.body["quotehash"].as_str().expect("hash").to_owned();
    app.stop().await;

    // A catalog without the plan the domains are on is refused at start.
    let mut config = test_config(&app.db);
    config.catalog = Arc::new(Catalog::parse("[default]\ncurrency = \"USD\"\n[default.plans.exchange2010]\nincluded_mailboxes = 1\nmailbox_monthly = \"1\"\n").expect("catalog"));
    let refused = mailorder::app::Server::start(config)
        .await
        .err()
        .expect("refused");
    assert!(
        format!("{refused:#}").contains("exchange2010-payg"),
        "{refused:#}"
    );

    // The same database under dearer prices: the old quote is stale.
    let url = app.db.url.clone();
    let again = TestApp::spawn_on(&url, |c| {
        c.worker.workers = 0;
        c.catalog = Arc::new(Catalog::parse(DEARER).expect("catalog"));
    })
    .await;
    let r = submit(&again, &q, Some(&old_hash)).await;
    assert_eq!(r.status(), 409);
    let (_, details) = error_of(r).await;
    let new_hash = details["quoteHash"]
        .as_str()
        .expect("current hash")
        .to_owned();
    assert_ne!(new_hash, old_hash);
    let path = format!("/orders/{}/quote", q.order_id);
    let quote: Value = call(&again, Method::GET, &path, None, Some(&q.cookie), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(quote["quote"]["Hash"], new_hash.as_str());
    assert_eq!(quote["quote"]["Total"], "7.50");
    assert_eq!(quote["quote"]["OneTimeFeeAmount"], "1.50");
    assert_eq!(jobs_of(&again, &q.order_id).await, 0, "nothing submitted");
    assert_eq!(submit(&again, &q, Some(&new_hash)).await.status(), 202);
    again.drain_queue().await;
    let ledger = charges(&again).await;
    let amounts: Vec<&Value> = ledger.iter().map(|c| &c["amount"]).collect();
    assert_eq!(amounts, [&json!(["1.50", "USD"]), &json!(["6.00", "USD"])]);
    assert!(ledger.iter().all(|c| c["quoteHash"] == new_hash.as_str()));
}

on_both_backends!(
    a_catalog_change_makes_old_quotes_stale,
    paid_example_end_to_end,
    the_eleventh_mailbox_gets_a_quote,
    stale_hash_conflicts_and_provisions_nothing,
    double_submits_provision_once,
    cancel_releases_names,
    open_orders_expire,
    order_shorthand,
    actions_are_checked,
    order_endpoints_check_access,
    order_lists,
);
