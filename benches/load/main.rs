//! Load benchmark: `cargo bench --bench load` (needs `wrk`: `apt-get install wrk`; set
//! MAILORDER_BENCH_POSTGRES to a server URL ending in a database name to also run PostgreSQL).
//!
//! It starts a real `mailorder serve --demo` on loopback over a fresh database and drives it from
//! separate wrk processes, watching the server's resident memory throughout. Every figure is
//! printed next to a baseline measured in the same run (these machines are noisy): order
//! acceptance against the raw argon2id rate of the same parameters on the same cores, reads
//! against a trivial route through the same middleware, list pages at 1M mailboxes against the
//! same pages at 1k.

use std::time::{Duration, Instant};

#[path = "../common/mod.rs"]
mod common;
mod rss;
mod wrk;

use wrk::Scenario;

const QWE: &str = "qwe@partner_api_developer_us_main";
/// `Authorization` for the demo agent `qwe:iu34t8hf`.
const QWE_BASIC: &str =
    "Authorization: Basic cXdlQHBhcnRuZXJfYXBpX2RldmVsb3Blcl91c19tYWluOml1MzR0OGhm";
const JSON: &str = "Content-Type: application/json; charset=UTF-8";
const ORDER_RUN: Duration = Duration::from_secs(8);
const READ_RUN: Duration = Duration::from_secs(8);
const LIST_RUN: Duration = Duration::from_secs(4);

/// Waits (bounded) until `ok`.
fn until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50)); // poll, bounded by the deadline
    }
}

/// The value of a metric line `name value` in the server's `/metrics`.
async fn metric(client: &reqwest::Client, base: &str, name: &str) -> f64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// Raw argon2id hashes per second with every core hashing (m=19456 KiB, t=2, p=1), in this
/// process, each hash in fresh memory as the crate's default API does it.
fn raw_argon2_rate() -> f64 {
    let threads = mailorder::hashing::default_threads();
    let run = Duration::from_secs(4);
    let started = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let password = mailorder::domain::Password::parse("Bench12345").expect("ok");
                    let mut n = 0;
                    while started.elapsed() < run {
                        std::hint::black_box(password.hash());
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("hash"))
            .collect()
    });
    counts.iter().sum::<u64>() as f64 / started.elapsed().as_secs_f64()
}

/// Places one free order and waits for it: (order URL, cookie, mailbox URL).
async fn order_to_read(client: &reqwest::Client, base: &str) -> (String, String, String) {
    let mailboxes = format!("{base}/accounts/acct999999/exchange/bench.example.com/mailboxes");
    let r = client
        .post(&mailboxes)
        .basic_auth(QWE, Some("iu34t8hf"))
        .json(&serde_json::json!({"owner": {"username": "reader", "password": "Bench12345"}}))
        .send()
        .await
        .expect("order");
    assert_eq!(r.status(), 202);
    let order = r.headers()["location"].to_str().expect("ascii").to_owned();
    let cookie = r.headers()["set-cookie"].to_str().expect("ascii");
    let cookie = cookie.split(';').next().expect("pair").to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let body: serde_json::Value = client
            .get(&order)
            .header("Cookie", &cookie)
            .send()
            .await
            .expect("read")
            .json()
            .await
            .expect("json");
        if body["order"]["Status"] == "Completed" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the reader order did not complete"
        );
        tokio::time::sleep(Duration::from_millis(20)).await; // poll, bounded by the deadline
    }
    (order, cookie, format!("{mailboxes}/reader"))
}

/// 202 → Completed of the steady-rate orders, from the server's own timestamps (ms).
async fn completion_lags(database: &str) -> Vec<Duration> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database).await.expect("connect");
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT o.created_at, o.updated_at FROM orders o JOIN order_items i ON i.order_id = o.id \
         WHERE i.username LIKE 'steady%' AND o.status = 'Completed'",
    )
    .fetch_all(&pool)
    .await
    .expect("lags");
    pool.close().await;
    rows.into_iter()
        .map(|(c, u)| Duration::from_millis(u64::try_from(u - c).unwrap_or(0)))
        .collect()
}

/// The p-th percentile of samples, in ms.
fn percentile(samples: &mut [Duration], p: usize) -> f64 {
    samples.sort();
    let i = (samples.len() * p / 100).min(samples.len() - 1);
    samples[i].as_secs_f64() * 1000.0
}

