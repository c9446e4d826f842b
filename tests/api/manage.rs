//! Changing, deleting, closing and restoring mailboxes, and the plan's free slots.

use std::time::Duration;

use mailorder::domain::{Password, PasswordHash};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ACCT, Backend, DOMAIN, Placed, QWE, TestApp, error_of, mailbox_body, mailboxes_path,
};
use crate::on_both_backends;

const FINAL: Duration = Duration::from_secs(20);

fn verifies(password: &str, stored: &str) -> bool {
    Password::parse(password)
        .expect("valid password")
        .verify(&PasswordHash::from_stored(stored.to_owned()))
}

/// Orders `username` in the demo domain and waits until it is open.
async fn open_mailbox(app: &TestApp, username: &str) {
    let placed = app.order(username).await;
    assert_eq!(
        app.wait_final(&placed, FINAL).await["order"]["Status"],
        "Completed"
    );
}

async fn every_changeable_field_round_trips(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    open_mailbox(&app, "editme").await;
    let path = mailboxes_path(DOMAIN, "editme");
    let change = json!({
        "username": "editme", "billingStatus": "open",
        "admin": 1, "notes": "new notes", "recipientLimit": 42,
        "name": {"title": "CEO"},
        "address": {"city": "Springfield", "country": "CA"},
        "phones": {"mobile": "+1 555 0100"},
        "forwardTo": "copy@elsewhere.org", "deliverRedirect": ""
    });
    let r = app.send(Method::PUT, &path, QWE, Some(&change)).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["location"], app.url(&path).as_str());
    let m = app.get_json(&path, QWE).await;
    assert_eq!(m["admin"], 1);
    assert_eq!(m["notes"], "new notes");
    assert_eq!(m["recipientLimit"], 42);
    assert_eq!(
        m["name"],
        json!({"name": "John Smith", "company": "My Company", "department": "Sales", "title": "CEO"})
    );
    assert_eq!(m["address"]["city"], "Springfield");
    assert_eq!(m["address"]["address"], "100 Main St.", "left out, kept");
    assert_eq!(m["phones"]["mobile"], "+1 555 0100");
    assert_eq!(m["phones"]["fax"], "555-555-5503");
    assert_eq!(m["forwardTo"], "copy@elsewhere.org");
    assert_eq!(m["deliverRedirect"], Value::Null, "cleared with \"\"");
    // The mail directory follows: forwardTo alone keeps a copy.
    let pool = app.db.pool().await;
    let mut dest: Vec<String> = sqlx::query(
        "SELECT destination FROM mail_aliases WHERE source = 'editme@myexchangedomain.com'",
    )
    .fetch_all(&pool)
    .await
    .expect("aliases")
    .iter()
    .map(|r| sqlx::Row::get(r, "destination"))
    .collect();
    dest.sort();
    assert_eq!(dest, ["copy@elsewhere.org", "editme@myexchangedomain.com"]);
    // An empty change changes nothing.
    assert_eq!(
        app.send(Method::PUT, &path, QWE, Some(&json!({})))
            .await
            .status(),
        204
    );
    assert_eq!(app.get_json(&path, QWE).await["notes"], "new notes");
}

async fn immutable_fields_and_bad_values_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    open_mailbox(&app, "fixed").await;
    let path = mailboxes_path(DOMAIN, "fixed");
    for (body, field) in [
        (json!({"username": "other"}), "username"),
        (json!({"billingStatus": "closed"}), "billingStatus"),
        (json!({"recipientLimit": 101}), "recipientLimit"),
        (json!({"admin": 3}), "admin"),
        (json!({"forwardTo": "fixed"}), "forwardTo"),
        (json!({"password": "Newpass123"}), "password"),
        (json!({"owner": {"password": "Newpass123"}}), "owner"),
        (json!({"quota": 5}), "quota"),
        (json!({"archiving": 1}), "archiving"),
        (json!({"blackberry": 1}), "blackberry"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let r = app.send(Method::PUT, &path, QWE, Some(&body)).await;
        assert_eq!(r.status(), 400, "{body}");
        assert!(error_of(r).await.1.get(field).is_some(), "{body}");
    }
    // A body read with GET, changed and sent back is taken (read-only keys at their values).
    let mut read = app.get_json(&path, QWE).await;
    read["notes"] = json!("changed by a round trip");
    let r = app.send(Method::PUT, &path, QWE, Some(&read)).await;
    assert_eq!(r.status(), 204, "{read}");
    assert_eq!(
        app.get_json(&path, QWE).await["notes"],
        "changed by a round trip"
    );
    let reset = format!("{path}?passwordReset=1");
    for (body, problem) in [
        (json!({}), "Required"),
        (
            json!({"password": "xFIXED123"}),
            "must not contain the username",
        ),
    ] {
        let r = app.send(Method::PUT, &reset, QWE, Some(&body)).await;
        assert_eq!(r.status(), 400);
        assert_eq!(error_of(r).await.1["password"], problem);
    }
    let r = app
        .send(
            Method::PUT,
            &format!("{path}?passwordReset=yes"),
            QWE,
            Some(&json!({})),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        app.send(
            Method::PUT,
            &mailboxes_path(DOMAIN, "ghost"),
            QWE,
            Some(&json!({}))
        )
        .await
        .status(),
        404
    );
}

