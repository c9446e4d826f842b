//! Mailbox add-ons (docs §2.7): the free one (BlackBerry in the default catalog) provisioned at
//! once, the paid one (archiving, 2.50 a month) waiting in the open order for submit and
//! charged in the ledger, duplicates, removal, cancel, purge, and the mailbox's fields.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;
use crate::paid::call;

const FINAL: Duration = Duration::from_secs(20);

fn add_on_path(username: &str, add_on: &str) -> String {
    mailboxes_path(DOMAIN, &format!("{username}/{add_on}/"))
}

/// An accepted add-on request: its order and the cookie that owns it.
async fn accepted(r: reqwest::Response) -> Placed {
    assert_eq!(r.status(), 202);
    let placed = Placed::from_response(&r);
    assert_eq!(r.text().await.expect("body"), "", "no body");
    placed
}

async fn opened(app: &TestApp, username: &str) {
    let done = app.wait_final(&app.order(username).await, FINAL).await;
    assert_eq!(done["order"]["Status"], "Completed");
}

async fn mailbox(app: &TestApp, username: &str) -> Value {
    app.get_json(&mailboxes_path(DOMAIN, username), QWE).await
}

async fn free_add_on_is_provisioned_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    opened(&app, "john").await;
    let path = add_on_path("john", "blackberry");
    // Not enabled yet.
    assert_eq!(app.send(Method::GET, &path, QWE, None).await.status(), 404);
    let placed = accepted(app.send(Method::PUT, &path, QWE, None).await).await;
    assert!(placed.location.starts_with(&app.url("/orders/")));
    let done = app.wait_final(&placed, FINAL).await;
    assert_eq!(done["order"]["Status"], "Completed");
    assert_eq!(done["order"]["Items"][0]["Type"], "add_blackberry");
    assert_eq!(
        done["order"]["Items"][0]["Mailbox"],
        format!("john@{DOMAIN}")
    );
    assert_eq!(done["order"]["Items"][0]["Plan"], Value::Null);
    // The docs' body, with the mailbox as related.
    let r = app.send(Method::GET, &path, QWE, None).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body,
        json!({"billingStatus": "open", "links": [
            {"href": app.url(&mailboxes_path(DOMAIN, "john/blackberry")), "rel": "self"},
            {"href": app.url(&mailboxes_path(DOMAIN, "john")), "rel": "related"},
        ]})
    );
    let m = mailbox(&app, "john").await;
    assert_eq!(
        (m["blackberry"].clone(), m["archiving"].clone()),
        (json!(1), json!(0))
    );
    let list = app
        .get_json(
            &format!(
                "{}?filterUsername=john&includeAddOns=1",
                mailboxes_path(DOMAIN, "")
            ),
            QWE,
        )
        .await;
    assert_eq!(list["list"][0]["blackberry"], 1);
    // Present: 409, and no second order.
    let r = app.send(Method::PUT, &path, QWE, None).await;
    let (kind, _) = error_of(r).await;
    assert_eq!(kind, "conflict");
    // A free add-on costs nothing: the ledger stays empty.
    let ledger = app
        .get_json(&format!("/accounts/{ACCT}/charges"), QWE)
        .await;
    assert_eq!(ledger["list"], json!([]));
    // Removed through an order: purge_pending, then gone.
    let placed = accepted(app.send(Method::DELETE, &path, QWE, None).await).await;
    let done = app.wait_final(&placed, FINAL).await;
    assert_eq!(done["order"]["Status"], "Completed");
    assert_eq!(done["order"]["Items"][0]["Type"], "remove_blackberry");
    assert_eq!(app.send(Method::GET, &path, QWE, None).await.status(), 404);
    assert_eq!(mailbox(&app, "john").await["blackberry"], 0);
    // Not there: 404 for its removal; it can be ordered again.
    assert_eq!(
        app.send(Method::DELETE, &path, QWE, None).await.status(),
        404
    );
    let placed = accepted(app.send(Method::PUT, &path, QWE, None).await).await;
    assert_eq!(
        app.wait_final(&placed, FINAL).await["order"]["Status"],
        "Completed"
    );
    assert_eq!(mailbox(&app, "john").await["blackberry"], 1);
}

