//! Webhooks: a local receiver gets signed events for a free order's life and verifies them;
//! a receiver that is down gets the event after a retry, and after a restart of the server;
//! another franchise (or another account's user) hears nothing; failing for the give-up time
//! turns a subscription off; the policy refuses private, loopback and link-local targets (and
//! names that resolve to them); subscriptions are changed, tested and deleted.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    signed_events_follow_a_free_order,
    a_receiver_that_was_down_gets_it_on_a_retry,
    pending_deliveries_survive_a_restart,
    only_those_who_may_read_it_hear_it,
    failing_subscriptions_are_turned_off,
    subscriptions_are_changed_tested_and_deleted,
    every_resource_has_its_events,
    a_purge_and_a_suspension_are_heard_as_they_should,
);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    fn header(&self, name: &str) -> &str {
        self.headers[name].to_str().expect("ascii")
    }
}

/// A webhook receiver on loopback: records every request, answers `answer`.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
    arrived: Arc<Notify>,
}

impl Receiver {
    async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answer = Arc::new(AtomicU16::new(200));
        let arrived = Arc::new(Notify::new());
        let (g, a, n) = (Arc::clone(&got), Arc::clone(&answer), Arc::clone(&arrived));
        let app =
            axum::Router::new().fallback(move |headers: HeaderMap, body: axum::body::Bytes| {
                let (g, a, n) = (Arc::clone(&g), Arc::clone(&a), Arc::clone(&n));
                async move {
                    g.lock().expect("not poisoned").push(Received {
                        headers,
                        body: body.to_vec(),
                    });
                    n.notify_waiters();
                    StatusCode::from_u16(a.load(Ordering::SeqCst)).expect("status")
                }
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/hooks/mailorder",
            listener.local_addr().expect("addr")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            got,
            answer,
            arrived,
        }
    }

    fn all(&self) -> Vec<Received> {
        self.got.lock().expect("not poisoned").clone()
    }

    /// Waits (deadline: 20 s) until what was received satisfies `done`.
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let arrived = self.arrived.notified();
            let all = self.all();
            if done(&all) {
                return all;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "the receiver never got {what}: {all:?}");
            let _ = tokio::time::timeout(left, arrived).await;
        }
    }
}

/// `v1=hex(HMAC-SHA256(secret, "{timestamp}.{body}"))`, as docs/webhooks.md tells receivers.
fn verify(secret: &str, r: &Received) -> bool {
    use hmac::{Hmac, Mac};
    let timestamp = r.header("x-mailorder-timestamp");
    let sent: i64 = timestamp.parse().expect("seconds");
    let now = mailorder::now_ms() / 1000;
    if (now - sent).abs() > 300 {
        return false;
    }
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&r.body);
    let expected = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    r.header("x-mailorder-signature") == format!("v1={expected}")
}

/// Subscribes `url` to `events` as `auth`: (id, secret).
async fn subscribe(
    app: &TestApp,
    auth: (&str, &str),
    url: &str,
    events: &[&str],
) -> (String, String) {
    let r = app
        .send(
            Method::POST,
            "/webhooks",
            auth,
            Some(&json!({"url": url, "events": events})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = location_id(&r);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["id"], id.as_str());
    let secret = body["secret"]
        .as_str()
        .expect("the secret, shown once")
        .to_owned();
    (id, secret)
}

/// Reads `path` as `auth` until `done` holds (deadline: 20 s; polled like `wait_final`).
async fn read_until(
    app: &TestApp,
    path: &str,
    auth: (&str, &str),
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = app.get_json(path, auth).await;
        if done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} never got there: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await; // poll interval, bounded by the deadline
    }
}

fn of_type<'a>(all: &'a [Received], kind: &str) -> Vec<&'a Received> {
    all.iter().filter(|r| r.json()["type"] == kind).collect()
}

