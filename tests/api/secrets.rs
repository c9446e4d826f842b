//! No plaintext password reaches the database: the mailbox owners' and the API users'.

use std::time::Duration;

use serde_json::json;
use sqlx::Row;

use crate::helpers::{ACCT, Backend, DOMAIN, QWE, TestApp};
use crate::on_both_backends;

const OWNER_PASSWORDS: [&str; 3] = ["tester1234", "Zebra9Quokka", "Paid4Nothing7"];

async fn plaintext_passwords_are_never_stored(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let mut placed = Vec::new();
    for (i, password) in OWNER_PASSWORDS.iter().enumerate() {
        let body = json!({"owner": {"username": format!("secret{i}"), "password": password}, "forwardTo": "fwd"});
        let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
        assert_eq!(r.status(), 202);
        placed.push(crate::helpers::Placed::from_response(&r));
    }
    for p in &placed {
        assert_eq!(
            app.wait_final(p, Duration::from_secs(20)).await["order"]["Status"],
            "Completed"
        );
    }
    let mut secrets: Vec<&str> = OWNER_PASSWORDS.to_vec();
    secrets.extend([QWE.1, crate::helpers::MALLORY.1]);

    if app.db.is_sqlite() {
        app.stop().await;
        // Every byte the database left on disk: the file, and any WAL or journal beside it.
        let dir = app.db.dir.path().join("db");
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).expect("db dir") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
            files += 1;
            for s in &secrets {
                assert!(
                    !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                    "{s:?} found in the database files"
                );
            }
        }
        assert!(files >= 1);
    } else {
        // Every row of every table, as text.
        let pool = app.db.pool().await;
        let tables: Vec<String> = sqlx::query("SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'")
            .fetch_all(&pool)
            .await
            .expect("tables")
            .iter()
            .map(|r| r.get("t"))
            .collect();
        assert!(tables.len() >= 8, "{tables:?}");
        for t in tables {
            let rows = sqlx::query(&format!("SELECT CAST(x AS TEXT) AS row FROM {t} x"))
                .fetch_all(&pool)
                .await
                .expect("rows");
            for r in rows {
                let row: String = r.get("row");
                for s in &secrets {
                    assert!(!row.contains(s), "{s:?} found in table {t}");
                }
            }
        }
    }
}

/// Passwords, hashes, `Authorization` and `Cookie` values never reach the logs: a run through
/// ordering (free and paid), a password reset, failed logins and errors, then the captured log
/// output of the whole test run so far is searched for them.
async fn secrets_never_reach_the_logs(backend: Backend) {
    use base64::Engine;
    use reqwest::Method;
    let app = TestApp::spawn(backend).await;
    let (owner, reset, wrong) = ("LogSecret9x", "LogSecret8y", "WrongSecret7z");
    let trace = format!("secrets-{}", uuid::Uuid::new_v4());
    let body = json!({"owner": {"username": "logged", "password": owner}});
    let r = app
        .client
        .post(app.url(&format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes")))
        .basic_auth(QWE.0, Some(QWE.1))
        .header("X-Request-Id", &trace)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 202);
    let placed = crate::helpers::Placed::from_response(&r);
    app.wait_final(&placed, Duration::from_secs(20)).await;
    let path = format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/logged?passwordReset=1");
    let r = app
        .send(Method::PUT, &path, QWE, Some(&json!({"password": reset})))
        .await;
    assert_eq!(r.status(), 204);
    let paid = crate::paid::order_paid(&app, "paid.example.com", "loggedpaid", None).await;
    let r = crate::paid::call(
        &app,
        Method::POST,
        &format!("/orders/{}/action", paid.order_id),
        None,
        Some(&paid.cookie),
        Some(&json!({"action": "submit"})),
    )
    .await;
    assert_eq!(r.status(), 202);
    for who in [(QWE.0, wrong), ("logged@myexchangedomain.com", owner)] {
        assert_eq!(
            app.send(Method::GET, "/orders", who, None).await.status(),
            401
        );
    }
    let bad = app
        .client
        .get(app.url("/orders"))
        .header("Authorization", format!("Basic {wrong}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), 401);

    let logs = crate::helpers::captured_logs();
    assert!(
        logs.contains(&trace),
        "the run's requests are in the captured logs"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", QWE.0, QWE.1));
    let cookie_value = paid.cookie.trim_start_matches("OwnerId=").to_owned();
    let owner_cookie = placed.cookie.trim_start_matches("OwnerId=").to_owned();
    for secret in [
        owner,
        reset,
        wrong,
        QWE.1,
        basic.as_str(),
        cookie_value.as_str(),
        owner_cookie.as_str(),
        "$argon2id$",
        "tester1234",
    ] {
        assert!(!logs.contains(secret), "{secret:?} appears in the logs");
    }
}

on_both_backends!(
    plaintext_passwords_are_never_stored,
    secrets_never_reach_the_logs
);
