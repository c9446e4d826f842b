//! `Idempotency-Key`: a retry replays the first answer byte for byte and does nothing again;
//! another request under the key is `422`; concurrent duplicates do one piece of work; the key
//! is the caller's (another login's same key is its own); a replay works through another
//! instance on PostgreSQL; answers that did no work (`401`) are not kept; expired keys are swept.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::Value;
use sqlx::Row;

use crate::helpers::*;
use crate::on_both_backends;
use crate::paid::{call, order_paid};

on_both_backends!(
    a_replay_is_the_first_answer_and_does_nothing,
    another_request_under_a_key_is_refused,
    keys_belong_to_their_caller,
    concurrent_duplicates_do_one_piece_of_work,
    a_replay_through_another_instance,
    cookie_callers_keep_keys_too,
    answers_that_did_nothing_are_not_kept,
    expired_keys_are_swept_and_free,
);

const KEY: &str = "5f0c2a8e-6a5b-4c1e-9d7f-3b2a1c0d9e8f";

/// A mailbox order as `auth`, under `key`.
async fn post_keyed(
    app: &TestApp,
    auth: (&str, &str),
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&mailboxes_path(DOMAIN, "")))
        .basic_auth(auth.0, Some(auth.1))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request sent")
}

/// Status, headers (but the per-response ones) and body, to compare two answers.
async fn answer(r: reqwest::Response) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let status = r.status().as_u16();
    let mut headers: Vec<(String, String)> = r
        .headers()
        .iter()
        .filter(|(n, _)| !["date", "x-request-id", "idempotent-replayed"].contains(&n.as_str()))
        .map(|(n, v)| (n.to_string(), v.to_str().expect("ascii").to_owned()))
        .collect();
    headers.sort();
    (status, headers, r.bytes().await.expect("body").to_vec())
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let pool = app.db.pool().await;
    let n: i64 = sqlx::query(sql)
        .fetch_one(&pool)
        .await
        .expect("count")
        .get(0);
    pool.close().await;
    n
}

async fn orders_of(app: &TestApp, username: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) FROM order_items WHERE username = '{username}'"),
    )
    .await
}

async fn a_replay_is_the_first_answer_and_does_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let first = post_keyed(&app, QWE, KEY, &mailbox_body("idem")).await;
    assert_eq!(first.status(), 202);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = answer(first).await;
    let hashed = app.server().hashing().stats().completed;
    let orders = count(&app, "SELECT count(*) FROM orders").await;
    let mailboxes = count(&app, "SELECT count(*) FROM mailboxes").await;

    for _ in 0..2 {
        let again = post_keyed(&app, QWE, KEY, &mailbox_body("idem")).await;
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(
            answer(again).await,
            first,
            "status, headers and body, byte for byte"
        );
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM orders").await,
        orders,
        "no second order"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM mailboxes").await,
        mailboxes
    );
    assert_eq!(orders_of(&app, "idem").await, 1);
    assert_eq!(
        app.server().hashing().stats().completed,
        hashed,
        "no second hash of the password (nor of the login)"
    );
    // The kept Location and cookie still lead to the one order.
    let location = first
        .1
        .iter()
        .find(|(n, _)| n == "location")
        .expect("Location")
        .1
        .clone();
    let r = app.get(&location, Some(QWE), None).await;
    assert_eq!(r.status(), 200);
    // Without the key, the same request is a new one: the name is taken now.
    let r = app
        .post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("idem"))
        .await;
    assert_eq!(r.status(), 409);
}

