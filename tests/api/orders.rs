//! The order life cycle: races for a name, sandbox failures and retries, free slots.

use std::time::Duration;

use mailorder::admin;
use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{ACCT, Backend, DOMAIN, QWE, TestApp, error_of, mailbox_body};
use crate::on_both_backends;

const FINAL: Duration = Duration::from_secs(20);

async fn concurrent_orders_for_one_name_have_one_winner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_exchange("race.example.com", 100).await;
    for round in 0..5 {
        let name = format!("race{round}");
        let body = mailbox_body(&name);
        let (a, b) = tokio::join!(
            app.post_mailbox(QWE, ACCT, "race.example.com", &body),
            app.post_mailbox(QWE, ACCT, "race.example.com", &body),
        );
        let mut codes = [a.status().as_u16(), b.status().as_u16()];
        codes.sort();
        assert_eq!(codes, [202, 409], "round {round}");
        let loser = if a.status() == 409 { a } else { b };
        let (kind, details) = error_of(loser).await;
        assert_eq!(kind, "conflict");
        assert!(details.get("owner.username").is_some());
    }
    let pool = app.db.pool().await;
    let n: i64 = sqlx::query("SELECT count(*) AS n FROM mailboxes")
        .fetch_one(&pool)
        .await
        .expect("count")
        .get("n");
    assert_eq!(n, 5, "one mailbox per name");
    app.assert_counts_exact().await;
}

async fn a_taken_name_conflicts_while_pending_and_after(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let placed = app.order("taken").await;
    let r = app
        .post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("taken"))
        .await;
    assert_eq!(r.status(), 409, "pending order reserves the name");
    let mailbox = app.url(&format!(
        "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/taken"
    ));
    let pending: Value = app
        .get(&mailbox, Some(QWE), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(pending["billingStatus"], "pending");
    app.drain_queue().await;
    assert_eq!(
        app.order_status(&placed).await["order"]["Status"],
        "Completed"
    );
    let open: Value = app
        .get(&mailbox, Some(QWE), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(open["billingStatus"], "open");
    assert_eq!(
        app.post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("taken"))
            .await
            .status(),
        409
    );
    // The same name in another domain is another mailbox.
    app.add_exchange("second.example.com", 1).await;
    assert_eq!(
        app.post_mailbox(QWE, ACCT, "second.example.com", &mailbox_body("taken"))
            .await
            .status(),
        202
    );
}

async fn sandbox_fail_reaches_failed_and_releases_the_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("fail-now").await;
    let body = app.wait_final(&placed, FINAL).await;
    assert_eq!(body["order"]["Status"], "Failed", "{body}");
    let errors = body["order"]["Errors"].as_array().expect("Errors");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["message"]
            .as_str()
            .expect("message")
            .contains("fail-now"),
        "{body}"
    );
    assert_eq!(errors[0]["code"], 502);
    let mailbox = app.url(&format!(
        "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/fail-now"
    ));
    assert_eq!(app.get(&mailbox, Some(QWE), None).await.status(), 404);
    let pool = app.db.pool().await;
    let in_directory: i64 = sqlx::query(
        "SELECT count(*) AS n FROM mail_users WHERE address = 'fail-now@myexchangedomain.com'",
    )
    .fetch_one(&pool)
    .await
    .expect("count")
    .get("n");
    assert_eq!(in_directory, 0);
    // The name is free again (and fails again, being a sandbox name).
    let again = app.order("fail-now").await;
    assert_eq!(
        app.wait_final(&again, FINAL).await["order"]["Status"],
        "Failed"
    );
    app.assert_counts_exact().await;
}

async fn sandbox_flaky_is_retried_to_completion(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("flaky-one").await;
    let body = app.wait_final(&placed, FINAL).await;
    assert_eq!(body["order"]["Status"], "Completed", "{body}");
    assert!(body["order"].get("Errors").is_none());
    let pool = app.db.pool().await;
    let row = sqlx::query("SELECT attempts, state FROM jobs")
        .fetch_one(&pool)
        .await
        .expect("job");
    assert_eq!(
        row.get::<i64, _>("attempts"),
        3,
        "two transient failures, then success"
    );
    assert_eq!(row.get::<String, _>("state"), "done");
    let mailbox = app.url(&format!(
        "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/flaky-one"
    ));
    let m: Value = app
        .get(&mailbox, Some(QWE), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(m["billingStatus"], "open");
}

async fn transient_failures_give_up_after_the_last_attempt(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.max_attempts = 2).await;
    let placed = app.order("flaky-two").await;
    let body = app.wait_final(&placed, FINAL).await;
    assert_eq!(body["order"]["Status"], "Failed");
    let message = body["order"]["Errors"][0]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("gave up after 2 attempts"), "{message}");
}

