//! The bounded password-hashing pool seen from outside: a full queue is answered `503`, one
//! login's flood `429`, both at once with `Retry-After` and the Hostway body; and a real
//! `mailorder serve` under a flood of wrong passwords and concurrent orders keeps its memory
//! bounded and completes every order it accepted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mailorder::hashing::{HashPool, HashPoolConfig, PoolStats};
use serde_json::json;

use crate::helpers::{ACCT, Backend, DOMAIN, QWE, TestApp, TestDb, error_of, mailbox_body};
use crate::on_both_backends;
use crate::processes::serve;

on_both_backends!(
    a_busy_pool_answers_at_once,
    memory_stays_bounded_under_a_flood
);

/// Waits (bounded) until the pool's counters satisfy `ok`.
async fn until(pool: &HashPool, ok: impl Fn(&PoolStats) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok(&pool.stats()) {
        assert!(
            Instant::now() < deadline,
            "pool never got there: {:?}",
            pool.stats()
        );
        tokio::time::sleep(Duration::from_millis(5)).await; // poll, bounded by the deadline
    }
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds")
}

async fn a_busy_pool_answers_at_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.hashing = HashPoolConfig {
            threads: 1,
            queue: 2,
            per_login: 1,
            idle_release: Duration::from_secs(60),
        }
    })
    .await;
    let account = app.url(&format!("/accounts/{ACCT}"));
    // The agent's login is verified (and cached) while the pool is free.
    assert_eq!(app.get(&account, Some(QWE), None).await.status(), 200);
    let pool = Arc::clone(app.server().hashing());

    // The one thread is taken until `open` says so.
    let (open, gate) = std::sync::mpsc::channel::<()>();
    let blocker = {
        let pool = Arc::clone(&pool);
        tokio::spawn(async move { pool.run(None, move |_| gate.recv().is_ok()).await })
    };
    until(&pool, |s| s.running == 1).await;
    // A wrong guess waits in the queue…
    let first_guess = {
        let (client, account) = (app.client.clone(), account.clone());
        tokio::spawn(async move {
            client
                .get(account)
                .basic_auth(QWE.0, Some("guess-0001"))
                .send()
                .await
                .expect("sent")
                .status()
        })
    };
    until(&pool, |s| s.queued == 1).await;
    // …and the same login's next guess from the same address is refused at once.
    let flood = app.get(&account, Some((QWE.0, "guess-0002")), None).await;
    assert_eq!(flood.status(), 429);
    assert!(retry_after(&flood) >= 1);
    assert_eq!(error_of(flood).await.0, "tooManyRequests");

    // The queue's last place taken, an order cannot hash its password: 503, nothing ordered.
    let filler = {
        let pool = Arc::clone(&pool);
        tokio::spawn(async move { pool.run(None, |_| ()).await })
    };
    until(&pool, |s| s.queued == 2).await;
    let refused = app
        .post_mailbox(QWE, ACCT, DOMAIN, &mailbox_body("shed"))
        .await;
    assert_eq!(refused.status(), 503);
    assert!(retry_after(&refused) >= 1);
    assert_eq!(error_of(refused).await.0, "serviceUnavailable");
    let stats = pool.stats();
    assert_eq!((stats.rejected_flood, stats.rejected_full), (1, 1));
    let metrics = app
        .get(&app.url("/metrics"), None, None)
        .await
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("mailorder_hash_pool_rejected_total{reason=\"full\"} 1"));
    assert!(metrics.contains("mailorder_hash_pool_rejected_total{reason=\"flood\"} 1"));
    assert!(metrics.contains("mailorder_hash_pool_queued 2"));

    // Freed, everything waiting is answered, and the refused order can be placed.
    open.send(()).expect("release the thread");
    assert_eq!(blocker.await.expect("task"), Ok(true));
    assert_eq!(first_guess.await.expect("task"), 401);
    assert_eq!(filler.await.expect("task"), Ok(()));
    let mailbox = app.url(&format!(
        "/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/shed"
    ));
    assert_eq!(app.get(&mailbox, Some(QWE), None).await.status(), 404);
    app.order("shed").await;
    assert!(pool.stats().peak_running <= 1);
}

