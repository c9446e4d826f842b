//! Many instances on one PostgreSQL, under faults: three `mailorder serve` processes, 1,000
//! orders spread over them, and in the middle either one process killed with `kill -9` (and
//! restarted) or the database server crashed and restarted. Every order that got a `202` is
//! completed, and every mailbox exists exactly once, in the API and in the mail directory.
//! Also: one name ordered through two instances at once has exactly one winner; and while the
//! database is down, requests get `503` with `Retry-After`, and work resumes by itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;

use crate::cluster::PgCluster;
use crate::helpers::{Placed, QWE, TestApp, error_of, mailbox_body, mailboxes_path};
use crate::processes::{serve, setup_with_cli};

const DOMAIN: &str = "chaos.example.com";
const ORDERS: usize = 1000;
const CONCURRENCY: usize = 8;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    KillAnInstance,
    RestartTheDatabase,
}

/// The order's `202`, or what came instead (a status, or 0 for a failed connection).
async fn post(client: &reqwest::Client, base: &str, username: &str) -> Result<Placed, u16> {
    let url = format!("{base}/accounts/acct999999/exchange/{DOMAIN}/mailboxes");
    let r = client
        .post(url)
        .basic_auth(QWE.0, Some(QWE.1))
        .json(&mailbox_body(username))
        .send()
        .await;
    match r {
        Ok(r) if r.status() == StatusCode::ACCEPTED => Ok(Placed::from_response(&r)),
        Ok(r) => Err(r.status().as_u16()),
        Err(_) => Err(0),
    }
}

async fn count(pool: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(pool)
        .await
        .expect(sql)
        .get::<i64, _>("n")
}

