//! Operations: `/healthz`, `/readyz`, `/metrics`, and `X-Request-Id`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

async fn get_text(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.client.get(app.url(path)).send().await.expect("sent");
    (r.status().as_u16(), r.text().await.expect("text"))
}

/// The value of one sample line (`name{labels} value`) of the exposition, if present.
fn sample(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = get_text(&app, "/healthz").await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        body,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    let (status, body) = get_text(&app, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["checks"], json!({"database": "ok", "workers": "ok"}));

    // An API-only process is ready without workers; one whose workers stopped is not.
    let api_only = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let (status, body) = get_text(&api_only, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("none configured"), "{body}");
}

async fn metrics_follow_requests_and_orders(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let (_, before) = get_text(&app, "/metrics").await;
    assert!(before.ends_with("# EOF\n"), "OpenMetrics text");
    let placed = app.order("counted").await;
    let r = app
        .send(
            Method::GET,
            "/orders",
            ("qwe@partner_api_developer_us_main", "wrongpass1"),
            None,
        )
        .await;
    assert_eq!(r.status(), 401);
    let (_, mid) = get_text(&app, "/metrics").await;
    let post = r#"mailorder_http_requests_total{method="POST",route="/accounts/{account}/exchange/{domain}/mailboxes",status="202"}"#;
    assert_eq!(sample(&mid, post), Some(1.0), "{mid}");
    assert_eq!(sample(&mid, "mailorder_auth_failures_total"), Some(1.0));
    assert_eq!(
        sample(
            &mid,
            r#"mailorder_orders_accepted_total{kind="free_mailbox"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&mid, "mailorder_queue_depth"),
        Some(1.0),
        "one step queued"
    );
    assert_eq!(
        sample(&mid, r#"mailorder_orders{status="Processing"}"#),
        Some(1.0)
    );
    assert!(
        !mid.contains("acct999999") && !mid.contains("counted"),
        "labels are route templates, not paths"
    );

    app.drain_queue().await;
    assert_eq!(
        app.order_status(&placed).await["order"]["Status"],
        "Completed"
    );
    let (_, after) = get_text(&app, "/metrics").await;
    assert_eq!(sample(&after, "mailorder_queue_depth"), Some(0.0));
    assert_eq!(
        sample(&after, "mailorder_queue_oldest_age_seconds"),
        Some(0.0)
    );
    assert_eq!(
        sample(&after, r#"mailorder_orders{status="Completed"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&after, r#"mailorder_orders{status="Processing"}"#),
        Some(0.0),
        "a status whose orders moved on reads 0, not its last count"
    );
    let step = r#"mailorder_provisioning_step_duration_seconds_count{driver="directory",step="create_mailbox",outcome="ok"}"#;
    assert_eq!(sample(&after, step), Some(1.0), "{after}");
}

async fn request_ids_are_echoed_and_name_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .client
        .get(app.url("/orders/0000000000000000000000000000000000000000"))
        .basic_auth(QWE.0, Some(QWE.1))
        .header("X-Request-Id", "partner-trace-42")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-request-id"], "partner-trace-42");
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["itemNotFound"]["guid"], "partner-trace-42");

    // Without one (or with an unusable one), a fresh id is made, echoed and used.
    // An id that could forge a field of the human log line is not taken either.
    for sent in [
        None,
        Some("has spaces in it"),
        Some("x\"status=200"),
        Some("a=b"),
    ] {
        let mut req = app.client.get(app.url("/no-such-route"));
        if let Some(v) = sent {
            req = req.header("X-Request-Id", v);
        }
        let r = req.send().await.expect("sent");
        let id = r.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["itemNotFound"]["guid"], id.as_str());
    }
    let r = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert!(r.headers().contains_key("x-request-id"), "on successes too");
}

on_both_backends!(
    health_and_readiness,
    metrics_follow_requests_and_orders,
    request_ids_are_echoed_and_name_errors,
);