async fn signed_events_follow_a_free_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start().await;
    let (id, secret) = subscribe(
        &app,
        QWE,
        &receiver.url,
        &["order.status_changed", "mailbox.created"],
    )
    .await;
    assert!(secret.starts_with("whsec_"));
    let placed = app.order("hooked").await;
    let done = app.wait_final(&placed, Duration::from_secs(20)).await;
    assert_eq!(done["order"]["Status"], "Completed");
    let all = receiver
        .wait_for("the completion and the mailbox", |all| {
            of_type(all, "mailbox.created").len() == 1
                && of_type(all, "order.status_changed")
                    .iter()
                    .any(|r| r.json()["data"]["order"]["Status"] == "Completed")
        })
        .await;
    for r in &all {
        assert!(verify(&secret, r), "a valid signature: {r:?}");
        assert!(!verify("whsec_another", r), "not under another secret");
        let event = r.json();
        assert!(event["id"].as_str().is_some_and(|i| i.starts_with("evt_")));
        assert!(event["created"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert_eq!(
            r.header("x-mailorder-event"),
            event["type"].as_str().expect("type")
        );
        assert_eq!(r.header("content-type"), "application/json");
    }
    let created = of_type(&all, "mailbox.created")[0].json();
    assert_eq!(
        created["resource"],
        app.url(&format!(
            "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/hooked"
        ))
    );
    assert_eq!(created["data"]["username"], "hooked");
    assert_eq!(
        created["data"]["billingStatus"], "open",
        "the document as it is now"
    );
    assert!(
        !created.to_string().contains("tester1234"),
        "no password in an event"
    );
    let order = of_type(&all, "order.status_changed")[0].json();
    assert_eq!(order["resource"], placed.location.trim_end_matches('/'));
    // The deliveries say so too (once their outcomes are recorded).
    let deliveries = read_until(&app, &format!("/webhooks/{id}/deliveries"), QWE, |l| {
        l["list"]
            .as_array()
            .is_some_and(|l| l.iter().all(|d| d["status"] == "delivered"))
    })
    .await;
    let list = deliveries["list"].as_array().expect("list");
    assert!(list.len() >= 2);
    for d in list {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["lastStatus"], 200);
        assert_eq!(d["attempts"], 1);
    }
}

async fn a_receiver_that_was_down_gets_it_on_a_retry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start().await;
    receiver.answer.store(503, Ordering::SeqCst);
    let (id, secret) = subscribe(&app, QWE, &receiver.url, &["mailbox.created"]).await;
    let r = app
        .send(Method::POST, &format!("/webhooks/{id}/test"), QWE, None)
        .await;
    assert_eq!(r.status(), 202);
    let delivery = r.headers()["location"].to_str().expect("ascii").to_owned();
    receiver
        .wait_for("a first attempt", |all| !all.is_empty())
        .await;
    // Refused: still pending, with what went wrong and when it is tried next.
    let failed = read_until(&app, &delivery, QWE, |d| d["lastStatus"] == 503).await;
    assert_eq!(failed["status"], "pending", "{failed}");
    assert!(failed["nextAttempt"].is_string());
    assert!(
        failed["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("503"))
    );
    receiver.answer.store(200, Ordering::SeqCst);
    let done = read_until(&app, &delivery, QWE, |d| d["status"] == "delivered").await;
    assert!(done["attempts"].as_i64().expect("attempts") >= 2);
    assert_eq!(done["lastStatus"], 200);
    assert_eq!(done["nextAttempt"], Value::Null);
    let last = receiver.all().pop().expect("a request");
    assert!(verify(&secret, &last));
    assert_eq!(last.json()["type"], "webhook.test");
}

