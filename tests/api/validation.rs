//! Every input rule of the mailbox order, each rejected with `400` naming the field.

use base64::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{ACCT, Backend, DOMAIN, QWE, TestApp, error_of, seed_body};
use crate::on_both_backends;

/// (JSON pointer into the seed body, value to put there or `None` to remove, field named in
/// `details`).
fn cases() -> Vec<(&'static str, Option<Value>, &'static str)> {
    let long = |n: usize| json!("x".repeat(n));
    vec![
        ("/owner", None, "owner"),
        ("/owner", Some(json!("a.a")), "owner"),
        ("/owner/username", None, "owner.username"),
        ("/owner/username", Some(json!("")), "owner.username"),
        ("/owner/username", Some(json!("A.a")), "owner.username"),
        ("/owner/username", Some(json!(".a")), "owner.username"),
        ("/owner/username", Some(json!("a.")), "owner.username"),
        ("/owner/username", Some(json!("a..a")), "owner.username"),
        ("/owner/username", Some(json!("a b")), "owner.username"),
        ("/owner/username", Some(json!("a+b")), "owner.username"),
        (
            "/owner/username",
            Some(json!("administrator")),
            "owner.username",
        ),
        ("/owner/username", Some(json!("admins")), "owner.username"),
        ("/owner/username", Some(json!("helpdesk")), "owner.username"),
        ("/owner/username", Some(json!("HelpDesk")), "owner.username"),
        ("/owner/username", Some(long(26)), "owner.username"),
        ("/owner/username", Some(json!(42)), "owner.username"),
        ("/owner/password", None, "owner.password"),
        ("/owner/password", Some(json!("short1A")), "owner.password"),
        (
            "/owner/password",
            Some(json!("a1234567890123456789X")),
            "owner.password",
        ),
        (
            "/owner/password",
            Some(json!("has space1")),
            "owner.password",
        ),
        (
            "/owner/password",
            Some(json!("nodigitshere")),
            "owner.password",
        ),
        (
            "/owner/password",
            Some(json!("1234567890")),
            "owner.password",
        ),
        ("/admin", Some(json!(2)), "admin"),
        ("/admin", Some(json!("1")), "admin"),
        ("/recipientLimit", Some(json!(0)), "recipientLimit"),
        ("/recipientLimit", Some(json!(101)), "recipientLimit"),
        ("/recipientLimit", Some(json!(-1)), "recipientLimit"),
        ("/recipientLimit", Some(json!("10")), "recipientLimit"),
        ("/notes", Some(long(1025)), "notes"),
        ("/notes", Some(json!("bell\u{7}")), "notes"),
        (
            "/deliverRedirect",
            Some(json!("not an address")),
            "deliverRedirect",
        ),
        (
            "/deliverRedirect",
            Some(json!("x@nodot")),
            "deliverRedirect",
        ),
        ("/deliverRedirect", Some(json!("a.a")), "deliverRedirect"),
        ("/forwardTo", Some(json!("two..dots")), "forwardTo"),
        (
            "/forwardTo",
            Some(json!("a.a@myexchangedomain.com")),
            "forwardTo",
        ),
        ("/forwardTo", Some(json!(["x"])), "forwardTo"),
        ("/name", Some(json!("John")), "name"),
        ("/name/name", Some(long(65)), "name.name"),
        ("/name/title", Some(json!(7)), "name.title"),
        ("/address/address", Some(long(129)), "address.address"),
        ("/address/zip", Some(long(17)), "address.zip"),
        ("/address/country", Some(long(65)), "address.country"),
        ("/phones/mobile", Some(json!("call me")), "phones.mobile"),
        ("/phones/fax", Some(json!("1".repeat(33))), "phones.fax"),
    ]
}

fn apply(pointer: &str, value: Option<Value>) -> Value {
    let mut body = seed_body();
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let target = body
        .pointer_mut(parent)
        .expect("parent exists")
        .as_object_mut()
        .expect("object");
    match value {
        Some(v) => target.insert(key.to_owned(), v),
        None => target.remove(key),
    };
    body
}

