//! `PUT /accounts/{acct}` `{"status": …}`: agents suspend, close and reopen accounts; the
//! account's mailboxes and their mail directory rows follow in the same transaction.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

fn account_path() -> String {
    format!("/accounts/{ACCT}")
}

async fn set_status(app: &TestApp, auth: (&str, &str), status: &Value) -> reqwest::Response {
    app.send(
        Method::PUT,
        &account_path(),
        auth,
        Some(&json!({"status": status})),
    )
    .await
}

async fn billing_status(app: &TestApp, username: &str) -> Value {
    app.get_json(&mailboxes_path(DOMAIN, username), QWE).await["billingStatus"].clone()
}

async fn suspension_follows_into_mailboxes_and_directory(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    add_account_users(&app).await;
    for name in ["first", "second", "shut"] {
        app.order(name).await;
    }
    // While orders are in progress the status cannot change.
    let r = set_status(&app, QWE, &json!("suspended")).await;
    assert_eq!(r.status(), 409);
    assert_eq!(error_of(r).await.0, "conflict");
    app.drain_queue().await;
    let r = app
        .send(
            Method::DELETE,
            &mailboxes_path(DOMAIN, "shut?purge=0"),
            QWE,
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    app.drain_queue().await;
    let address = |name: &str| format!("{name}@{DOMAIN}");
    assert_eq!(
        app.directory_hash(&address("first")).await.map(|h| h.1),
        Some(1)
    );

    // Suspended: open mailboxes are suspended and inactive; a closed one stays closed.
    let r = set_status(&app, QWE, &json!("suspended")).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.text().await.expect("body"), "");
    assert_eq!(
        app.get_json(&account_path(), QWE).await["status"],
        "suspended"
    );
    for name in ["first", "second"] {
        assert_eq!(billing_status(&app, name).await, "suspended");
        assert_eq!(
            app.directory_hash(&address(name)).await.map(|h| h.1),
            Some(0)
        );
    }
    assert_eq!(billing_status(&app, "shut").await, "closed");
    // Nothing new on a suspended account: no orders, no restores, no changes.
    let r = app
        .post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("third"))
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .send(
            Method::POST,
            &mailboxes_path(DOMAIN, "shut/action"),
            QWE,
            Some(&json!({"action": "restore"})),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .send(
            Method::PUT,
            &mailboxes_path(DOMAIN, "first"),
            QWE,
            Some(&json!({"notes": "x"})),
        )
        .await;
    assert_eq!(r.status(), 409);

    // Reopened: back to open and active; the closed one is still closed and inactive.
    let r = set_status(&app, QWE, &json!("open")).await;
    assert_eq!(r.status(), 204);
    for name in ["first", "second"] {
        assert_eq!(billing_status(&app, name).await, "open");
        assert_eq!(
            app.directory_hash(&address(name)).await.map(|h| h.1),
            Some(1)
        );
    }
    assert_eq!(billing_status(&app, "shut").await, "closed");
    assert_eq!(
        app.directory_hash(&address("shut")).await.map(|h| h.1),
        Some(0)
    );

    // Closing the account takes its mailboxes out of service like a suspension.
    assert_eq!(set_status(&app, QWE, &json!("closed")).await.status(), 204);
    assert_eq!(billing_status(&app, "first").await, "suspended");
    assert_eq!(
        app.directory_hash(&address("first")).await.map(|h| h.1),
        Some(0)
    );
    assert_eq!(set_status(&app, QWE, &json!("open")).await.status(), 204);
    app.assert_counts_exact().await;
}

async fn only_agents_change_account_status(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    add_account_users(&app).await;
    // The account's own user lacks the elevated right; another franchise sees no account.
    let r = set_status(&app, CAROL, &json!("suspended")).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        set_status(&app, BOB, &json!("suspended")).await.status(),
        403
    );
    assert_eq!(
        set_status(&app, MALLORY, &json!("suspended"))
            .await
            .status(),
        404
    );
    let r = app
        .send(
            Method::PUT,
            "/accounts/acct000000",
            QWE,
            Some(&json!({"status": "open"})),
        )
        .await;
    assert_eq!(r.status(), 404);
    // Bad bodies are precise 4xx.
    for bad in [json!("pending"), json!("Suspended"), json!(1), Value::Null] {
        let r = set_status(&app, QWE, &bad).await;
        assert_eq!(r.status(), 400, "{bad}");
        let (kind, details) = error_of(r).await;
        assert_eq!(kind, "badRequest", "{bad}");
        assert!(details.to_string().contains("status"), "{details}");
    }
    let r = app
        .send(Method::PUT, &account_path(), QWE, Some(&json!({})))
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .put(app.url(&account_path()))
        .basic_auth(QWE.0, Some(QWE.1))
        .body("status=open")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 415);
    assert_eq!(app.get_json(&account_path(), QWE).await["status"], "open");
}

on_both_backends!(
    suspension_follows_into_mailboxes_and_directory,
    only_agents_change_account_status,
);