async fn pending_deliveries_survive_a_restart(backend: Backend) {
    let mut app = TestApp::spawn_with(backend, |c| {
        c.webhooks.retry_base = Duration::from_secs(3600);
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.answer.store(500, Ordering::SeqCst);
    let (id, secret) = subscribe(&app, QWE, &receiver.url, &["mailbox.created"]).await;
    let placed = app.order("survivor").await;
    app.wait_final(&placed, Duration::from_secs(20)).await;
    receiver
        .wait_for("a first attempt", |all| !all.is_empty())
        .await;
    // The next attempt is an hour away; the server stops with it pending.
    app.stop().await;
    receiver.answer.store(200, Ordering::SeqCst);
    let pool = app.db.pool().await;
    sqlx::query("UPDATE webhook_deliveries SET next_at = 0 WHERE state = 'pending'")
        .execute(&pool)
        .await
        .expect("due now");
    pool.close().await;
    let again = TestApp::spawn_on(&app.db.url, |_| {}).await;
    let all = receiver
        .wait_for("the delivery after the restart", |all| all.len() >= 2)
        .await;
    let last = all.last().expect("a request");
    assert!(verify(&secret, last), "the secret opens after a restart");
    assert_eq!(last.json()["type"], "mailbox.created");
    read_until(&again, &format!("/webhooks/{id}/deliveries"), QWE, |list| {
        list["list"][0]["status"] == "delivered"
    })
    .await;
}

async fn only_those_who_may_read_it_hear_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let (agent, carol, bob, mallory) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let every = ["order.status_changed", "mailbox.created", "mailbox.updated"];
    subscribe(&app, QWE, &agent.url, &every).await;
    subscribe(&app, CAROL, &carol.url, &every).await;
    let (bob_id, _) = subscribe(&app, BOB, &bob.url, &every).await;
    let (mallory_id, _) = subscribe(&app, MALLORY, &mallory.url, &every).await;
    let placed = app.order("private").await;
    app.wait_final(&placed, Duration::from_secs(20)).await;
    for (who, receiver) in [("the agent", &agent), ("the account's user", &carol)] {
        receiver
            .wait_for(who, |all| of_type(all, "mailbox.created").len() == 1)
            .await;
    }
    // By now every event of the order has been fanned out: the others have none.
    for (auth, id, receiver) in [(BOB, &bob_id, &bob), (MALLORY, &mallory_id, &mallory)] {
        let list = app
            .get_json(&format!("/webhooks/{id}/deliveries"), auth)
            .await;
        assert_eq!(list["list"], json!([]), "{}", auth.0);
        assert!(receiver.all().is_empty());
    }
    // Nor do they see the others' subscriptions.
    let theirs = app.get_json("/webhooks", MALLORY).await;
    assert_eq!(theirs["list"].as_array().expect("list").len(), 1);
    let r = app
        .send(Method::GET, &format!("/webhooks/{bob_id}"), CAROL, None)
        .await;
    assert_eq!(r.status(), 404, "another account's user's subscription");
    let ours = app.get_json("/webhooks", QWE).await;
    assert_eq!(
        ours["list"].as_array().expect("list").len(),
        3,
        "the franchise's"
    );
}

async fn failing_subscriptions_are_turned_off(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.webhooks.give_up_after = Duration::from_millis(400);
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.answer.store(500, Ordering::SeqCst);
    let (id, _) = subscribe(&app, QWE, &receiver.url, &["mailbox.created"]).await;
    let r = app
        .send(Method::POST, &format!("/webhooks/{id}/test"), QWE, None)
        .await;
    let delivery = r.headers()["location"].to_str().expect("ascii").to_owned();
    let hook = read_until(&app, &format!("/webhooks/{id}"), QWE, |h| {
        h["status"] == "disabled"
    })
    .await;
    let reason = hook["disabledReason"].as_str().expect("a reason");
    assert!(reason.contains("500"), "{reason}");
    let d = app.get_json(&delivery, QWE).await;
    assert_eq!(d["status"], "failed", "{d}");
    // Turned on again, its failures are forgotten.
    let r = app
        .send(
            Method::PUT,
            &format!("/webhooks/{id}"),
            QWE,
            Some(&json!({"active": 1})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let hook: Value = r.json().await.expect("json");
    assert_eq!(hook["status"], "active");
    assert_eq!(hook["disabledReason"], Value::Null);
}

async fn subscriptions_are_changed_tested_and_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start().await;
    let (id, _) = subscribe(&app, QWE, &receiver.url, &["mailbox.created"]).await;
    let own = format!("/webhooks/{id}");
    let read = app.get_json(&own, QWE).await;
    assert!(
        read.get("secret").is_none(),
        "the secret is shown only once"
    );
    assert_eq!(
        read["links"][1]["href"],
        app.url(&format!("{own}/deliveries"))
    );
    // A new secret and events; the read-only fields of a GET may be sent back.
    let mut change = read.clone();
    change["events"] = json!(["mailbox.deleted", "order.status_changed"]);
    change["secret"] = json!("a-secret-of-my-own-0123");
    let r = app.send(Method::PUT, &own, QWE, Some(&change)).await;
    assert_eq!(r.status(), 200);
    let changed: Value = r.json().await.expect("json");
    assert_eq!(
        changed["events"],
        json!(["mailbox.deleted", "order.status_changed"])
    );
    assert_eq!(changed["secret"], "a-secret-of-my-own-0123");
    let r = app
        .send(Method::POST, &format!("{own}/test"), QWE, None)
        .await;
    assert_eq!(r.status(), 202);
    let all = receiver
        .wait_for("the test event", |all| !all.is_empty())
        .await;
    assert!(verify("a-secret-of-my-own-0123", &all[0]));
    assert_eq!(all[0].json()["resource"], app.url(&own));
    // Problems are named; unknown fields too.
    let r = app
        .send(
            Method::PUT,
            &own,
            QWE,
            Some(&json!({"events": ["nope"], "colour": "red", "active": 2})),
        )
        .await;
    assert_eq!(r.status(), 400);
    let (_, details) = error_of(r).await;
    for field in ["events", "colour", "active"] {
        assert!(details.get(field).is_some(), "{field}: {details}");
    }
    // Mailbox logins have no webhooks.
    let placed = app.order("mailer").await;
    app.wait_final(&placed, Duration::from_secs(20)).await;
    let login = format!("mailer@{DOMAIN}");
    let r = app
        .send(
            Method::GET,
            "/webhooks",
            (login.as_str(), "tester1234"),
            None,
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app.send(Method::DELETE, &own, QWE, None).await;
    assert_eq!(r.status(), 204);
    let r = app.send(Method::GET, &own, QWE, None).await;
    assert_eq!(r.status(), 404);
}

/// The policy, without the test app's loopback exemption: private, loopback and link-local
/// targets are refused, and so is a name that resolves to one.
#[tokio::test]
async fn the_policy_refuses_private_targets() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.webhooks.allow_nets.clear()).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://localhost:8080/hook",
    ] {
        let r = app
            .send(
                Method::POST,
                "/webhooks",
                QWE,
                Some(&json!({"url": url, "events": ["mailbox.created"]})),
            )
            .await;
        assert_eq!(r.status(), 400, "{url}");
        let (_, details) = error_of(r).await;
        let problem = details["url"].as_str().unwrap_or_default();
        assert!(problem.contains("may not reach"), "{url}: {details}");
    }
    let list = app.get_json("/webhooks", QWE).await;
    assert_eq!(list["list"], json!([]));
}

