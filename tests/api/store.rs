//! What the store guarantees beyond the API's own tests: a stored row that does not decode is an
//! internal error answered `500` with the error body and its `guid` (logged with the cause), not
//! a panic; the server goes on answering.

use std::time::Duration;

use crate::helpers::{ACCT, Backend, DOMAIN, QWE, TestApp, captured_logs, error_of};
use crate::on_both_backends;

on_both_backends!(a_row_that_does_not_decode_is_a_500);

async fn a_row_that_does_not_decode_is_a_500(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = app.order("undecodable").await;
    app.wait_final(&placed, Duration::from_secs(20)).await;
    let pool = app.db.pool().await;
    let id = placed.location.rsplit('/').next().expect("order id");
    sqlx::query(&format!(
        "UPDATE orders SET status = 'Mislaid' WHERE id = '{id}'"
    ))
    .execute(&pool)
    .await
    .expect("corrupt the order's status");

    let r = app.get(&placed.location, Some(QWE), None).await;
    assert_eq!(r.status(), 500);
    let guid = r.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: serde_json::Value = r.json().await.expect("the error body");
    assert_eq!(body["serverError"]["guid"], guid.as_str(), "{body}");
    assert_eq!(body["serverError"]["message"], "Internal server error");
    assert!(
        !body.to_string().contains("Mislaid"),
        "no internals: {body}"
    );
    let logs = captured_logs();
    let logged = logs
        .lines()
        .find(|l| l.contains(&guid) && l.contains("request failed"))
        .unwrap_or_else(|| panic!("the failure is logged under {guid}"));
    assert!(logged.contains("Mislaid"), "with its cause: {logged}");

    // A column of the wrong type (SQLite stores what it is given): the same answer.
    if backend == Backend::Sqlite {
        sqlx::query("UPDATE mailboxes SET quota_mb = 'plenty' WHERE username = 'undecodable'")
            .execute(&pool)
            .await
            .expect("corrupt the quota");
        let mailbox = app.url(&format!(
            "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/undecodable"
        ));
        let r = app.get(&mailbox, Some(QWE), None).await;
        assert_eq!(r.status(), 500);
        assert_eq!(error_of(r).await.0, "serverError");
    }

    // The server goes on: other orders are read and placed.
    let other = app.order("decodable").await;
    let done = app.wait_final(&other, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Completed");
}