async fn password_reset_replaces_the_hash_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    open_mailbox(&app, "resetme").await;
    let address = "resetme@myexchangedomain.com";
    let (before, _) = app.directory_hash(address).await.expect("in the directory");
    assert!(verifies("tester1234", &before));
    let path = format!("{}?passwordReset=1", mailboxes_path(DOMAIN, "resetme"));
    let r = app
        .send(
            Method::PUT,
            &path,
            QWE,
            Some(&json!({"password": "Brand9New"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    let (after, active) = app.directory_hash(address).await.expect("in the directory");
    assert_eq!(active, 1);
    assert!(
        !verifies("tester1234", &after),
        "the old password no longer works"
    );
    assert!(
        verifies("Brand9New", &after),
        "the new one does, when the 204 arrives"
    );
    // The owner can now log in to the API with it (a mailbox user reads its own mailbox).
    let own = app
        .send(
            Method::GET,
            &mailboxes_path(DOMAIN, "resetme"),
            (address, "Brand9New"),
            None,
        )
        .await;
    assert_eq!(own.status(), 200);
    assert_eq!(
        app.send(
            Method::GET,
            &mailboxes_path(DOMAIN, "resetme"),
            (address, "tester1234"),
            None
        )
        .await
        .status(),
        401
    );
}

async fn pending_mailboxes_cannot_change(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    app.order("waiting").await;
    let path = mailboxes_path(DOMAIN, "waiting");
    let r = app
        .send(Method::PUT, &path, QWE, Some(&json!({"notes": "x"})))
        .await;
    assert_eq!(r.status(), 409);
    let r = app.send(Method::DELETE, &path, QWE, None).await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body["conflict"]["message"],
        "Cannot delete pending mailboxes"
    );
    assert_eq!(body["conflict"]["details"], "");
}

async fn purge_deletes_and_frees_the_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    open_mailbox(&app, "goner").await;
    // Mail the mail server stored under the mailbox's home.
    let home = app.db.dir.path().join("vmail/myexchangedomain.com/goner");
    std::fs::create_dir_all(home.join("Maildir/new")).expect("home");
    std::fs::write(home.join("Maildir/new/1.eml"), "Subject: hi\n\nhello").expect("mail");
    let path = mailboxes_path(DOMAIN, "goner");
    let r = app.send(Method::DELETE, &path, QWE, None).await;
    assert_eq!(r.status(), 202);
    let placed = Placed::from_response(&r);
    assert!(
        placed
            .location
            .starts_with(&format!("{}/orders/", app.base))
    );
    assert_eq!(
        app.wait_final(&placed, FINAL).await["order"]["Status"],
        "Completed"
    );
    assert_eq!(app.send(Method::GET, &path, QWE, None).await.status(), 404);
    assert!(
        app.directory_hash("goner@myexchangedomain.com")
            .await
            .is_none()
    );
    assert!(!home.exists(), "mail data removed");
    assert_eq!(
        app.send(Method::DELETE, &path, QWE, None).await.status(),
        404
    );
    // The name is free again.
    open_mailbox(&app, "goner").await;
    app.assert_counts_exact().await;
}

async fn close_then_restore_keeps_the_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    open_mailbox(&app, "sleeper").await;
    let path = mailboxes_path(DOMAIN, "sleeper");
    let address = "sleeper@myexchangedomain.com";
    let r = app
        .send(Method::DELETE, &format!("{path}?purge=0"), QWE, None)
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(
        app.wait_final(&Placed::from_response(&r), FINAL).await["order"]["Status"],
        "Completed"
    );
    assert_eq!(app.get_json(&path, QWE).await["billingStatus"], "closed");
    let (hash, active) = app.directory_hash(address).await.expect("data kept");
    assert_eq!(active, 0, "login refused");
    // Closed: the name stays reserved, closing again conflicts.
    assert_eq!(
        app.post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("sleeper"))
            .await
            .status(),
        409
    );
    assert_eq!(
        app.send(Method::DELETE, &format!("{path}?purge=0"), QWE, None)
            .await
            .status(),
        409
    );
    // Restore.
    let action = format!("{path}/action");
    assert_eq!(
        app.send(
            Method::POST,
            &action,
            QWE,
            Some(&json!({"action": "explode"}))
        )
        .await
        .status(),
        400
    );
    let r = app
        .send(
            Method::POST,
            &action,
            QWE,
            Some(&json!({"action": "restore"})),
        )
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(
        app.wait_final(&Placed::from_response(&r), FINAL).await["order"]["Status"],
        "Completed"
    );
    assert_eq!(app.get_json(&path, QWE).await["billingStatus"], "open");
    let (restored, active) = app.directory_hash(address).await.expect("back");
    assert_eq!((restored.as_str(), active), (hash.as_str(), 1));
    assert!(
        verifies("tester1234", &restored),
        "the old password works again"
    );
    // Restoring an open mailbox conflicts.
    assert_eq!(
        app.send(
            Method::POST,
            &action,
            QWE,
            Some(&json!({"action": "restore"}))
        )
        .await
        .status(),
        409
    );
    app.assert_counts_exact().await;
}