async fn every_resource_has_its_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start().await;
    let every: Vec<&str> = mailorder::domain::webhook::EventKind::SUBSCRIBABLE
        .iter()
        .map(|k| k.as_str())
        .collect();
    let (_, secret) = subscribe(&app, QWE, &receiver.url, &every).await;
    let placed = app.order("owner1").await;
    app.wait_final(&placed, Duration::from_secs(20)).await;
    let domain = format!("/accounts/{ACCT}/exchange/{DOMAIN}");
    let call = |method: Method, path: String, body: Option<Value>| {
        let app = &app;
        async move {
            let r = app.send(method, &path, QWE, body.as_ref()).await;
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r
        }
    };
    call(
        Method::PUT,
        format!("{domain}/mailboxes/owner1"),
        Some(json!({"notes": "changed"})),
    )
    .await;
    call(
        Method::POST,
        format!("{domain}/emailAliases"),
        Some(json!({"emailalias": {"username": "alias1", "emailForward": "owner1"}})),
    )
    .await;
    call(
        Method::DELETE,
        format!("{domain}/emailAliases/alias1"),
        None,
    )
    .await;
    let r = call(
        Method::POST,
        format!("{domain}/globalContacts"),
        Some(json!({"target": "someone@elsewhere.org"})),
    )
    .await;
    let contact = location_id(&r);
    call(
        Method::PUT,
        format!("{domain}/globalContacts/{contact}"),
        Some(json!({"notes": "n"})),
    )
    .await;
    call(
        Method::DELETE,
        format!("{domain}/globalContacts/{contact}"),
        None,
    )
    .await;
    let r = call(
        Method::POST,
        format!("{domain}/mailingLists"),
        Some(json!({"name": "list1", "owner": "owner1"})),
    )
    .await;
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    call(
        Method::PUT,
        format!("{domain}/mailingLists/list1"),
        Some(json!({"description": "d"})),
    )
    .await;
    call(
        Method::POST,
        format!("{domain}/mailingLists/list1/members"),
        Some(json!({"username": "owner1"})),
    )
    .await;
    let r = call(Method::DELETE, format!("{domain}/mailingLists/list1"), None).await;
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    call(
        Method::PUT,
        format!("/accounts/{ACCT}"),
        Some(json!({"status": "suspended"})),
    )
    .await;
    call(
        Method::PUT,
        format!("/accounts/{ACCT}"),
        Some(json!({"status": "open"})),
    )
    .await;
    let expected = [
        "mailbox.created",
        "mailbox.updated",
        "emailAlias.created",
        "emailAlias.deleted",
        "globalContact.created",
        "globalContact.updated",
        "globalContact.deleted",
        "mailingList.created",
        "mailingList.updated",
        "mailingList.deleted",
        "account.status_changed",
        "order.status_changed",
    ];
    let all = receiver
        .wait_for("an event of every kind", |all| {
            expected.iter().all(|kind| !of_type(all, kind).is_empty())
        })
        .await;
    for r in &all {
        assert!(verify(&secret, r));
    }
    let gone = of_type(&all, "emailAlias.deleted")[0].json();
    assert_eq!(gone["data"], Value::Null, "a deleted alias has no document");
    assert!(
        gone["resource"]
            .as_str()
            .is_some_and(|r| r.ends_with("/emailAliases/alias1"))
    );
    let account = of_type(&all, "account.status_changed")[0].json();
    assert_eq!(account["data"]["accountNumber"], ACCT);
}

