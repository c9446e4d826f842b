//! Which way the store talks to its databases: `cargo bench --bench sql_drivers` (set
//! MAILORDER_BENCH_POSTGRES to a server URL ending in a database name to also run PostgreSQL).
//!
//! The same statements through sqlx's typed driver of the back end (the baseline) and through
//! its `Any` driver, which lets one implementation serve both back ends: a read (the Exchange
//! resource's join of three tables, one row of 13 columns), the same read from 16 tasks at once,
//! and a write transaction (begin, one `UPDATE`, commit). Medians of 3,000 runs, in the same
//! process, alternating, so the machine's noise hits both alike.

use std::time::{Duration, Instant};

mod common;

use sqlx::{AnyPool, Row};

const RUNS: usize = 3000;
const READ: &str = "SELECT e.id, e.domain, e.version, e.free_mailboxes, e.quota_mb,
        e.plan, e.updated_at, a.id AS account_id, a.number, a.status, a.franchise_id, f.name AS franchise_name, f.sandbox
    FROM exchanges e JOIN accounts a ON a.id = e.account_id JOIN franchises f ON f.id = a.franchise_id
    WHERE a.number = $1 AND e.domain = $2";
const WRITE: &str = "UPDATE exchanges SET updated_at = updated_at + 1 WHERE domain = $1";

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e6
}

/// Reads the row's columns the way the store does (by name).
fn decode<R: Row>(row: &R) -> i64
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut n: i64 = 0;
    for col in [
        "id",
        "free_mailboxes",
        "quota_mb",
        "updated_at",
        "account_id",
        "franchise_id",
        "sandbox",
    ] {
        n = n.wrapping_add(row.get::<i64, _>(col));
    }
    for col in [
        "domain",
        "version",
        "plan",
        "number",
        "status",
        "franchise_name",
    ] {
        n = n.wrapping_add(row.get::<String, _>(col).len() as i64);
    }
    n
}

macro_rules! timed {
    ($body:expr) => {{
        let t = Instant::now();
        std::hint::black_box($body);
        t.elapsed()
    }};
}

async fn concurrent_read_us<F, Fut>(read: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = i64> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let read = read.clone();
            tokio::spawn(async move {
                for _ in 0..RUNS / 16 {
                    std::hint::black_box(read().await);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    started.elapsed().as_secs_f64() * 1e6 / (RUNS / 16 * 16) as f64
}

async fn run(label: &str, url: &str) {
    let store = mailorder::store::connect(url).await.expect("store");
    let pool = mailorder::hashing::HashPool::new(Default::default());
    mailorder::admin::seed_demo(
        store.as_ref(),
        &pool,
        &mailorder::pricing::Catalog::builtin(),
    )
    .await
    .expect("demo");
    store.close().await;
    sqlx::any::install_default_drivers();
    let any = AnyPool::connect(url).await.expect("any pool");
    let args = ("acct999999", "myexchangedomain.com");
    let (mut typed_read, mut any_read, mut typed_write, mut any_write) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (typed_conc, any_conc);
    if url.starts_with("sqlite") {
        let typed = sqlx::SqlitePool::connect(url).await.expect("pool");
        for _ in 0..RUNS {
            typed_read.push(timed!(decode(
                &sqlx::query(READ)
                    .bind(args.0)
                    .bind(args.1)
                    .fetch_one(&typed)
                    .await
                    .expect("read")
            )));
            any_read.push(timed!(decode(
                &sqlx::query(READ)
                    .bind(args.0)
                    .bind(args.1)
                    .fetch_one(&any)
                    .await
                    .expect("read")
            )));
            typed_write.push(timed!({
                let mut tx = typed.begin_with("BEGIN IMMEDIATE").await.expect("begin");
                sqlx::query(WRITE)
                    .bind(args.1)
                    .execute(&mut *tx)
                    .await
                    .expect("write");
                tx.commit().await.expect("commit")
            }));
            any_write.push(timed!({
                let mut tx = any.begin_with("BEGIN IMMEDIATE").await.expect("begin");
                sqlx::query(WRITE)
                    .bind(args.1)
                    .execute(&mut *tx)
                    .await
                    .expect("write");
                tx.commit().await.expect("commit")
            }));
        }
        let t = typed.clone();
        typed_conc = concurrent_read_us(move || {
            let t = t.clone();
            async move {
                decode(
                    &sqlx::query(READ)
                        .bind(args.0)
                        .bind(args.1)
                        .fetch_one(&t)
                        .await
                        .expect("read"),
                )
            }
        })
        .await;
    } else {
        let typed = sqlx::PgPool::connect(url).await.expect("pool");
        for _ in 0..RUNS {
            typed_read.push(timed!(decode(
                &sqlx::query(READ)
                    .bind(args.0)
                    .bind(args.1)
                    .fetch_one(&typed)
                    .await
                    .expect("read")
            )));
            any_read.push(timed!(decode(
                &sqlx::query(READ)
                    .bind(args.0)
                    .bind(args.1)
                    .fetch_one(&any)
                    .await
                    .expect("read")
            )));
            typed_write.push(timed!({
                let mut tx = typed.begin().await.expect("begin");
                sqlx::query(WRITE)
                    .bind(args.1)
                    .execute(&mut *tx)
                    .await
                    .expect("write");
                tx.commit().await.expect("commit")
            }));
            any_write.push(timed!({
                let mut tx = any.begin().await.expect("begin");
                sqlx::query(WRITE)
                    .bind(args.1)
                    .execute(&mut *tx)
                    .await
                    .expect("write");
                tx.commit().await.expect("commit")
            }));
        }
        let t = typed.clone();
        typed_conc = concurrent_read_us(move || {
            let t = t.clone();
            async move {
                decode(
                    &sqlx::query(READ)
                        .bind(args.0)
                        .bind(args.1)
                        .fetch_one(&t)
                        .await
                        .expect("read"),
                )
            }
        })
        .await;
    }
    let a = any.clone();
    any_conc = concurrent_read_us(move || {
        let a = a.clone();
        async move {
            decode(
                &sqlx::query(READ)
                    .bind(args.0)
                    .bind(args.1)
                    .fetch_one(&a)
                    .await
                    .expect("read"),
            )
        }
    })
    .await;
    println!("\n### {label}\n");
    println!("| statement | typed driver µs (baseline) | `Any` driver µs | ratio |");
    println!("|---|---|---|---|");
    for (name, typed, any) in [
        (
            "read, one at a time (median)",
            median(typed_read),
            median(any_read),
        ),
        ("read, 16 tasks at once (µs per read)", typed_conc, any_conc),
        (
            "write transaction (median)",
            median(typed_write),
            median(any_write),
        ),
    ] {
        println!("| {name} | {typed:.1} | {any:.1} | {:.2} |", any / typed);
    }
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    run(
        "SQLite",
        &format!("sqlite://{}/drivers.db", dir.path().display()),
    )
    .await;
    if let Some(db) = common::PgDatabase::create("drivers") {
        run("PostgreSQL", &db.url).await;
    }
}
