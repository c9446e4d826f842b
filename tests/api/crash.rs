//! Crash safety: orders accepted with `202` are all finished after a `kill -9` and a restart on
//! the same database, each mailbox exactly once. Also exercises the admin commands.

use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row;
use tokio::process::Command;

use crate::helpers::{Backend, Placed, QWE, TestDb, mailbox_body};
use crate::on_both_backends;
use crate::processes::{BIN, admin, serve, setup_with_cli};

async fn status(client: &reqwest::Client, placed: &Placed) -> String {
    let r = client
        .get(&placed.location)
        .header("Cookie", &placed.cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    body["order"]["Status"].as_str().expect("status").to_owned()
}

async fn accepted_orders_survive_kill_9(backend: Backend) {
    let db = TestDb::new(backend).await;
    setup_with_cli(&db.url, "crash.example.com", 50).await;

    let client = reqwest::Client::new();
    let (mut first, base) = serve(&db.url, &db.dir.path().join("vmail"), &[]).await;
    const N: usize = 10;
    let mut placed = Vec::new();
    for i in 0..N {
        let r = client
            .post(format!(
                "{base}/accounts/acct999999/exchange/crash.example.com/mailboxes"
            ))
            .basic_auth(QWE.0, Some(QWE.1))
            .json(&mailbox_body(&format!("slow-{i}")))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 202);
        placed.push(Placed::from_response(&r));
    }
    // Kill it as soon as the first order completes: the rest are queued or mid-step.
    let until = Instant::now() + Duration::from_secs(30);
    while status(&client, &placed[0]).await != "Completed" {
        assert!(Instant::now() < until, "first order not completed in 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await; // poll interval, bounded by the deadline
    }
    first.kill().await.expect("kill -9");
    let unfinished = {
        let pool = db.pool().await;
        let n: i64 = sqlx::query("SELECT count(*) AS n FROM orders WHERE status = 'Processing'")
            .fetch_one(&pool)
            .await
            .expect("count")
            .get("n");
        pool.close().await;
        n
    };
    assert!(
        unfinished > 0,
        "the kill came while orders were still being provisioned"
    );

    let (mut second, base2) = serve(&db.url, &db.dir.path().join("vmail"), &[]).await;
    let until = Instant::now() + Duration::from_secs(60);
    for p in &placed {
        let p = Placed {
            location: p.location.replace(&base, &base2),
            cookie: p.cookie.clone(),
        };
        loop {
            let s = status(&client, &p).await;
            if s == "Completed" {
                break;
            }
            assert_ne!(s, "Failed");
            assert!(
                Instant::now() < until,
                "{} still {s} after restart",
                p.location
            );
            tokio::time::sleep(Duration::from_millis(50)).await; // poll interval, bounded by the deadline
        }
    }
    second.kill().await.expect("stop");

    let pool = db.pool().await;
    let count = |sql: &'static str| {
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
        count("SELECT count(*) AS n FROM mailboxes WHERE billing_status = 'open'").await,
        N as i64
    );
    assert_eq!(
        count("SELECT count(*) AS n FROM mail_users WHERE domain = 'crash.example.com'").await,
        N as i64
    );
    assert_eq!(
        count("SELECT count(DISTINCT address) AS n FROM mail_users").await,
        N as i64
    );
    assert_eq!(
        count("SELECT count(*) AS n FROM jobs WHERE state = 'done'").await,
        N as i64
    );
    assert_eq!(
        count("SELECT count(*) AS n FROM orders WHERE status = 'Completed'").await,
        N as i64
    );
    assert_eq!(
        count(
            "SELECT CAST(sum(n) AS BIGINT) AS n FROM mailbox_counts WHERE billing_status = 'open'"
        )
        .await,
        N as i64
    );
    // The alias rows of each mailbox are exactly its two targets, not duplicated by re-runs.
    assert_eq!(
        count("SELECT count(*) AS n FROM mail_aliases").await,
        2 * N as i64
    );
}

on_both_backends!(accepted_orders_survive_kill_9);

/// The admin commands refuse bad input with one clear line and a failure exit code.
async fn admin_commands_explain_bad_input(backend: Backend) {
    let db = TestDb::new(backend).await;
    admin(&db.url, &["franchise", "add", "acme"]).await;
    for (args, says) in [
        (
            &["account", "add", "nope", "acct1"][..],
            "no franchise named \"nope\"",
        ),
        (
            &["account", "add", "acme", "acct1", "--currency", "usd"],
            "currency code",
        ),
        (&["account", "add", "acme", "bad number"], "account number"),
        (
            &["exchange", "add", "acme", "acct404", "example.com"],
            "no account \"acct404\"",
        ),
        (
            &["exchange", "add", "acme", "acct1", "not a domain"],
            "domain",
        ),
        (&["user", "add", "nobody"], "LOGIN@FRANCHISE"),
        (&["franchise", "add", "white space"], "franchise name"),
    ] {
        let out = Command::new(BIN)
            .args(args)
            .args(["--database", &db.url])
            .env("MAILORDER_PASSWORD", "long-enough-1")
            .output()
            .await
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{args:?}: one line, no backtrace: {stderr}"
        );
    }
}

on_both_backends!(admin_commands_explain_bad_input);

/// `serve --no-worker` accepts orders, a separate `mailorder worker` provisions them. On
/// PostgreSQL the worker is woken by `NOTIFY` at once, well within its 5 s idle poll.
async fn api_and_worker_processes_split_the_work(backend: Backend) {
    let db = TestDb::new(backend).await;
    setup_with_cli(&db.url, "split.example.com", 50).await;
    let mail_root = db.dir.path().join("vmail");
    let (_api, base) = serve(&db.url, &mail_root, &["--no-worker"]).await;
    let client = reqwest::Client::new();
    let order = |name: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let r = client
                .post(format!(
                    "{base}/accounts/acct999999/exchange/split.example.com/mailboxes"
                ))
                .basic_auth(QWE.0, Some(QWE.1))
                .json(&mailbox_body(name))
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status(), 202);
            Placed::from_response(&r)
        }
    };
    // Nobody provisions yet.
    let early = order("early").await;
    assert_eq!(status(&client, &early).await, "Processing");

    let mut worker = Command::new(BIN)
        .args(["worker", "--workers", "2", "--database", &db.url])
        .arg("--mail-root")
        .arg(&mail_root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn mailorder worker");
    let mut line = String::new();
    let stdout = worker.stdout.take().expect("stdout");
    tokio::io::AsyncBufReadExt::read_line(&mut tokio::io::BufReader::new(stdout), &mut line)
        .await
        .expect("read");
    assert_eq!(line.trim(), "working");

    // The queued order is picked up at start; a new one through the API wakes the worker.
    for (placed, within) in [
        (early, Duration::from_secs(20)),
        (order("late").await, Duration::from_secs(20)),
    ] {
        let until = Instant::now() + within;
        while status(&client, &placed).await != "Completed" {
            assert!(Instant::now() < until, "not completed within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await; // poll interval, bounded by the deadline
        }
    }
    if !db.is_sqlite() {
        let placed = order("notified").await;
        let until = Instant::now() + Duration::from_secs(4);
        while status(&client, &placed).await != "Completed" {
            assert!(
                Instant::now() < until,
                "NOTIFY did not wake the worker (its idle poll is 5 s)"
            );
            tokio::time::sleep(Duration::from_millis(20)).await; // poll interval, bounded by the deadline
        }
    }
    worker.kill().await.expect("stop worker");
}

on_both_backends!(api_and_worker_processes_split_the_work);