/// A purge takes the mailbox's aliases and list memberships with it: those are events too. A
/// suspended account's users may not read it: their subscriptions hear nothing meanwhile and
/// they cannot manage them (`403`), while the agent hears the suspension.
async fn a_purge_and_a_suspension_are_heard_as_they_should(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_account_users(&app).await;
    let (agent, carol) = (Receiver::start().await, Receiver::start().await);
    let kinds = [
        "emailAlias.deleted",
        "mailingList.updated",
        "mailbox.deleted",
        "account.status_changed",
    ];
    subscribe(&app, QWE, &agent.url, &kinds).await;
    subscribe(&app, CAROL, &carol.url, &["account.status_changed"]).await;
    for name in ["leaver", "stayer"] {
        let placed = app.order(name).await;
        app.wait_final(&placed, Duration::from_secs(20)).await;
    }
    let domain = format!("/accounts/{ACCT}/exchange/{DOMAIN}");
    let r = app
        .send(
            Method::POST,
            &format!("{domain}/emailAliases"),
            QWE,
            Some(&json!({"emailalias": {"username": "gone1", "emailForward": "leaver"}})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .send(
            Method::POST,
            &format!("{domain}/mailingLists"),
            QWE,
            Some(&json!({"name": "crew", "owner": "stayer"})),
        )
        .await;
    app.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
        .await;
    let r = app
        .send(
            Method::POST,
            &format!("{domain}/mailingLists/crew/members"),
            QWE,
            Some(&json!({"username": "leaver"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let before = agent.all().len();
    let done = app.delete_mailbox_and_wait("leaver").await;
    assert_eq!(done["order"]["Status"], "Completed");
    agent
        .wait_for("the purge's cascade", |all| {
            let since = &all[before.min(all.len())..];
            [
                "emailAlias.deleted",
                "mailingList.updated",
                "mailbox.deleted",
            ]
            .iter()
            .all(|k| !of_type(since, k).is_empty())
        })
        .await;
    // Suspended: the agent hears it, Carol does not, and cannot manage hers meanwhile.
    let r = app
        .send(
            Method::PUT,
            &format!("/accounts/{ACCT}"),
            QWE,
            Some(&json!({"status": "suspended"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    agent
        .wait_for("the suspension", |all| {
            !of_type(all, "account.status_changed").is_empty()
        })
        .await;
    let r = app.send(Method::GET, "/webhooks", CAROL, None).await;
    assert_eq!(r.status(), 403);
    let r = app
        .send(
            Method::PUT,
            &format!("/accounts/{ACCT}"),
            QWE,
            Some(&json!({"status": "open"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    // Open again: she hears that one (the suspension was never hers to hear).
    let all = carol.wait_for("the reopening", |all| !all.is_empty()).await;
    assert_eq!(all.len(), 1, "only the reopening");
    assert_eq!(all[0].json()["data"]["status"], "open");
}
