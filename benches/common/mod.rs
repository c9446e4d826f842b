//! What the benchmarks share: timing statistics, the benchmark's Exchange domain, and
//! throw-away PostgreSQL databases. (Each benchmark uses a part of it.)
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mailorder::app::Server;

/// A `mailorder serve --demo` process on loopback over `database`, with its own mail root;
/// killed if it is dropped still running (a benchmark that fails does not leave it behind).
pub struct ServeProcess {
    pub child: Child,
    pub base: String,
    _mail: tempfile::TempDir,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl ServeProcess {
    /// Starts it with `extra` flags and waits for its listening line.
    pub fn start(database: &str, extra: &[&str]) -> Self {
        let mail = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_mailorder"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .args(extra)
            .args(["--database", database])
            .arg("--mail-root")
            .arg(mail.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mailorder serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("listening line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self {
            child,
            base,
            _mail: mail,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM; it must exit 0.
    pub fn stop(mut self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "mailorder exited with {status}");
    }
}

/// (median, p95) of the samples, in milliseconds.
pub fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
    )
}

/// Adds `domain` to the demo account with room for a million free mailboxes.
pub async fn add_exchange(server: &Server, domain: &str) {
    add_exchange_to(server.store().as_ref(), domain).await;
}

/// [`add_exchange`] on any store (a server in another process shares its database).
pub async fn add_exchange_to(store: &mailorder::store::Store, domain: &str) {
    let spec = mailorder::admin::ExchangeSpec {
        franchise: "partner_api_developer_us_main",
        account: "acct999999",
        domain,
        version: "2010",
        plan: "exchange2010",
        free_mailboxes: Some(1_000_000),
        quota_mb: 2048,
    };
    mailorder::admin::add_exchange(store, &mailorder::pricing::Catalog::builtin(), &spec)
        .await
        .expect("exchange");
}

/// Puts `count` open mailboxes `user000000`, `user000001`, … into `domain` with one set-based
/// `INSERT`, then refreshes the planner's statistics as autovacuum would after a bulk load.
pub async fn fill_mailboxes(database: &str, domain: &str, count: i64, postgres: bool) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database).await.expect("connect");
    let exchange: i64 = sqlx::query_scalar(&format!(
        "SELECT id FROM exchanges WHERE domain = '{domain}'"
    ))
    .fetch_one(&pool)
    .await
    .expect("exchange");
    let columns = "exchange_id, username, billing_status, admin, notes, recipient_limit, quota_mb, contact, \
                   password_hash, order_id, created_at, updated_at";
    let values =
        format!("{exchange}, {{name}}, 'open', 0, '', 100, 2048, '{{}}', 'x', 'bench', 1, 1");
    let sql = if postgres {
        let name = "'user' || lpad(n::text, 6, '0')";
        format!(
            "INSERT INTO mailboxes ({columns}) SELECT {} FROM generate_series(0, {}) AS n",
            values.replace("{name}", name),
            count - 1
        )
    } else {
        let name = "'user' || substr('00000' || n, -6, 6)";
        format!(
            "INSERT INTO mailboxes ({columns}) WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {}) SELECT {} FROM seq",
            count - 1,
            values.replace("{name}", name)
        )
    };
    sqlx::query(&sql).execute(&pool).await.expect("fill");
    // Statistics, and on PostgreSQL the visibility map (index-only scans).
    let analyze = if postgres {
        "VACUUM (ANALYZE) mailboxes"
    } else {
        "ANALYZE"
    };
    sqlx::query(analyze).execute(&pool).await.expect("analyze");
    pool.close().await;
}

/// A fresh database on the server of `MAILORDER_BENCH_POSTGRES`, dropped when this goes.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

fn psql(admin: &str, sql: &str) {
    let ok = std::process::Command::new("psql")
        .arg(admin)
        .arg("-qc")
        .arg(sql)
        .status()
        .expect("psql");
    assert!(ok.success(), "{sql}");
}

impl PgDatabase {
    /// `None` when `MAILORDER_BENCH_POSTGRES` is unset (the PostgreSQL runs are skipped).
    pub fn create(tag: &str) -> Option<PgDatabase> {
        let admin = std::env::var("MAILORDER_BENCH_POSTGRES").ok()?;
        let name = format!("mailorder_bench_{}_{tag}", std::process::id());
        let (server, _) = admin
            .rsplit_once('/')
            .expect("MAILORDER_BENCH_POSTGRES ends in /DBNAME");
        let url = format!("{server}/{name}");
        psql(&admin, &format!("CREATE DATABASE {name}"));
        Some(PgDatabase { admin, name, url })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        psql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}