async fn sandbox_names_are_ordinary_outside_sandbox_franchises(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.server().store().as_ref();
    admin::add_franchise(store, "live_partner", false)
        .await
        .expect("franchise");
    admin::add_account(
        store,
        "live_partner",
        "acct555555",
        "USD",
        mailorder::domain::AccountStatus::Open,
    )
    .await
    .expect("account");
    let spec = admin::ExchangeSpec {
        franchise: "live_partner",
        account: "acct555555",
        domain: "live.example.org",
        version: "2010",
        plan: "exchange2010",
        free_mailboxes: Some(5),
        quota_mb: 1024,
    };
    admin::add_exchange(store, &mailorder::pricing::Catalog::builtin(), &spec)
        .await
        .expect("exchange");
    admin::add_user(
        store,
        app.server().hashing(),
        "agent@live_partner",
        None,
        "agentpass1",
    )
    .await
    .expect("user");
    let r = app
        .post_mailbox(
            ("agent@live_partner", "agentpass1"),
            "acct555555",
            "live.example.org",
            &mailbox_body("fail-not"),
        )
        .await;
    assert_eq!(r.status(), 202);
    let placed = crate::helpers::Placed::from_response(&r);
    assert_eq!(
        app.wait_final(&placed, FINAL).await["order"]["Status"],
        "Completed"
    );
}

async fn free_slots_run_out(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    app.add_exchange("two.example.com", 2).await;
    app.order_in("two.example.com", "one").await;
    app.order_in("two.example.com", "two").await;
    let q = crate::paid::order_paid(&app, "two.example.com", "three", None).await;
    assert_eq!(q.body["total"], json!(["5.18", "USD"]), "the third is paid");
    let q = crate::paid::order_paid(&app, "paid.example.com", "paid", None).await;
    assert_eq!(q.body["total"], json!(["5.18", "USD"]));
}

async fn the_mail_directory_gets_the_mailbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("dir").await;
    assert_eq!(
        app.wait_final(&placed, FINAL).await["order"]["Status"],
        "Completed"
    );
    let pool = app.db.pool().await;
    let user = sqlx::query("SELECT password_hash, home, quota_mb, active FROM mail_users WHERE address = 'dir@myexchangedomain.com'")
        .fetch_one(&pool)
        .await
        .expect("directory row");
    assert!(
        user.get::<String, _>("password_hash")
            .starts_with("$argon2id$v=19$")
    );
    assert!(
        user.get::<String, _>("home")
            .ends_with("/myexchangedomain.com/dir")
    );
    assert_eq!(user.get::<i64, _>("quota_mb"), 2048);
    assert_eq!(user.get::<i64, _>("active"), 1);
    let mut destinations: Vec<String> = sqlx::query(
        "SELECT destination FROM mail_aliases WHERE source = 'dir@myexchangedomain.com'",
    )
    .fetch_all(&pool)
    .await
    .expect("aliases")
    .iter()
    .map(|r| r.get("destination"))
    .collect();
    destinations.sort();
    // deliverRedirect "zsds" and forwardTo "asdasd": redirected to both, no copy kept.
    assert_eq!(
        destinations,
        ["asdasd@myexchangedomain.com", "zsds@myexchangedomain.com"]
    );
}

on_both_backends!(
    concurrent_orders_for_one_name_have_one_winner,
    a_taken_name_conflicts_while_pending_and_after,
    sandbox_fail_reaches_failed_and_releases_the_name,
    sandbox_flaky_is_retried_to_completion,
    transient_failures_give_up_after_the_last_attempt,
    sandbox_names_are_ordinary_outside_sandbox_franchises,
    free_slots_run_out,
    the_mail_directory_gets_the_mailbox,
);
