//! Instances benchmark: `MAILORDER_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres
//! cargo bench --bench instances`.
//!
//! Runs real `mailorder serve` processes: 1 on SQLite, then 1, 2 and 3 on one PostgreSQL. For
//! each, a client places 300 free-mailbox orders (8 at a time, spread over the instances), waits
//! until all are completed, then reads orders 2,000 times (8 at a time). The baseline, measured
//! in the same run, is how many argon2id hashes this machine does per second on all its cores:
//! the ceiling for order acceptance, which hashes each owner's password once.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use mailorder::domain::Password;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_mailorder");
const ORDERS: usize = 300;
const READS: usize = 2000;
const CONCURRENCY: usize = 8;

async fn admin(db: &str, args: &[&str]) {
    let out = Command::new(BIN)
        .args(args)
        .args(["--database", db])
        .env("MAILORDER_PASSWORD", "iu34t8hf")
        .output()
        .await
        .expect("admin");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn serve(db: &str, root: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "2",
            "--database",
            db,
        ])
        .arg("--mail-root")
        .arg(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .await
        .expect("line");
    (
        child,
        line.trim().trim_start_matches("listening on ").to_owned(),
    )
}

/// Runs `n` requests, `CONCURRENCY` at a time; returns the wall time and each request's time.
async fn load<F, Fut>(n: usize, request: F) -> (Duration, Vec<Duration>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let request = Arc::new(request);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (request, next) = (Arc::clone(&request), Arc::clone(&next));
        tasks.spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    return times;
                }
                let t = Instant::now();
                request(i).await;
                times.push(t.elapsed());
            }
        });
    }
    let mut all = Vec::new();
    while let Some(t) = tasks.join_next().await {
        all.extend(t.expect("task"));
    }
    all.sort();
    (started.elapsed(), all)
}

async fn run(label: &str, db: &str, instances: usize, hashes_per_s: f64) {
    let root = tempfile::tempdir().expect("mail root");
    admin(db, &["franchise", "add", "partner_api_developer_us_main"]).await;
    admin(
        db,
        &[
            "account",
            "add",
            "partner_api_developer_us_main",
            "acct999999",
        ],
    )
    .await;
    admin(
        db,
        &[
            "exchange",
            "add",
            "partner_api_developer_us_main",
            "acct999999",
            "bench.example.com",
            "--free",
            "100000",
        ],
    )
    .await;
    admin(db, &["user", "add", "qwe@partner_api_developer_us_main"]).await;
    let mut children = Vec::new();
    for _ in 0..instances {
        children.push(serve(db, root.path()).await);
    }
    let bases: Arc<Vec<String>> = Arc::new(children.iter().map(|(_, b)| b.clone()).collect());
    let client = reqwest::Client::new();
    let placed = Arc::new(std::sync::Mutex::new(Vec::new()));

    let (c, b, p) = (client.clone(), Arc::clone(&bases), Arc::clone(&placed));
    let (wall, _) = load(ORDERS, move |i| {
        let (c, b, p) = (c.clone(), Arc::clone(&b), Arc::clone(&p));
        async move {
            let url = format!(
                "{}/accounts/acct999999/exchange/bench.example.com/mailboxes",
                b[i % b.len()]
            );
            let body = json!({"owner": {"username": format!("u{i}"), "password": "Bench12345"}});
            let r = c
                .post(url)
                .basic_auth("qwe@partner_api_developer_us_main", Some("iu34t8hf"))
                .json(&body)
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), 202);
            let location = r.headers()["location"].to_str().expect("ascii").to_owned();
            let cookie = r.headers()["set-cookie"]
                .to_str()
                .expect("ascii")
                .split(';')
                .next()
                .expect("pair")
                .to_owned();
            p.lock().expect("placed").push((location, cookie));
        }
    })
    .await;
    let accept_rate = ORDERS as f64 / wall.as_secs_f64();

    let placed: Arc<Vec<(String, String)>> = Arc::new(placed.lock().expect("placed").clone());
    let started = Instant::now();
    for (location, cookie) in placed.iter() {
        loop {
            let r = client
                .get(location)
                .header("Cookie", cookie)
                .send()
                .await
                .expect("get");
            let body: serde_json::Value = r.json().await.expect("json");
            if body["order"]["Status"] == "Completed" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "orders not completed"
            );
            tokio::time::sleep(Duration::from_millis(5)).await; // poll interval, bounded by the deadline
        }
    }
    let drain = started.elapsed();

    let (c, p) = (client.clone(), Arc::clone(&placed));
    let (read_wall, reads) = load(READS, move |i| {
        let (c, p) = (c.clone(), Arc::clone(&p));
        async move {
            let (location, cookie) = &p[i % p.len()];
            let r = c
                .get(location)
                .header("Cookie", cookie.as_str())
                .send()
                .await
                .expect("get");
            assert_eq!(r.status(), 200);
            let _ = r.bytes().await;
        }
    })
    .await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {label} | {instances} | {accept_rate:.1} | {:.2} | {:.1} | {:.0} | {:.2} | {:.2} |",
        accept_rate / hashes_per_s,
        ms(drain),
        READS as f64 / read_wall.as_secs_f64(),
        ms(reads[reads.len() / 2]),
        ms(reads[reads.len() * 95 / 100]),
    );
    for (mut child, _) in children {
        let _ = child.kill().await;
    }
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // Baseline: argon2id hashes per second with every core busy.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_core = 20;
    let started = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            std::thread::spawn(move || {
                let p = Password::parse("Bench12345").expect("valid");
                for _ in 0..per_core {
                    std::hint::black_box(p.hash());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("hash thread");
    }
    let hashes_per_s = (cores * per_core) as f64 / started.elapsed().as_secs_f64();
    println!("\nbaseline: {hashes_per_s:.1} argon2id hashes/s on {cores} cores\n");
    println!(
        "| back end | instances | orders accepted/s | ratio to hashes/s | last 202 → all Completed (ms) | order reads/s | read median ms | read p95 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let dir = tempfile::tempdir().expect("temp dir");
    run(
        "SQLite",
        &format!("sqlite://{}/bench.db", dir.path().display()),
        1,
        hashes_per_s,
    )
    .await;
    for instances in 1..=3 {
        let Some(db) = common::PgDatabase::create(&instances.to_string()) else {
            break;
        };
        run("PostgreSQL", &db.url, instances, hashes_per_s).await;
    }
}