async fn every_rule_is_enforced_with_the_field_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (pointer, value, field) in cases() {
        let body = apply(pointer, value.clone());
        let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
        assert_eq!(r.status(), 400, "{pointer} = {value:?} was accepted");
        let (kind, details) = error_of(r).await;
        assert_eq!(kind, "badRequest");
        assert!(
            details.get(field).is_some_and(Value::is_string),
            "{pointer} = {value:?}: details {details}"
        );
    }
    // Optional fields may be left out or null; unknown fields are ignored.
    let minimal = json!({"owner": {"username": "minimal", "password": "Secret123"}, "extra": {"x": 1}, "notes": null});
    assert_eq!(
        app.post_mailbox(QWE, ACCT, DOMAIN, &minimal).await.status(),
        202
    );
    assert_eq!(
        app.post_mailbox(QWE, ACCT, DOMAIN, &seed_body())
            .await
            .status(),
        202,
        "the seed body is accepted"
    );
}

async fn message_and_all_problems_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"owner": {"username": "Bad!"}, "recipientLimit": 500});
    let r = app.post_mailbox(QWE, ACCT, DOMAIN, &body).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["badRequest"]["message"], "POST data error");
    let details = body["badRequest"]["details"].as_object().expect("object");
    let mut keys: Vec<&String> = details.keys().collect();
    keys.sort();
    assert_eq!(keys, ["owner.password", "owner.username", "recipientLimit"]);
}

async fn bodies_that_are_not_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = app.url(&format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes"));
    let send = |ct: Option<&'static str>, body: &'static str| {
        let mut req = app
            .client
            .post(&url)
            .basic_auth(QWE.0, Some(QWE.1))
            .body(body);
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        req.send()
    };
    let r = send(None, "{}").await.expect("sent");
    assert_eq!(r.status(), 415);
    assert_eq!(error_of(r).await.0, "unsupportedMediaType");
    let r = send(Some("text/plain"), "{}").await.expect("sent");
    assert_eq!(r.status(), 415);
    let r = send(Some("application/json"), "{\"owner\": ")
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    assert_eq!(error_of(r).await.0, "badRequest");
    let r = send(Some("application/json"), "[1, 2]")
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    assert!(error_of(r).await.1.get("body").is_some());
    let r = send(Some("application/json; charset=UTF-8"), "\"just a string\"")
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    // Over the 2 MB limit: 413 with Hostway's body. Sent raw, the whole body written before the
    // answer is read, so that the server has read everything when it answers.
    let addr = app.server().addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = format!("{}:{}", QWE.0, QWE.1);
    let size = (2 << 20) + 10;
    let mut request = format!(
        "POST /accounts/{ACCT}/exchange/{DOMAIN}/mailboxes HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n",
        base64::engine::general_purpose::STANDARD.encode(auth),
    )
    .into_bytes();
    request.resize(request.len() + size, b' ');
    let (mut read, mut write) = stream.split();
    let mut answer = Vec::new();
    let (sent, got) = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        tokio::join!(write.write_all(&request), read.read_to_end(&mut answer))
    })
    .await
    .expect("answered within 10 s");
    drop(sent); // the server may close before the last bytes are taken
    got.expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("{\"requestEntityTooLarge\":"), "{answer}");
    // A path parameter that is not UTF-8: 400, not a 500.
    let r = app
        .get(
            &app.url(&format!("/accounts/%FF/exchange/{DOMAIN}")),
            Some(QWE),
            None,
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(error_of(r).await.0, "badRequest");
}

async fn unknown_routes_and_methods(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.get(&app.url("/no/such/thing"), None, None).await;
    assert_eq!(r.status(), 404);
    assert_eq!(error_of(r).await.0, "itemNotFound");
    let r = app
        .client
        .patch(app.url(&format!("/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes")))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 405);
    let mut allow: Vec<&str> = r.headers()["allow"]
        .to_str()
        .expect("ascii")
        .split(',')
        .map(str::trim)
        .collect();
    allow.sort();
    assert_eq!(allow, ["GET", "HEAD", "OPTIONS", "POST"]);
    assert_eq!(error_of(r).await.0, "methodNotAllowed");
}

on_both_backends!(
    every_rule_is_enforced_with_the_field_named,
    message_and_all_problems_at_once,
    bodies_that_are_not_json,
    unknown_routes_and_methods,
);
