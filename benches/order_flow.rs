//! Order-flow benchmark: `cargo bench --bench order_flow` (set MAILORDER_BENCH_POSTGRES to a
//! server URL ending in a database name to also run it on PostgreSQL).
//!
//! Each figure is printed next to a baseline measured in the same run, because these machines are
//! noisy: order acceptance against one argon2id hash (the cost it cannot avoid), reads against a
//! request that touches no database (an unknown route).

use std::time::{Duration, Instant};

mod common;

use mailorder::app::{ServeConfig, Server};
use mailorder::domain::Password;
use serde_json::{Value, json};

const ORDERS: usize = 200;
const READS: usize = 2000;
const PAID: usize = 100;

fn body(i: usize) -> Value {
    json!({"owner": {"username": format!("bench{i}"), "password": "Bench12345"},
           "recipientLimit": 10, "forwardTo": "copies", "name": {"name": "Bench"}})
}

async fn run(label: &str, database: String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServeConfig::new("127.0.0.1:0", database);
    config.demo = true;
    config.mail_root = dir.path().join("vmail");
    let server = Server::start(config).await.expect("server");
    common::add_exchange(&server, "bench.example.com").await;
    let base = format!("http://{}", server.addr());
    let client = reqwest::Client::new();
    let auth = ("qwe@partner_api_developer_us_main", "iu34t8hf");

    // Baseline 1: one argon2id hash, the floor of order acceptance.
    let password = Password::parse("Bench12345").expect("valid");
    let hashes: Vec<Duration> = (0..30)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(password.hash());
            t.elapsed()
        })
        .collect();
    let (hash_ms, _) = common::stats(hashes);

    // Order acceptance, one client at a time.
    let url = format!("{base}/accounts/acct999999/exchange/bench.example.com/mailboxes");
    let mut posts = Vec::new();
    let mut placed = Vec::new();
    for i in 0..ORDERS {
        let t = Instant::now();
        let r = client
            .post(&url)
            .basic_auth(auth.0, Some(auth.1))
            .json(&body(i))
            .send()
            .await
            .expect("post");
        posts.push(t.elapsed());
        assert_eq!(r.status(), 202);
        let location = r.headers()["location"].to_str().expect("ascii").to_owned();
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("pair")
            .to_owned();
        placed.push((location, cookie));
    }
    let (post_ms, post_p95) = common::stats(posts);

    // 202 → Completed, from the server's own timestamps (created/updated, ms resolution).
    let until = Instant::now() + Duration::from_secs(120);
    let mut lags = Vec::new();
    for (location, _) in &placed {
        let id = location.rsplit('/').next().expect("id");
        loop {
            let order = server
                .store()
                .order(id)
                .await
                .expect("order")
                .expect("exists");
            if order.status == mailorder::store::OrderStatus::Completed {
                lags.push(Duration::from_millis(
                    u64::try_from(order.updated_ms - order.created_ms).unwrap_or(0),
                ));
                break;
            }
            assert!(Instant::now() < until, "orders not completed in time");
            tokio::time::sleep(Duration::from_millis(5)).await; // poll interval, bounded by the deadline
        }
    }
    let (lag_ms, lag_p95) = common::stats(lags);

    // Baseline 2: a request that touches no database.
    let timed = |req: reqwest::RequestBuilder| async move {
        let t = Instant::now();
        let r = req.send().await.expect("get");
        let _ = r.bytes().await;
        t.elapsed()
    };
    let mut trivial = Vec::new();
    let mut by_cookie = Vec::new();
    let mut by_auth = Vec::new();
    for i in 0..READS {
        let (location, cookie) = &placed[i % placed.len()];
        trivial.push(timed(client.get(format!("{base}/no-such-route"))).await);
        by_cookie.push(timed(client.get(location).header("Cookie", cookie.as_str())).await);
        by_auth.push(timed(client.get(location).basic_auth(auth.0, Some(auth.1))).await);
    }
    let (trivial_ms, trivial_p95) = common::stats(trivial);
    let (cookie_ms, cookie_p95) = common::stats(by_cookie);
    let (auth_ms, auth_p95) = common::stats(by_auth);

    // Paid mailboxes: the POST answers a quote, the submit (cookie only, with the quoteHash) queues.
    let paid_url = format!("{base}/accounts/acct999999/exchange/paid.example.com/mailboxes");
    let mut quoted_posts = Vec::new();
    let mut quotes = Vec::new();
    let mut submits = Vec::new();
    for i in 0..PAID {
        let t = Instant::now();
        let r = client
            .post(&paid_url)
            .basic_auth(auth.0, Some(auth.1))
            .json(&body(i))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 202);
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("pair")
            .to_owned();
        let quote: Value = r.json().await.expect("quote");
        quoted_posts.push(t.elapsed());
        let action = quote["links"][1]["href"]
            .as_str()
            .expect("action")
            .to_owned();
        let order = action.trim_end_matches("/action").to_owned();
        quotes.push(
            timed(
                client
                    .get(format!("{order}/quote"))
                    .header("Cookie", cookie.as_str()),
            )
            .await,
        );
        let submit = json!({"action": "submit", "quoteHash": quote["quotehash"]});
        let t = Instant::now();
        let r = client
            .post(&action)
            .header("Cookie", cookie.as_str())
            .json(&submit)
            .send()
            .await
            .expect("submit");
        submits.push(t.elapsed());
        assert_eq!(r.status(), 202);
    }
    let (paid_ms, paid_p95) = common::stats(quoted_posts);
    let (quote_ms, quote_p95) = common::stats(quotes);
    let (submit_ms, submit_p95) = common::stats(submits);

    println!("\n### {label}\n");
    println!("| measure | median ms | p95 ms | ratio to baseline (median) |");
    println!("|---|---|---|---|");
    println!("| baseline: one argon2id hash | {hash_ms:.2} | | 1.00 |");
    println!(
        "| POST mailbox order → 202 ({ORDERS}, sequential) | {post_ms:.2} | {post_p95:.2} | {:.2} × hash |",
        post_ms / hash_ms
    );
    println!("| 202 → Completed (server timestamps, 4 workers) | {lag_ms:.0} | {lag_p95:.0} | |");
    println!(
        "| baseline: GET unknown route (no database) | {trivial_ms:.3} | {trivial_p95:.3} | 1.00 |"
    );
    println!(
        "| GET /orders/{{id}} with OwnerId cookie | {cookie_ms:.3} | {cookie_p95:.3} | {:.2} × trivial |",
        cookie_ms / trivial_ms
    );
    println!(
        "| GET /orders/{{id}} with Basic auth (cached) | {auth_ms:.3} | {auth_p95:.3} | {:.2} × trivial |",
        auth_ms / trivial_ms
    );
    println!(
        "| POST paid mailbox → 202 + quote ({PAID}, sequential) | {paid_ms:.2} | {paid_p95:.2} | {:.2} × hash |",
        paid_ms / hash_ms
    );
    println!(
        "| GET /orders/{{id}}/quote (open order, priced now) | {quote_ms:.3} | {quote_p95:.3} | {:.2} × trivial |",
        quote_ms / trivial_ms
    );
    println!(
        "| POST /orders/{{id}}/action submit with quoteHash | {submit_ms:.3} | {submit_p95:.3} | {:.2} × trivial |",
        submit_ms / trivial_ms
    );
    server.stop().await.expect("stop");
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; there are no test cases here
    }
    let dir = tempfile::tempdir().expect("temp dir");
    run(
        "SQLite",
        format!("sqlite://{}/bench.db", dir.path().display()),
    )
    .await;
    if let Some(db) = common::PgDatabase::create("flow") {
        run("PostgreSQL", db.url.clone()).await;
    }
}