async fn paid_add_on_waits_for_submit_and_is_charged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    opened(&app, "john").await;
    let path = add_on_path("john", "archiving");
    let placed = accepted(app.send(Method::PUT, &path, QWE, None).await).await;
    let order_id = placed.location.rsplit('/').next().expect("id").to_owned();
    // An open order holds it: `new` on the add-on, the order `new` with its priced line.
    let open = app.order_status(&placed).await;
    assert_eq!(open["order"]["Status"], "new");
    assert_eq!(open["order"]["Items"][0]["Type"], "add_archiving");
    assert_eq!(open["order"]["Items"][0]["Plan"], "archiving");
    assert_eq!(app.get_json(&path, QWE).await["billingStatus"], "new");
    assert_eq!(mailbox(&app, "john").await["archiving"], 0);
    // In an order already: 409.
    let (kind, body) = error_of(app.send(Method::PUT, &path, QWE, None).await).await;
    assert_eq!(kind, "conflict", "{body}");
    let r = call(
        &app,
        Method::GET,
        &format!("/orders/{order_id}/quote"),
        None,
        Some(&placed.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let quote: Value = r.json().await.expect("json");
    assert_eq!(quote["quote"]["Total"], "2.50");
    assert_eq!(
        quote["quote"]["Products"][0]["Description"],
        format!("Archiving for john@{DOMAIN}")
    );
    let hash = quote["quote"]["Hash"].as_str().expect("hash").to_owned();
    let r = call(
        &app,
        Method::POST,
        &format!("/orders/{order_id}/action"),
        None,
        Some(&placed.cookie),
        Some(&json!({"action": "submit", "quoteHash": hash})),
    )
    .await;
    assert_eq!(r.status(), 202);
    let done = app.wait_final(&placed, FINAL).await;
    assert_eq!(done["order"]["Status"], "Completed");
    assert_eq!(app.get_json(&path, QWE).await["billingStatus"], "open");
    assert_eq!(mailbox(&app, "john").await["archiving"], 1);
    // The ledger line of the paid add-on.
    let ledger = app
        .get_json(&format!("/accounts/{ACCT}/charges"), QWE)
        .await;
    let lines = ledger["list"].as_array().expect("list");
    assert_eq!(lines.len(), 1, "{ledger}");
    assert_eq!(lines[0]["amount"], json!(["2.50", "USD"]));
    assert_eq!(lines[0]["quoteHash"], hash.as_str());
    assert!(
        lines[0]["description"]
            .as_str()
            .is_some_and(|d| d.starts_with(&format!("Archiving for john@{DOMAIN}"))),
        "{ledger}"
    );
}

async fn add_on_lines_join_the_callers_open_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    opened(&app, "john").await;
    opened(&app, "jane").await;
    let first = accepted(
        app.send(Method::PUT, &add_on_path("john", "archiving"), QWE, None)
            .await,
    )
    .await;
    // With the cookie, the second add-on joins the same order.
    let r = call(
        &app,
        Method::PUT,
        &add_on_path("jane", "archiving"),
        Some(QWE),
        Some(&first.cookie),
        None,
    )
    .await;
    let second = accepted(r).await;
    assert_eq!(second.location, first.location);
    let open = app.order_status(&first).await;
    assert_eq!(open["order"]["Items"].as_array().map(Vec::len), Some(2));
    // Cancelled: both add-ons are gone and may be ordered again.
    let order_path = first
        .location
        .strip_prefix(&app.url(""))
        .expect("an order URL of this server")
        .to_owned();
    let r = call(
        &app,
        Method::DELETE,
        &order_path,
        None,
        Some(&first.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    for user in ["john", "jane"] {
        let path = add_on_path(user, "archiving");
        assert_eq!(app.send(Method::GET, &path, QWE, None).await.status(), 404);
    }
    accepted(
        app.send(Method::PUT, &add_on_path("john", "archiving"), QWE, None)
            .await,
    )
    .await;
}

async fn add_ons_need_an_open_mailbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // No such mailbox: 404 for every method.
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let r = app
            .send(
                method.clone(),
                &add_on_path("nobody", "blackberry"),
                QWE,
                None,
            )
            .await;
        assert_eq!(r.status(), 404, "{method}");
    }
    // A mailbox being provisioned, or closed, cannot take one.
    opened(&app, "john").await;
    let r = app
        .send(
            Method::DELETE,
            &mailboxes_path(DOMAIN, "john?purge=0"),
            QWE,
            None,
        )
        .await;
    assert_eq!(
        app.wait_final(&Placed::from_response(&r), FINAL).await["order"]["Status"],
        "Completed"
    );
    let r = app
        .send(Method::PUT, &add_on_path("john", "blackberry"), QWE, None)
        .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["conflict"]["message"], "The mailbox is closed");
    // Without a trailing slash too; the docs write one.
    opened(&app, "jane").await;
    let placed = accepted(
        app.send(
            Method::PUT,
            &mailboxes_path(DOMAIN, "jane/blackberry"),
            QWE,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        app.wait_final(&placed, FINAL).await["order"]["Status"],
        "Completed"
    );
    // A purged mailbox takes its add-ons: a new mailbox of that name starts without.
    app.delete_mailbox_and_wait("jane").await;
    opened(&app, "jane").await;
    assert_eq!(
        app.send(Method::GET, &add_on_path("jane", "blackberry"), QWE, None)
            .await
            .status(),
        404
    );
    assert_eq!(mailbox(&app, "jane").await["blackberry"], 0);
}

