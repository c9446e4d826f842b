//! `GET /accounts` and `GET /accounts/{acct}`: shapes, scoping, filters, hidden accounts.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::on_both_backends;

async fn accounts_in_the_docs_shape(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    add_account_users(&app).await;
    let list = app.get_json("/accounts", QWE).await;
    let numbers: Vec<&str> = list["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["accountNumber"].as_str().expect("n"))
        .collect();
    assert_eq!(
        numbers,
        ["acct999998", ACCT],
        "the franchise's accounts, by number"
    );
    let item = &list["list"][1];
    assert_eq!(item["status"], "open");
    assert_eq!(item["currency"], "USD");
    assert_eq!(
        item["createdDate"].as_str().map(str::len),
        Some(10),
        "Y-m-d"
    );
    assert_eq!(
        item["links"],
        json!([{"href": app.url(&format!("/accounts/{ACCT}/")), "rel": "self"}])
    );
    // Account users see their own; other franchises see theirs.
    assert_eq!(
        app.get_json("/accounts", CAROL).await["list"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        app.get_json("/accounts", MALLORY).await["list"][0]["accountNumber"],
        "acct111111"
    );
    let one = app.get_json(&format!("/accounts/{ACCT}"), QWE).await;
    assert_eq!(one["accountNumber"], ACCT);
    assert_eq!(
        one["exchange"],
        json!([{"href": app.url(&format!("/accounts/{ACCT}/exchange")), "rel": "related"}])
    );
    assert_eq!(one["links"][0]["rel"], "self");
    // Every link leads to something that answers.
    for key in ["exchange", "charges", "contacts", "users"] {
        let href = one[key][0]["href"].as_str().expect("a link");
        let r = app.get(href, Some(QWE), None).await;
        assert_eq!(r.status(), 200, "{key}: {href}");
    }
    // 404 across franchises, 403 for another account, 401 without credentials.
    assert_eq!(
        app.send(Method::GET, &format!("/accounts/{ACCT}"), MALLORY, None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.send(Method::GET, &format!("/accounts/{ACCT}"), BOB, None)
            .await
            .status(),
        403
    );
    let r = app
        .client
        .get(app.url("/accounts"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    // Filters, and a suspended account hidden from its own users but not from agents.
    let store = app.server().store().as_ref();
    mailorder::admin::add_account(
        store,
        "partner_api_developer_us_main",
        "acct999998",
        "USD",
        mailorder::domain::AccountStatus::Suspended,
    )
    .await
    .expect("suspend");
    let suspended = app.get_json("/accounts?filterStatus=susp*", QWE).await;
    assert_eq!(suspended["list"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.send(Method::GET, "/accounts?filterStatus=gone", QWE, None)
            .await
            .status(),
        400
    );
    assert_eq!(
        app.send(Method::GET, "/accounts/acct999998", BOB, None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.send(Method::GET, "/accounts/acct999998", QWE, None)
            .await
            .status(),
        200
    );
}

on_both_backends!(accounts_in_the_docs_shape);