async fn another_request_under_a_key_is_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let r = post_keyed(&app, QWE, KEY, &mailbox_body("first")).await;
    assert_eq!(r.status(), 202);
    // Another body.
    let r = post_keyed(&app, QWE, KEY, &mailbox_body("second")).await;
    assert_eq!(r.status(), 422);
    let (kind, _) = error_of(r).await;
    assert_eq!(kind, "unprocessableEntity");
    assert_eq!(orders_of(&app, "second").await, 0, "nothing done");
    // Another path, another method.
    let r = app
        .client
        .post(app.url(&mailboxes_path(DOMAIN, "first/action")))
        .basic_auth(QWE.0, Some(QWE.1))
        .header("Idempotency-Key", KEY)
        .json(&mailbox_body("first"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 422);
    let r = app
        .client
        .delete(app.url(&mailboxes_path(DOMAIN, "first")))
        .basic_auth(QWE.0, Some(QWE.1))
        .header("Idempotency-Key", KEY)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 422);
    // A malformed key.
    for bad in ["", &"k".repeat(256)] {
        let r = post_keyed(&app, QWE, bad, &mailbox_body("third")).await;
        assert_eq!(r.status(), 400, "{bad:?}");
        let body: Value = r.json().await.expect("json");
        let message = body["badRequest"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("Idempotency-Key"), "{body}");
    }
    assert_eq!(orders_of(&app, "third").await, 0);
}

async fn keys_belong_to_their_caller(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    add_account_users(&app).await;
    let r = post_keyed(&app, QWE, KEY, &mailbox_body("mine")).await;
    assert_eq!(r.status(), 202);
    // Carol (a user of the same account) with the same key and body: her own request, which
    // finds the name taken; never qwe's kept answer.
    let r = post_keyed(&app, CAROL, KEY, &mailbox_body("mine")).await;
    assert!(r.headers().get("idempotent-replayed").is_none());
    assert_eq!(r.status(), 409);
    // Mallory (another franchise) with the key: the domain does not exist for him.
    let r = post_keyed(&app, MALLORY, KEY, &mailbox_body("mine")).await;
    assert!(r.headers().get("idempotent-replayed").is_none());
    assert_eq!(r.status(), 404);
    // Carol's key holds her answer (409 is kept: the same request gets the same answer).
    let r = post_keyed(&app, CAROL, KEY, &mailbox_body("mine")).await;
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    assert_eq!(r.status(), 409);
    // One login serving two shoppers, each with an `OwnerId` of their own: the same key and
    // body from the second is the second's request, never the first's cookie.
    let names: Vec<(String, &str)> = (0..10).map(|i| (format!("user{i}"), "open")).collect();
    app.fill_mailboxes(DOMAIN, &names).await;
    let shopper = |cookie: &'static str| {
        app.client
            .post(app.url(&mailboxes_path(DOMAIN, "")))
            .basic_auth(QWE.0, Some(QWE.1))
            .header("Cookie", format!("OwnerId={cookie}"))
            .header("Idempotency-Key", "shop-order-1")
            .json(&mailbox_body("paid1"))
            .send()
    };
    let first = shopper("11111111-1111-4111-8111-111111111111")
        .await
        .expect("sent");
    assert_eq!(first.status(), 202);
    let second = shopper("22222222-2222-4222-8222-222222222222")
        .await
        .expect("sent");
    assert!(
        second.headers().get("idempotent-replayed").is_none(),
        "not the first shopper's"
    );
    assert_eq!(
        second.status(),
        409,
        "the name is in the first shopper's order"
    );
}

