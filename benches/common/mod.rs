//! What the benchmarks share: timing statistics, the benchmark's Exchange domain, and
//! throw-away PostgreSQL databases. (Each benchmark uses a part of it.)
#![allow(dead_code)]

use std::time::Duration;

use mailorder::app::Server;

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
    let spec = mailorder::admin::ExchangeSpec {
        franchise: "partner_api_developer_us_main",
        account: "acct999999",
        domain,
        version: "2010",
        plan: "exchange2010",
        free_mailboxes: Some(1_000_000),
        quota_mb: 2048,
    };
    mailorder::admin::add_exchange(
        server.store().as_ref(),
        &mailorder::pricing::Catalog::builtin(),
        &spec,
    )
    .await
    .expect("exchange");
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