/// The mailbox's owner may read its add-ons but not buy them; another franchise sees nothing.
async fn add_on_rights(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    opened(&app, "john").await;
    let path = add_on_path("john", "blackberry");
    let placed = accepted(app.send(Method::PUT, &path, QWE, None).await).await;
    app.wait_final(&placed, FINAL).await;
    let owner = (&*format!("john@{DOMAIN}"), "tester1234");
    assert_eq!(
        app.send(Method::GET, &path, owner, None).await.status(),
        200
    );
    assert_eq!(
        app.send(Method::DELETE, &path, owner, None).await.status(),
        403
    );
    assert_eq!(
        app.send(Method::GET, &path, MALLORY, None).await.status(),
        404
    );
    assert_eq!(
        app.send(Method::PUT, &path, MALLORY, None).await.status(),
        404
    );
    assert_eq!(app.get_json(&path, QWE).await["billingStatus"], "open");
}

/// A mailbox whose add-on waits in an open order (or is being provisioned) cannot be closed or
/// purged until that settles: its step would run on a mailbox that is gone, or charge for a
/// closed one.
async fn an_add_on_in_an_order_holds_off_purge_and_close(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    opened(&app, "john").await;
    let placed = accepted(
        app.send(Method::PUT, &add_on_path("john", "archiving"), QWE, None)
            .await,
    )
    .await;
    for rest in ["john", "john?purge=0"] {
        let r = app
            .send(Method::DELETE, &mailboxes_path(DOMAIN, rest), QWE, None)
            .await;
        assert_eq!(r.status(), 409, "{rest}");
    }
    let order_path = placed
        .location
        .strip_prefix(&app.url(""))
        .expect("an order URL of this server")
        .to_owned();
    let r = call(
        &app,
        Method::DELETE,
        &order_path,
        None,
        Some(&placed.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    let purged = app.delete_mailbox_and_wait("john").await;
    assert_eq!(purged["order"]["Status"], "Completed");
}

on_both_backends!(
    an_add_on_in_an_order_holds_off_purge_and_close,
    free_add_on_is_provisioned_at_once,
    paid_add_on_waits_for_submit_and_is_charged,
    add_on_lines_join_the_callers_open_order,
    add_ons_need_an_open_mailbox,
    add_on_rights,
);
