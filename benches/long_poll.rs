//! Long-poll benchmark: `cargo bench --bench long_poll` (add
//! `MAILORDER_BENCH_POSTGRES=postgres://…` for PostgreSQL too).
//!
//! A server in this process (no workers: the benchmark runs the one step itself) gets a free
//! order; then N clients wait on it (`Prefer: wait=60`, `If-None-Match`), and once all are
//! asleep the step runs. Measured: the time from the step's end (committed and announced) to
//! each answer, the database checkouts from the first waiter's arrival to the last answer
//! (each waiter's own read on arrival included), and the process's RSS idle, with the waiters
//! asleep, and after. N = 1 is the baseline of the same run; then N = 1,000. The clients live in
//! this process too: the RSS figures hold both ends of every connection, an upper bound of
//! what the server spends.

use std::time::{Duration, Instant};

mod common;

use mailorder::app::{ServeConfig, Server};
use serde_json::json;

fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

const QWE: (&str, &str) = ("qwe@partner_api_developer_us_main", "iu34t8hf");

struct Round {
    waiters: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    checkouts: u64,
    rss_asleep: u64,
}

async fn round(server: &Server, base: &str, n: usize, name: &str) -> Round {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let r = client
        .post(format!(
            "{base}/accounts/acct999999/exchange/myexchangedomain.com/mailboxes"
        ))
        .basic_auth(QWE.0, Some(QWE.1))
        .json(&json!({"owner": {"username": name, "password": "tester1234"}}))
        .send()
        .await
        .expect("order");
    assert_eq!(r.status(), 202);
    let order = r.headers()["location"].to_str().expect("ascii").to_owned();
    let r = client
        .get(&order)
        .basic_auth(QWE.0, Some(QWE.1))
        .send()
        .await
        .expect("read");
    let etag = r.headers()["etag"].to_str().expect("ascii").to_owned();
    let store = server.store();
    let before = store.db_checkouts();
    let waiters: Vec<_> = (0..n)
        .map(|_| {
            let (client, order, etag) = (client.clone(), order.clone(), etag.clone());
            tokio::spawn(async move {
                let r = client
                    .get(&order)
                    .basic_auth(QWE.0, Some(QWE.1))
                    .header("Prefer", "wait=60")
                    .header("If-None-Match", etag)
                    .send()
                    .await
                    .expect("wait");
                assert_eq!(r.status(), 200);
                Instant::now()
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while store.order_watch().waiting() < n {
        assert!(Instant::now() < deadline, "waiters did not arrive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rss_asleep = rss();
    server.worker().run_once().await.expect("the step");
    let finished = Instant::now();
    let mut late: Vec<Duration> = Vec::with_capacity(n);
    for w in waiters {
        late.push(w.await.expect("waiter").saturating_duration_since(finished));
    }
    let checkouts = store.db_checkouts() - before;
    late.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Round {
        waiters: n,
        p50_ms: ms(late[n / 2]),
        p99_ms: ms(late[(n * 99 / 100).min(n - 1)]),
        max_ms: ms(late[n - 1]),
        checkouts,
        rss_asleep,
    }
}

async fn run(label: &str, database: String) {
    let mail = tempfile::tempdir().expect("temp dir");
    let mut config = ServeConfig::new("127.0.0.1:0", database);
    config.demo = true;
    config.mail_root = mail.path().to_path_buf();
    config.worker.workers = 0;
    config.limits.rate = mailorder::limits::RateConfig::OFF;
    // The webhook loop's idle look for events (twice a second) would count too.
    config.webhooks.poll = Duration::from_secs(3600);
    let server = Server::start(config).await.expect("server");
    let base = format!("http://{}", server.addr());
    let idle = rss();
    let one = round(&server, &base, 1, "lp-one").await;
    let many = round(&server, &base, 1000, "lp-many").await;
    let after = rss();
    println!("long-poll ({label}): RSS idle {:.1} MB", mb(idle));
    for r in [&one, &many] {
        println!(
            "  {:>5} waiters: answered after the step by p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} database checkouts from the first arrival to the last answer; RSS asleep {:.1} MB",
            r.waiters,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.checkouts,
            mb(r.rss_asleep)
        );
    }
    println!(
        "  1,000 waiters over 1: checkouts {} vs {} (1,000 of them each waiter's read on arrival); RSS +{:.1} MB asleep ({:.1} KB a waiter, both ends); RSS after {:.1} MB",
        many.checkouts,
        one.checkouts,
        mb(many.rss_asleep.saturating_sub(one.rss_asleep)),
        many.rss_asleep.saturating_sub(one.rss_asleep) as f64 / 1000.0 / 1024.0,
        mb(after)
    );
    server.stop().await.expect("stop");
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        run(
            "SQLite",
            format!("sqlite://{}", dir.path().join("lp.sqlite").display()),
        )
        .await;
        if let Some(db) = common::PgDatabase::create("long_poll") {
            run("PostgreSQL", db.url.clone()).await;
        }
    });
}