async fn concurrent_duplicates_do_one_piece_of_work(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let body = mailbox_body("racer");
    let answers = join_all((0..8).map(|_| post_keyed(&app, QWE, KEY, &body))).await;
    let mut locations = Vec::new();
    let mut running = 0;
    for r in answers {
        match r.status().as_u16() {
            202 => locations.push(r.headers()["location"].to_str().expect("ascii").to_owned()),
            409 => {
                assert!(r.headers().get("retry-after").is_some());
                let body: Value = r.json().await.expect("json");
                let message = body["conflict"]["message"].as_str().unwrap_or_default();
                assert!(message.contains("still running"), "{body}");
                running += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(!locations.is_empty(), "the first one answers 202");
    assert_eq!(locations.len() + running, 8);
    locations.dedup();
    assert_eq!(locations.len(), 1, "every 202 is the one order");
    assert_eq!(orders_of(&app, "racer").await, 1, "one piece of work");
    // Once done, every retry is the replay.
    let r = post_keyed(&app, QWE, KEY, &body).await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["location"], locations[0].as_str());
}

async fn a_replay_through_another_instance(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let first = answer(post_keyed(&app, QWE, KEY, &mailbox_body("roamer")).await).await;
    assert_eq!(first.0, 202);
    if backend == Backend::Postgres {
        let other = TestApp::spawn_on(&app.db.url, |c| c.worker.workers = 0).await;
        let again = post_keyed(&other, QWE, KEY, &mailbox_body("roamer")).await;
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again = answer(again).await;
        assert_eq!(again.0, first.0);
        assert_eq!(again.2, first.2);
        // The same headers but the instance's own address in links.
        let own = |h: &[(String, String)]| {
            h.iter()
                .map(|(n, v)| (n.clone(), v.replace(&app.base, "").replace(&other.base, "")))
                .collect::<Vec<_>>()
        };
        assert_eq!(own(&again.1), own(&first.1));
    }
    assert_eq!(orders_of(&app, "roamer").await, 1);
}

async fn cookie_callers_keep_keys_too(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let names: Vec<(String, &str)> = (0..10).map(|i| (format!("user{i}"), "open")).collect();
    app.fill_mailboxes(DOMAIN, &names).await;
    let quoted = order_paid(&app, DOMAIN, "paid1", None).await;
    let cancel = || {
        app.client
            .delete(app.url("/order"))
            .header("Cookie", &quoted.cookie)
            .header("Idempotency-Key", KEY)
            .send()
    };
    let r = cancel().await.expect("sent");
    assert_eq!(r.status(), 204);
    let r = cancel().await.expect("sent");
    assert_eq!(r.status(), 204, "the kept answer");
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    // Without the key the order is gone.
    let r = call(
        &app,
        Method::DELETE,
        "/order",
        None,
        Some(&quoted.cookie),
        None,
    )
    .await;
    assert_eq!(r.status(), 404);
}

async fn answers_that_did_nothing_are_not_kept(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let wrong = (QWE.0, "not-the-password");
    let r = post_keyed(&app, wrong, KEY, &mailbox_body("later")).await;
    assert_eq!(r.status(), 401);
    let r = post_keyed(&app, QWE, KEY, &mailbox_body("later")).await;
    assert_eq!(r.status(), 202, "the key was not spent on the 401");
    assert!(r.headers().get("idempotent-replayed").is_none());
    // No credentials and no cookie: nobody to keep it for; the route answers as it does.
    let r = app
        .client
        .post(app.url(&mailboxes_path(DOMAIN, "")))
        .header("Idempotency-Key", KEY)
        .json(&mailbox_body("later"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    // A method the route does not serve: 405, nothing kept.
    let r = app
        .client
        .post(app.url(&format!("/accounts/{ACCT}")))
        .basic_auth(QWE.0, Some(QWE.1))
        .header("Idempotency-Key", "another-key")
        .json(&serde_json::json!({"status": "open"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 405);
    assert_eq!(
        count(&app, "SELECT count(*) FROM idempotency_keys").await,
        1,
        "one key kept: the 202"
    );
}

async fn expired_keys_are_swept_and_free(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.workers = 0).await;
    let r = post_keyed(&app, QWE, KEY, &mailbox_body("aging")).await;
    assert_eq!(r.status(), 202);
    let pool = app.db.pool().await;
    // A day passes for the key (and for nothing else).
    sqlx::query("UPDATE idempotency_keys SET expires_at = expires_at - 86400001")
        .execute(&pool)
        .await
        .expect("aged");
    // An expired key not yet swept is a fresh one: the request runs (the name is taken now).
    let r = post_keyed(&app, QWE, KEY, &mailbox_body("aging")).await;
    assert_eq!(r.status(), 409);
    assert!(r.headers().get("idempotent-replayed").is_none());
    sqlx::query("UPDATE idempotency_keys SET expires_at = expires_at - 86400001")
        .execute(&pool)
        .await
        .expect("aged");
    let swept = app
        .server()
        .worker()
        .run_maintenance()
        .await
        .expect("maintenance");
    assert_eq!(swept.keys_swept, 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM idempotency_keys").await,
        0
    );
    pool.close().await;
}