async fn closed_mailboxes_are_purged_after_the_window(backend: Backend) {
    // The test runs maintenance itself; the background one (first at start-up) stays out of it.
    let app = TestApp::spawn_with(backend, |c| {
        c.worker.restore_window = Duration::ZERO;
        c.worker.maintenance_every = Duration::from_secs(3600);
    })
    .await;
    open_mailbox(&app, "expiring").await;
    let path = mailboxes_path(DOMAIN, "expiring");
    let r = app
        .send(Method::DELETE, &format!("{path}?purge=0"), QWE, None)
        .await;
    app.wait_final(&Placed::from_response(&r), FINAL).await;
    assert_eq!(app.get_json(&path, QWE).await["billingStatus"], "closed");
    let queued = app
        .server()
        .worker()
        .run_maintenance()
        .await
        .expect("maintenance")
        .purges_queued;
    assert_eq!(queued, 1);
    assert_eq!(
        app.server()
            .worker()
            .run_maintenance()
            .await
            .expect("maintenance")
            .purges_queued,
        0,
        "queued once"
    );
    let deadline = std::time::Instant::now() + FINAL;
    while app.send(Method::GET, &path, QWE, None).await.status() != 404 {
        assert!(std::time::Instant::now() < deadline, "not purged");
        tokio::time::sleep(Duration::from_millis(20)).await; // poll interval, bounded by the deadline
    }
    assert!(
        app.directory_hash("expiring@myexchangedomain.com")
            .await
            .is_none()
    );
    app.assert_counts_exact().await;
}

async fn purging_frees_a_plan_slot(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_exchange("two.example.com", 2).await;
    for name in ["one", "two"] {
        let placed = app.order_in("two.example.com", name).await;
        app.wait_final(&placed, FINAL).await;
    }
    // A third one is paid; cancelling that order gives its slot and name back.
    let q = crate::paid::order_paid(&app, "two.example.com", "three", None).await;
    let r = crate::paid::call(
        &app,
        Method::DELETE,
        &format!("/orders/{}", q.order_id),
        None,
        Some(&q.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    let e = app
        .get_json(&format!("/accounts/{ACCT}/exchange/two.example.com"), QWE)
        .await;
    assert_eq!(
        (&e["usedMailboxes"], &e["nextMailboxPrice"]),
        (&json!(2), &json!(["5.18", "USD"]))
    );
    // A closed mailbox still holds its slot; a purged one does not.
    let r = app
        .send(
            Method::DELETE,
            &mailboxes_path("two.example.com", "one"),
            QWE,
            None,
        )
        .await;
    app.wait_final(&Placed::from_response(&r), FINAL).await;
    let placed = app.order_in("two.example.com", "three").await;
    assert_eq!(
        app.wait_final(&placed, FINAL).await["order"]["Status"],
        "Completed"
    );
    app.assert_counts_exact().await;
}

on_both_backends!(
    every_changeable_field_round_trips,
    immutable_fields_and_bad_values_are_refused,
    password_reset_replaces_the_hash_at_once,
    pending_mailboxes_cannot_change,
    purge_deletes_and_frees_the_name,
    close_then_restore_keeps_the_password,
    closed_mailboxes_are_purged_after_the_window,
    purging_frees_a_plan_slot,
);
