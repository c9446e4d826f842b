//! Waiting on an order: `ETag` and `304`; `Prefer: wait=N` answers within 100 ms of the
//! worker's finish (on PostgreSQL through another instance, woken by `LISTEN`), or after N
//! seconds with the current state; a final order is answered at once; `Retry-After` on `202`s
//! and on orders that can still change; 1,000 waiters cost no more queries than one.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    order_documents_have_etags,
    a_waiter_answers_when_the_worker_finishes,
    a_wait_ends_with_the_current_state,
    final_orders_are_answered_at_once,
    a_thousand_waiters_cost_what_one_does,
);

/// A free order, not run yet (the test app has no workers): its URL, cookie and `ETag`.
async fn placed(app: &TestApp, username: &str) -> (Placed, String) {
    let r = app
        .post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body(username))
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["retry-after"], "1", "a 202 says when to look");
    let placed = Placed::from_response(&r);
    let r = app.get(&placed.location, Some(QWE), None).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().expect("ascii").to_owned();
    (placed, etag)
}

/// Waits (deadline: 30 s) until `n` requests wait on orders in `app`.
async fn until_waiting(app: &TestApp, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.server().store().order_watch().waiting() < n {
        assert!(Instant::now() < deadline, "waiters did not arrive");
        tokio::time::sleep(Duration::from_millis(2)).await; // condition poll, bounded above
    }
}

async fn order_documents_have_etags(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let (placed, etag) = placed(&app, "tagged").await;
    let r = app.get(&placed.location, Some(QWE), None).await;
    assert_eq!(
        r.headers()["etag"],
        etag.as_str(),
        "stable while nothing changes"
    );
    assert_eq!(
        r.headers()["retry-after"],
        "1",
        "Processing can still change"
    );
    let r = app
        .client
        .get(&placed.location)
        .basic_auth(QWE.0, Some(QWE.1))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], etag.as_str());
    assert!(r.bytes().await.expect("body").is_empty());
    app.drain_queue().await;
    let r = app
        .client
        .get(&placed.location)
        .basic_auth(QWE.0, Some(QWE.1))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200, "changed since");
    assert_ne!(r.headers()["etag"], etag.as_str());
    assert!(
        r.headers().get("retry-after").is_none(),
        "Completed is final"
    );
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["order"]["Status"], "Completed");
}

async fn a_waiter_answers_when_the_worker_finishes(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    // On PostgreSQL the waiter waits on another instance, woken through LISTEN.
    let other = match backend {
        Backend::Postgres => Some(TestApp::spawn_on(&app.db.url, |c| c.worker.workers = 0).await),
        Backend::Sqlite => None,
    };
    let waiting_on = other.as_ref().unwrap_or(&app);
    let (placed, _) = placed(&app, "awaited").await;
    // The instance's own copy: its links (and so its ETag) name it.
    let url = placed.location.replace(&app.base, &waiting_on.base);
    let r = waiting_on.get(&url, Some(QWE), None).await;
    let etag = r.headers()["etag"].to_str().expect("ascii").to_owned();
    let client = waiting_on.client.clone();
    let waiter = tokio::spawn(async move {
        let r = wait_on_url(&client, &url, 30, Some(&etag)).await;
        (
            Instant::now(),
            r.status(),
            r.json::<Value>().await.expect("json"),
        )
    });
    until_waiting(waiting_on, 1).await;
    let tick = app.server().worker().run_once().await.expect("step");
    let finished = Instant::now();
    assert_eq!(tick, mailorder::worker::Tick::Worked);
    let (answered, status, body) = waiter.await.expect("waiter");
    assert_eq!(status, 200);
    assert_eq!(body["order"]["Status"], "Completed");
    let late = answered.saturating_duration_since(finished);
    println!("long-poll: answered {late:?} after the worker finished ({backend:?})");
    assert!(
        late < Duration::from_millis(100),
        "answered {late:?} after the finish"
    );
}

