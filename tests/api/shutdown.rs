//! Graceful shutdown: `SIGTERM` to `mailorder serve` under load. It stops accepting, answers
//! every request it had taken, lets its workers finish the step in hand, and exits 0; no
//! request sees a reset connection and no order is left half done.

use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row;

use crate::helpers::{Backend, Placed, QWE, TestDb, mailbox_body};
use crate::on_both_backends;
use crate::processes::{serve, setup_with_cli};

const DOMAIN: &str = "stop.example.com";

/// What became of one request: answered (status), or refused at connect (the listener was
/// already closed). Anything else (reset, truncated answer) fails the test.
#[derive(Debug)]
enum Fate {
    Answered(u16, Option<Placed>),
    Refused,
}

async fn post(client: &reqwest::Client, base: &str, name: String) -> Fate {
    let url = format!("{base}/accounts/acct999999/exchange/{DOMAIN}/mailboxes");
    match client
        .post(url)
        .basic_auth(QWE.0, Some(QWE.1))
        .json(&mailbox_body(&name))
        .send()
        .await
    {
        Ok(r) => {
            let status = r.status().as_u16();
            let placed = (status == 202).then(|| Placed::from_response(&r));
            // The whole body must arrive too.
            r.bytes().await.expect("complete answer");
            Fate::Answered(status, placed)
        }
        Err(e) if e.is_connect() => Fate::Refused,
        Err(e) => panic!("request {name} failed mid-way: {e:?}"),
    }
}

async fn sigterm_under_load_loses_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    setup_with_cli(&db.url, DOMAIN, 1000).await;
    let vmail = db.dir.path().join("vmail");
    let (mut server, base) = serve(&db.url, &vmail, &[]).await;
    // A new connection per request: what is measured is the server's handling, not a client
    // reusing a keep-alive connection the server is closing.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");

    // Load: four clients ordering `slow-` mailboxes (a 1 s step each) without pause.
    let mut clients = Vec::new();
    for c in 0..4 {
        let (client, base) = (client.clone(), base.clone());
        clients.push(tokio::spawn(async move {
            let mut fates = Vec::new();
            for i in 0.. {
                let fate = post(&client, &base, format!("slow-{c}-{i}")).await;
                let refused = matches!(fate, Fate::Refused);
                fates.push(fate);
                if refused {
                    break;
                }
            }
            fates
        }));
    }
    // Once a few orders are in and steps are running, ask it to stop.
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let pool = db.pool().await;
        let running: i64 =
            sqlx::query("SELECT count(*) AS n FROM jobs WHERE lease_token IS NOT NULL")
                .fetch_one(&pool)
                .await
                .expect("count")
                .get("n");
        pool.close().await;
        if running > 0 {
            break;
        }
        assert!(Instant::now() < until, "no step started");
        tokio::time::sleep(Duration::from_millis(20)).await; // poll interval, bounded by the deadline
    }
    let pid = server.id().expect("running").to_string();
    // The shell's own `kill`, so no extra package is needed.
    let killed = std::process::Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .expect("kill");
    assert!(killed.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), server.wait())
        .await
        .expect("exits within 30 s")
        .expect("wait");
    assert!(exit.success(), "exit status {exit:?}");

    let mut placed = Vec::new();
    for c in clients {
        for fate in c.await.expect("client task") {
            match fate {
                Fate::Answered(202, Some(p)) => placed.push(p),
                Fate::Answered(status, _) => panic!("answered {status} during shutdown"),
                Fate::Refused => {}
            }
        }
    }
    assert!(!placed.is_empty(), "orders were accepted before the stop");

    // Nothing half done: no step holds a lease, every mailbox is pending or open.
    let pool = db.pool().await;
    let n = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .expect(sql)
                .get::<i64, _>("n")
        }
    };
    assert_eq!(
        n("SELECT count(*) AS n FROM jobs WHERE lease_token IS NOT NULL").await,
        0
    );
    assert_eq!(
        n("SELECT count(*) AS n FROM mailboxes").await,
        placed.len() as i64
    );
    pool.close().await;

    // A restart finishes every accepted order.
    let (mut again, base2) = serve(&db.url, &vmail, &[]).await;
    let until = Instant::now() + Duration::from_secs(60);
    for p in &placed {
        let location = p.location.replace(&base, &base2);
        loop {
            let body: Value = client
                .get(&location)
                .header("Cookie", &p.cookie)
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            if body["order"]["Status"] == "Completed" {
                break;
            }
            assert!(Instant::now() < until, "{location} not completed: {body}");
            tokio::time::sleep(Duration::from_millis(50)).await; // poll interval, bounded by the deadline
        }
    }
    again.kill().await.expect("stop");
}

on_both_backends!(sigterm_under_load_loses_nothing);
