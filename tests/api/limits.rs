//! The request limits every route passes: rates per client address and per login (`429`),
//! request-target and header sizes (`414`, `431`), JSON depth (`400`), requests in flight
//! (`503` at once) and the per-request deadline (`503`), each with Hostway's error body.

use std::time::{Duration, Instant};

use mailorder::limits::RateConfig;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;
use crate::on_both_backends;

fn client_from(last_octet: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
        .build()
        .expect("client")
}

async fn get_accounts(
    app: &TestApp,
    client: &reqwest::Client,
    auth: (&str, &str),
    forwarded: Option<&str>,
) -> reqwest::Response {
    let mut req = client
        .get(app.url("/accounts"))
        .basic_auth(auth.0, Some(auth.1));
    if let Some(f) = forwarded {
        req = req.header("X-Forwarded-For", f);
    }
    req.send().await.expect("sent")
}

/// `429` with `Retry-After` and the error body, naming what was over its rate.
async fn assert_limited(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let body: serde_json::Value = r.json().await.expect("json");
    let message = body["tooManyRequests"]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains(what), "{message}");
}

async fn addresses_are_limited_one_by_one(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.limits.rate = RateConfig {
            per_address: 60,
            per_login: 0,
        };
    })
    .await;
    let here = client_from(1);
    // Probes do not count.
    for _ in 0..20 {
        let r = here.get(app.url("/healthz")).send().await.expect("sent");
        assert_eq!(r.status(), 200);
    }
    // 60 a minute holds ten seconds' worth.
    for n in 0..10 {
        let r = get_accounts(&app, &here, QWE, None).await;
        assert_eq!(r.status(), 200, "request {n}");
    }
    assert_limited(get_accounts(&app, &here, QWE, None).await, "address").await;
    // Unauthenticated requests are counted too (the limit comes before credentials).
    let r = here.get(app.url("/accounts")).send().await.expect("sent");
    assert_eq!(r.status(), 429);
    let there = client_from(2);
    let r = get_accounts(&app, &there, QWE, None).await;
    assert_eq!(r.status(), 200, "another address has its own rate");
    // Behind a proxy nobody named, X-Forwarded-For is not believed.
    let r = get_accounts(&app, &here, QWE, Some("203.0.113.9")).await;
    assert_eq!(r.status(), 429);
}

async fn a_trusted_proxy_names_the_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.limits.rate = RateConfig {
            per_address: 60,
            per_login: 0,
        };
        c.limits.trusted_proxies = vec!["127.0.0.0/8".parse().expect("net")];
    })
    .await;
    let proxy = client_from(1);
    for _ in 0..10 {
        let r = get_accounts(&app, &proxy, QWE, Some("203.0.113.1")).await;
        assert_eq!(r.status(), 200);
    }
    assert_limited(
        get_accounts(&app, &proxy, QWE, Some("203.0.113.1")).await,
        "address",
    )
    .await;
    // A client that forges the header in front is still counted by what the proxy added.
    assert_limited(
        get_accounts(&app, &proxy, QWE, Some("198.51.100.1, 203.0.113.1")).await,
        "address",
    )
    .await;
    let r = get_accounts(&app, &proxy, QWE, Some("203.0.113.2")).await;
    assert_eq!(
        r.status(),
        200,
        "each client behind the proxy has its own rate"
    );
}

async fn logins_are_limited_once_known(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.limits.rate = RateConfig {
            per_address: 0,
            per_login: 6,
        };
    })
    .await;
    let client = client_from(1);
    // Wrong passwords do not use the login's rate: a guesser cannot hold the user up that way.
    for _ in 0..5 {
        let r = get_accounts(&app, &client, (QWE.0, "not-the-password-1"), None).await;
        assert_eq!(r.status(), 401);
    }
    let r = get_accounts(&app, &client, QWE, None).await;
    assert_eq!(r.status(), 200);
    // 6 a minute holds one at once; another address is the same login.
    let elsewhere = client_from(2);
    assert_limited(get_accounts(&app, &elsewhere, QWE, None).await, "login").await;
    let r = get_accounts(&app, &client, MALLORY, None).await;
    assert_eq!(r.status(), 200, "another login has its own rate");
}

async fn oversized_requests_get_error_bodies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long = format!("/accounts?filterStatus={}", "o".repeat(9000));
    let r = app.client.get(app.url(&long)).send().await.expect("sent");
    assert_eq!(r.status(), 414);
    assert_eq!(error_of(r).await.0, "requestUriTooLong");

    let mut req = app.client.get(app.url("/accounts"));
    for n in 0..70 {
        req = req.header(format!("x-filler-{n}"), "x");
    }
    let r = req.send().await.expect("sent");
    assert_eq!(r.status(), 431);
    assert_eq!(error_of(r).await.0, "requestHeaderFieldsTooLarge");
    let r = app
        .client
        .get(app.url("/accounts"))
        .header("x-filler", "x".repeat(17 * 1024))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 431);

    let mut deep = json!("bottom");
    for _ in 0..40 {
        deep = json!({ "d": deep });
    }
    let r = app
        .post_mailbox(QWE, ACCT, DOMAIN, &json!({"owner": deep}))
        .await;
    assert_eq!(r.status(), 400);
    let (kind, details) = error_of(r).await;
    assert_eq!(kind, "badRequest");
    assert!(
        details.as_str().is_some_and(|d| d.contains("nested")),
        "{details}"
    );
}

/// Opens a mailbox order whose body never finishes arriving: the request holds its place in
/// flight (its handler waits for the body) until the connection closes.
async fn stalled_order(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.server().addr())
        .await
        .expect("connect");
    let head = format!(
        "POST /accounts/{ACCT}/exchange/{DOMAIN}/mailboxes HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Basic cXdlQHBhcnRuZXJfYXBpX2RldmVsb3Blcl91c19tYWluOml1MzR0OGhm\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"owner\":"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream
}

async fn busy_instances_shed_at_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.limits.max_in_flight = 1).await;
    let stalled = stalled_order(&app).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let shed = loop {
        let r = app
            .client
            .get(app.url("/accounts"))
            .send()
            .await
            .expect("sent");
        if r.status() == 503 {
            break r;
        }
        assert!(Instant::now() < deadline, "never shed: {}", r.status());
        tokio::task::yield_now().await;
    };
    assert_eq!(shed.headers()["retry-after"], "1");
    let (kind, _) = error_of(shed).await;
    assert_eq!(kind, "serviceUnavailable");
    let r = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200, "probes are not shed");
    drop(stalled);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = get_accounts(&app, &app.client, QWE, None).await;
        if r.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still shed: {}", r.status());
        tokio::task::yield_now().await;
    }
}

async fn slow_requests_meet_their_deadline(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.limits.request_timeout = Duration::from_secs(1);
    })
    .await;
    let started = Instant::now();
    let mut stalled = stalled_order(&app).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&answer).contains("}}") {
            let n = stalled.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within 10 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Request took too long"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 5"),
        "{answer}"
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
}

on_both_backends!(
    addresses_are_limited_one_by_one,
    a_trusted_proxy_names_the_client,
    logins_are_limited_once_known,
    oversized_requests_get_error_bodies,
    busy_instances_shed_at_once,
    slow_requests_meet_their_deadline,
);