async fn three_instances_under(fault: Fault) {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    let url = cluster.url();
    let vmail = tempfile::tempdir().expect("mail root");
    setup_with_cli(&url, DOMAIN, 10 * ORDERS as u32).await;
    let extra = ["--db-acquire-timeout-ms", "2000"];
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(serve(&url, vmail.path(), &extra).await);
    }
    let client = reqwest::Client::new();

    // One name through two instances at once: exactly one wins.
    for round in 0..5 {
        let name = format!("contested{round}");
        let (a, b) = tokio::join!(
            post(&client, &instances[0].1, &name),
            post(&client, &instances[1].1, &name)
        );
        assert_eq!(
            a.is_ok() as u8 + b.is_ok() as u8,
            1,
            "round {round}: {:?} {:?}",
            a.err(),
            b.err()
        );
    }

    // 1,000 orders spread over the three; the fault strikes after the first 300.
    let bases: Arc<std::sync::Mutex<Vec<String>>> = Arc::new(std::sync::Mutex::new(
        instances.iter().map(|(_, b)| b.clone()).collect(),
    ));
    let mut accepted: Vec<(String, Placed)> = Vec::new();
    let mut refused: std::collections::BTreeMap<u16, usize> = Default::default();
    let mut next = 0;
    while next < ORDERS {
        if next == 300 {
            match fault {
                Fault::KillAnInstance => {
                    instances[0].0.kill().await.expect("kill -9");
                    instances[0] = serve(&url, vmail.path(), &extra).await;
                    bases.lock().expect("bases")[0] = instances[0].1.clone();
                }
                Fault::RestartTheDatabase => cluster.crash_restart(),
            }
        }
        let mut batch = tokio::task::JoinSet::new();
        for i in next..(next + CONCURRENCY).min(ORDERS) {
            let base = bases.lock().expect("bases")[i % 3].clone();
            let client = client.clone();
            batch.spawn(async move {
                let name = format!("chaos{i:04}");
                post(&client, &base, &name).await.map(|p| (name, p))
            });
        }
        while let Some(done) = batch.join_next().await {
            match done.expect("task") {
                Ok(placed) => accepted.push(placed),
                Err(status) => *refused.entry(status).or_default() += 1,
            }
        }
        next += CONCURRENCY;
    }
    assert!(
        accepted.len() >= ORDERS * 9 / 10,
        "only {} of {ORDERS} accepted; refused: {refused:?}",
        accepted.len()
    );

    // Every order in the database (also any whose 202 was lost with a killed process) finishes.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let open = count(
            &pool,
            "SELECT count(*) AS n FROM orders WHERE status <> 'Completed'",
        )
        .await;
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} orders unfinished");
        tokio::time::sleep(Duration::from_millis(200)).await; // poll interval, bounded by the deadline
    }
    // Each accepted order is Completed, as any instance reports it.
    let base = bases.lock().expect("bases")[2].clone();
    for (i, (_, placed)) in accepted.iter().enumerate().step_by(50) {
        let id = placed.location.rsplit('/').next().expect("id");
        let r = client
            .get(format!("{base}/orders/{id}"))
            .header("Cookie", &placed.cookie)
            .send()
            .await
            .expect("get");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["order"]["Status"], "Completed", "order {i}");
    }
    // Exactly once: one mailbox and one directory entry per name, nothing failed or left over.
    let domain_id = "(SELECT id FROM exchanges WHERE domain = 'chaos.example.com')";
    let mailboxes = count(
        &pool,
        &format!("SELECT count(*) AS n FROM mailboxes WHERE exchange_id = {domain_id}"),
    )
    .await;
    let open = count(&pool, &format!("SELECT count(*) AS n FROM mailboxes WHERE billing_status = 'open' AND exchange_id = {domain_id}")).await;
    let directory = count(
        &pool,
        "SELECT count(*) AS n FROM mail_users WHERE domain = 'chaos.example.com'",
    )
    .await;
    let distinct = count(&pool, "SELECT count(DISTINCT address) AS n FROM mail_users").await;
    let orders = count(&pool, "SELECT count(*) AS n FROM orders").await;
    assert_eq!(
        (open, directory, distinct),
        (mailboxes, mailboxes, mailboxes)
    );
    assert_eq!(orders, mailboxes, "one order per mailbox");
    assert!(
        mailboxes >= accepted.len() as i64 + 5,
        "every accepted order has its mailbox"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) AS n FROM jobs WHERE state <> 'done'"
        )
        .await,
        0
    );
    assert_eq!(
        count(&pool, "SELECT count(*) AS n FROM mail_aliases").await,
        2 * mailboxes
    );
    for (name, _) in accepted.iter().step_by(25) {
        let n = count(
            &pool,
            &format!("SELECT count(*) AS n FROM mail_users WHERE address = '{name}@{DOMAIN}'"),
        )
        .await;
        assert_eq!(n, 1, "{name}");
    }
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_survive_kill_9_of_one() {
    three_instances_under(Fault::KillAnInstance).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_survive_a_database_crash() {
    three_instances_under(Fault::RestartTheDatabase).await;
}

/// While the database is down, requests get `503` + `Retry-After` in bounded time, never a
/// 500 or a hang; when it is back, the same process serves and provisions again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_then_recovers() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    let url = cluster.url();
    let app = TestApp::spawn_on(&url, |c| c.db.acquire_timeout = Duration::from_secs(1)).await;
    let first = app.order("before").await;
    assert_eq!(
        app.wait_final(&first, Duration::from_secs(20)).await["order"]["Status"],
        "Completed"
    );

    let ready = |app: &TestApp| {
        let url = app.url("/readyz");
        let client = app.client.clone();
        async move {
            let r = client.get(url).send().await.expect("readyz");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    assert_eq!(ready(&app).await.0, 200);

    cluster.stop();
    let (status, body) = ready(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["database"], "unreachable");
    let mailbox = mailboxes_path(crate::helpers::DOMAIN, "before");
    for attempt in 0..3 {
        let started = Instant::now();
        let r = app.send(reqwest::Method::GET, &mailbox, QWE, None).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "answered in bounded time"
        );
        assert_eq!(r.status(), 503, "attempt {attempt}");
        assert!(r.headers().contains_key("retry-after"));
        assert_eq!(error_of(r).await.0, "serviceUnavailable");
    }
    let r = app
        .post_mailbox(
            QWE,
            "acct999999",
            crate::helpers::DOMAIN,
            &mailbox_body("during"),
        )
        .await;
    assert_eq!(r.status(), 503);

    cluster.start_again();
    let deadline = Instant::now() + Duration::from_secs(30);
    while app
        .send(reqwest::Method::GET, &mailbox, QWE, None)
        .await
        .status()
        != 200
    {
        assert!(Instant::now() < deadline, "not serving again");
        tokio::time::sleep(Duration::from_millis(100)).await; // poll interval, bounded by the deadline
    }
    let after = app.order("after").await;
    assert_eq!(
        app.wait_final(&after, Duration::from_secs(30)).await["order"]["Status"],
        "Completed"
    );
    assert_eq!(
        ready(&app).await,
        (
            200,
            serde_json::json!({
                "status": "ready", "version": env!("CARGO_PKG_VERSION"),
                "checks": {"database": "ok", "workers": "ok"},
            })
        )
    );
}