/// Resident memory of a process now and at its peak, in bytes.
fn rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect(name)
            * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

const GUARD: u64 = 384 * 1024 * 1024;

/// 64 clients guessing the agent's password and 32 ordering paid mailboxes as the agent at once, against a real
/// `mailorder serve` with the default hashing bounds: memory stays under the guard at its
/// peak, every guess is refused (`401`, or `429` for the login's flood), every order is
/// accepted and completes, and the server still answers.
async fn memory_stays_bounded_under_a_flood(backend: Backend) {
    let db = TestDb::new(backend).await;
    // One address sends the whole flood here; the per-address rate would refuse most of it
    // before it reached the hashing pool, which is what this test is about.
    let (child, base) = serve(
        &db.url,
        &db.dir.path().join("vmail"),
        &["--demo", "--rate-per-address", "0", "--rate-per-login", "0"],
    )
    .await;
    let pid = child.id().expect("running");
    let client = reqwest::Client::new();
    let account = format!("{base}/accounts/{ACCT}");
    // The agent has been at work before the flood begins (its login is cached). A login whose
    // verification is not cached shares the flood's allowance when it comes from the same
    // address, as here: it would get 429 too.
    let r = client
        .get(&account)
        .basic_auth(QWE.0, Some(QWE.1))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let guesses = (0..64).map(|c| {
        let (client, account) = (client.clone(), account.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for n in 0..8 {
                let r = client
                    .get(&account)
                    .basic_auth(QWE.0, Some(format!("wrong-{c}-{n}")))
                    .send()
                    .await
                    .expect("sent");
                statuses.push(r.status().as_u16());
            }
            statuses
        })
    });
    let orders = (0..32).map(|i| {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move {
            let r = client
                .post(format!(
                    "{base}/accounts/{ACCT}/exchange/paid.example.com/mailboxes"
                ))
                .basic_auth(QWE.0, Some(QWE.1))
                .json(&json!({"owner": {"username": format!("load{i}"), "password": "Secret123"}}))
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status(), 202, "order {i}");
            let cookie = r.headers()["set-cookie"].to_str().expect("ascii");
            let cookie = cookie.split(';').next().expect("pair").to_owned();
            let r = client
                .post(format!("{base}/order/action"))
                .header("Cookie", &cookie)
                .json(&json!({"action": "submit"}))
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status(), 202, "submit {i}");
            let location = r.headers()["location"].to_str().expect("ascii").to_owned();
            (location, cookie)
        })
    });
    let (guesses, orders) = tokio::join!(
        futures_util::future::join_all(guesses),
        futures_util::future::join_all(orders)
    );
    let statuses: Vec<u16> = guesses
        .into_iter()
        .flat_map(|g| g.expect("guessing client"))
        .collect();
    assert_eq!(statuses.len(), 64 * 8);
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(statuses.contains(&401) && statuses.contains(&429));

    // Every accepted order completes.
    let deadline = Instant::now() + Duration::from_secs(120);
    for placed in orders {
        let (location, cookie) = placed.expect("ordering client");
        loop {
            let body: serde_json::Value = client
                .get(&location)
                .header("Cookie", &cookie)
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            match body["order"]["Status"].as_str() {
                Some("Completed") => break,
                Some("Processing") => {}
                other => panic!("order {location} is {other:?}: {body}"),
            }
            assert!(
                Instant::now() < deadline,
                "{location} not completed in time"
            );
            tokio::time::sleep(Duration::from_millis(20)).await; // poll, bounded by the deadline
        }
    }
    let (now, peak) = rss(pid);
    assert!(
        peak < GUARD,
        "peak RSS {} MB (now {} MB)",
        peak >> 20,
        now >> 20
    );
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status(), 200);
    drop(child);
}