fn bench(label: &str, database: &str, postgres: bool, rt: &tokio::runtime::Runtime) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // wrk sends everything from one address as one login: measure the server, not the rate
    // limits.
    let server = common::ServeProcess::start(
        database,
        &["--rate-per-address", "0", "--rate-per-login", "0"],
    );
    let base = server.base.clone();
    let pid = server.pid();
    rt.block_on(async {
        let store = mailorder::store::connect(database).await.expect("store");
        for domain in [
            "bench.example.com",
            "list1k.example.com",
            "list1m.example.com",
        ] {
            common::add_exchange_to(store.as_ref(), domain).await;
        }
        store.close().await;
    });
    // Idle: started, demo seeded, and the hashing threads' memory given back.
    until("the hashing pool to go idle", || {
        rt.block_on(metric(&client, &base, "mailorder_hash_pool_memory_bytes")) == 0.0
    });
    let idle = rss::now(pid);
    let watch = rss::Watch::start(pid);
    let raw = raw_argon2_rate();
    watch.phase();

    println!("\n### {label}\n");
    println!(
        "RSS idle: **{:.1} MB**. Raw argon2id rate on {} cores (same run): **{raw:.1} hashes/s**.\n",
        rss::mb(idle),
        mailorder::hashing::default_threads()
    );
    println!(
        "| phase | clients | requests/s | p50 ms | p99 ms | ratio to baseline | answers | peak RSS MB |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let row = |phase: &str, clients: usize, run: &wrk::Run, ratio: String, peak: u64| {
        println!(
            "| {phase} | {clients} | {:.1} | {:.2} | {:.2} | {ratio} | {} | {:.1} |",
            run.per_second(),
            run.p50_ms,
            run.p99_ms,
            run.statuses_text(),
            rss::mb(peak)
        );
    };

    // Order acceptance, free and paid.
    for (kind, domain, prefix) in [
        ("free", "bench.example.com", "f"),
        ("paid", "paid.example.com", "p"),
    ] {
        let url = format!("{base}/accounts/acct999999/exchange/{domain}/mailboxes");
        for clients in [1, 4, 16, 64] {
            let tag = format!("{prefix}{clients}x");
            let run = wrk::run(
                &Scenario::Order,
                &url,
                &[QWE_BASIC.into(), JSON.into()],
                clients,
                ORDER_RUN,
                &tag,
            );
            let accepted = run.status_per_second(202);
            row(
                &format!("POST {kind} mailbox (202/s in ratio)"),
                clients,
                &run,
                format!("{:.2} × raw argon2id", accepted / raw),
                watch.phase(),
            );
        }
    }

    // A flood of wrong passwords, each a new guess, with a correct client beside it.
    let account = format!("{base}/accounts/acct999999");
    let (flood, correct) = std::thread::scope(|s| {
        let flood = s.spawn(|| {
            wrk::run(
                &Scenario::WrongPassword { login: QWE },
                &account,
                &[],
                64,
                Duration::from_secs(10),
                "w",
            )
        });
        let correct = s.spawn(|| {
            wrk::run(
                &Scenario::Get,
                &account,
                &[QWE_BASIC.into()],
                1,
                Duration::from_secs(10),
                "c",
            )
        });
        (
            flood.join().expect("flood"),
            correct.join().expect("correct"),
        )
    });
    let peak = watch.phase();
    row(
        "wrong passwords (new guess each)",
        64,
        &flood,
        "-".into(),
        peak,
    );
    row(
        "… beside it, a correct client",
        1,
        &correct,
        "-".into(),
        peak,
    );

    // One minute after the load.
    std::thread::sleep(Duration::from_secs(60)); // the measurement is "one minute later"
    let after = rss::now(pid);
    watch.phase();

    // Reads at 64 connections against the floor.
    let (order, cookie, mailbox) = rt.block_on(order_to_read(&client, &base));
    let floor = wrk::run(
        &Scenario::Get,
        &format!("{base}/healthz"),
        &[],
        64,
        READ_RUN,
        "r",
    );
    row(
        "GET /healthz (floor)",
        64,
        &floor,
        "1.00".into(),
        watch.phase(),
    );
    for (name, url, header) in [
        (
            "GET /orders/{id} (cookie)",
            order,
            format!("Cookie: {cookie}"),
        ),
        (
            "GET …/mailboxes/{username} (Basic, cached)",
            mailbox,
            QWE_BASIC.to_owned(),
        ),
    ] {
        let run = wrk::run(&Scenario::Get, &url, &[header], 64, READ_RUN, "r");
        let ratio = format!("{:.2} × floor", run.per_second() / floor.per_second());
        row(name, 64, &run, ratio, watch.phase());
    }

    // 202 → Completed at a steady rate: 2 clients, each pausing 250 ms between orders.
    let steady = wrk::run(
        &Scenario::PacedOrder { ms: 250 },
        &format!("{base}/accounts/acct999999/exchange/bench.example.com/mailboxes"),
        &[QWE_BASIC.into(), JSON.into()],
        2,
        Duration::from_secs(20),
        "steady",
    );
    row(
        "POST free mailbox at a steady rate",
        2,
        &steady,
        "-".into(),
        watch.phase(),
    );
    let mut lags = Vec::new();
    until("the steady orders to complete", || {
        lags = rt.block_on(completion_lags(database));
        lags.len() as u64 >= steady.statuses.get(&202).copied().unwrap_or(0)
    });
    println!(
        "\n202 → Completed at {:.1} orders/s ({} orders, server timestamps): p50 **{:.0} ms**, p99 **{:.0} ms**.",
        steady.status_per_second(202),
        lags.len(),
        percentile(&mut lags, 50),
        percentile(&mut lags, 99)
    );
    println!(
        "RSS one minute after the order and login load: **{:.1} MB**.",
        rss::mb(after)
    );

    // List pages at 1,000 and 1,000,000 mailboxes in one domain.
    let started = Instant::now();
    rt.block_on(async {
        common::fill_mailboxes(database, "list1k.example.com", 1_000, postgres).await;
        common::fill_mailboxes(database, "list1m.example.com", 1_000_000, postgres).await;
    });
    println!(
        "\nList pages (pageSize 100, Basic auth cached, 1 connection, {} s each; 1M mailboxes filled in {:.0} s):\n",
        LIST_RUN.as_secs(),
        started.elapsed().as_secs_f64()
    );
    println!("| page | 1k: p50 ms | 1k: p99 ms | 1M: p50 ms | 1M: p99 ms | 1M / 1k (p50) |");
    println!("|---|---|---|---|---|---|");
    let pages = |last: u32| {
        [
            ("first", "page=1&pageSize=100".to_owned()),
            (
                "middle, sorted",
                format!("sortField=username&page={}&pageSize=100", last / 2),
            ),
            (
                "last, sorted",
                format!("sortField=username&page={last}&pageSize=100"),
            ),
            (
                "first, sorted desc",
                "sortField=username&sortOrder=desc&page=1&pageSize=100".to_owned(),
            ),
            (
                "prefix filter user0005* (100 matches)",
                "filterUsername=user0005*&page=1&pageSize=100".to_owned(),
            ),
        ]
    };
    let list = |domain: &str, query: &str| {
        let url = format!("{base}/accounts/acct999999/exchange/{domain}/mailboxes?{query}");
        let run = wrk::run(&Scenario::Get, &url, &[QWE_BASIC.into()], 1, LIST_RUN, "l");
        assert_eq!(run.statuses.keys().collect::<Vec<_>>(), [&200], "{url}");
        run
    };
    for ((name, small), (_, big)) in pages(10).into_iter().zip(pages(10_000)) {
        let k = list("list1k.example.com", &small);
        let m = list("list1m.example.com", &big);
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            k.p50_ms,
            k.p99_ms,
            m.p50_ms,
            m.p99_ms,
            m.p50_ms / k.p50_ms
        );
    }
    println!(
        "\nPeak RSS while listing: {:.1} MB.",
        rss::mb(watch.phase())
    );
    drop(watch);
    server.stop();
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    wrk::check_installed();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}/load.db", dir.path().display());
    bench("SQLite", &sqlite, false, &rt);
    if let Some(db) = common::PgDatabase::create("load") {
        bench("PostgreSQL", &db.url, true, &rt);
    }
}