/// `GET` of the order with `Prefer: wait=N` and `If-None-Match`.
async fn wait_on_url(
    client: &reqwest::Client,
    url: &str,
    secs: u64,
    etag: Option<&str>,
) -> reqwest::Response {
    let mut req = client
        .get(url)
        .basic_auth(QWE.0, Some(QWE.1))
        .header("Prefer", format!("wait={secs}"));
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    req.send().await.expect("request sent")
}

async fn a_wait_ends_with_the_current_state(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let (placed, etag) = placed(&app, "patient").await;
    let started = Instant::now();
    let r = wait_on_url(&app.client, &placed.location, 1, Some(&etag)).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited");
    assert_eq!(r.status(), 304, "unchanged after the wait");
    assert_eq!(r.headers()["etag"], etag.as_str());
    let started = Instant::now();
    let r = wait_on_url(&app.client, &placed.location, 1, None).await;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(r.status(), 200, "no copy named: the document");
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["order"]["Status"], "Processing");
    // A copy that is old already is answered at once.
    let started = Instant::now();
    let r = wait_on_url(&app.client, &placed.location, 30, Some("\"old\"")).await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        app.server().store().order_watch().waiting(),
        0,
        "no waiter left behind"
    );
}

async fn final_orders_are_answered_at_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let (placed, _) = placed(&app, "done").await;
    app.drain_queue().await;
    let r = app.get(&placed.location, Some(QWE), None).await;
    let etag = r.headers()["etag"].to_str().expect("ascii").to_owned();
    let started = Instant::now();
    let r = wait_on_url(&app.client, &placed.location, 60, Some(&etag)).await;
    assert_eq!(r.status(), 304);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "nothing to wait for"
    );
    // A wait over the limit is the limit (60 s), not an error.
    let r = wait_on_url(&app.client, &placed.location, 3600, None).await;
    assert_eq!(r.status(), 200);
}

/// Database checkouts from the first waiter's arrival to the last one's answer, with `n`
/// waiters on one order that the worker completes.
async fn checkouts_with_waiters(app: &TestApp, username: &str, n: usize) -> u64 {
    let (placed, etag) = placed(app, username).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let store = app.server().store();
    let before = store.db_checkouts();
    let waiters = (0..n).map(|_| {
        let (client, url, etag) = (client.clone(), placed.location.clone(), etag.clone());
        tokio::spawn(async move { wait_on_url(&client, &url, 60, Some(&etag)).await.status() })
    });
    let waiters: Vec<_> = waiters.collect();
    until_waiting(app, n).await;
    // Each request read the order once on arrival (and was authorized): that is its cost.
    let arrived = store.db_checkouts() - before;
    let parked = store.db_checkouts();
    app.drain_queue().await;
    for status in join_all(waiters).await {
        assert_eq!(status.expect("waiter"), 200);
    }
    let after = store.db_checkouts() - parked;
    println!(
        "long-poll: {n} waiters: {arrived} checkouts to arrive, {after} from the worker's step to the last answer"
    );
    after
}

async fn a_thousand_waiters_cost_what_one_does(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.worker.workers = 0;
        c.limits.max_in_flight = 64;
        // The webhook loop's idle look for events would count too.
        c.webhooks.poll = std::time::Duration::from_secs(3600);
    })
    .await;
    let one = checkouts_with_waiters(&app, "single", 1).await;
    let thousand = checkouts_with_waiters(&app, "crowd", 1000).await;
    // The worker's step costs the same both times; the waiters share one read per change (a
    // second one at times, when PostgreSQL's echo of the change arrives during the first).
    // What is left of the difference is the instance's own background (audit batches).
    assert!(
        thousand <= one + 5,
        "1,000 waiters cost {thousand} checkouts, one waiter {one}"
    );
    assert_eq!(app.server().store().order_watch().waiting(), 0);
}
