//! Mailbox-list benchmark at scale: `cargo bench --bench mailbox_list` (set
//! MAILORDER_BENCH_POSTGRES to a server URL ending in a database name to also run PostgreSQL).
//!
//! Fills one domain with 100,000 mailboxes, then times list pages of 100 (first, middle, last;
//! both sort orders; a prefix filter; a status filter) against a baseline measured in the same
//! run: a request that touches no database.

use std::time::Instant;

mod common;

use mailorder::app::{ServeConfig, Server};

const MAILBOXES: i64 = 100_000;
const RUNS: usize = 40;

async fn run(label: &str, database: String, postgres: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServeConfig::new("127.0.0.1:0", database.clone());
    config.demo = true;
    config.mail_root = dir.path().join("vmail");
    let server = Server::start(config).await.expect("server");
    common::add_exchange(&server, "big.example.com").await;
    let started = Instant::now();
    common::fill_mailboxes(&database, "big.example.com", MAILBOXES, postgres).await;
    let fill_s = started.elapsed().as_secs_f64();

    let base = format!("http://{}", server.addr());
    let list = format!("{base}/accounts/acct999999/exchange/big.example.com/mailboxes");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let time = |url: String, expect: u16| {
        let client = client.clone();
        async move {
            let mut samples = Vec::with_capacity(RUNS);
            for _ in 0..RUNS {
                let t = Instant::now();
                let r = client
                    .get(&url)
                    .basic_auth("qwe@partner_api_developer_us_main", Some("iu34t8hf"))
                    .send()
                    .await
                    .expect("get");
                assert_eq!(r.status().as_u16(), expect, "{url}");
                let body = r.bytes().await.expect("body");
                samples.push(t.elapsed());
                if expect == 200 {
                    assert!(
                        body.len() > 1000 || url.contains("no-such"),
                        "{url}: a page of items"
                    );
                }
            }
            common::stats(samples)
        }
    };
    let cases = [
        (
            "page 1 of 1000 (no sort)",
            format!("{list}?page=1&pageSize=100"),
            200,
        ),
        (
            "page 500, sorted asc",
            format!("{list}?sortField=username&page=500&pageSize=100"),
            200,
        ),
        (
            "page 1000 (last), sorted asc",
            format!("{list}?sortField=username&page=1000&pageSize=100"),
            200,
        ),
        (
            "page 1, sorted desc",
            format!("{list}?sortField=username&sortOrder=desc&page=1&pageSize=100"),
            200,
        ),
        (
            "page 1000, sorted desc",
            format!("{list}?sortField=username&sortOrder=desc&page=1000&pageSize=100"),
            200,
        ),
        (
            "prefix filter user05*, page 10 (last)",
            format!("{list}?filterUsername=user05*&page=10&pageSize=100"),
            200,
        ),
        (
            "status filter open, page 700",
            format!("{list}?filterBillingStatus=open&page=700&pageSize=100"),
            200,
        ),
        (
            "infix filter *999*, page 1",
            format!("{list}?filterUsername=*999*&page=1&pageSize=100"),
            200,
        ),
        ("no paging: 303 to page 1", list.clone(), 303),
    ];
    let (trivial, trivial_p95) = time(format!("{base}/no-such-route"), 404).await;
    println!("\n### {label} ({MAILBOXES} mailboxes in one domain, filled in {fill_s:.1} s)\n");
    println!("| request (pageSize 100) | median ms | p95 ms | ratio to baseline (median) |");
    println!("|---|---|---|---|");
    println!(
        "| baseline: GET unknown route (no database) | {trivial:.3} | {trivial_p95:.3} | 1.0 |"
    );
    for (name, url, expect) in cases {
        let (median, p95) = time(url, expect).await;
        println!(
            "| {name} | {median:.2} | {p95:.2} | {:.1} |",
            median / trivial
        );
    }
    server.stop().await.expect("stop");
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    run(
        "SQLite",
        format!("sqlite://{}/bench.db", dir.path().display()),
        false,
    )
    .await;
    if let Some(db) = common::PgDatabase::create("list") {
        run("PostgreSQL", db.url.clone(), true).await;
    }
}
