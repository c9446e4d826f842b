//! Running `mailorder` as separate processes: admin commands and `serve`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::QWE;

pub const BIN: &str = env!("CARGO_BIN_EXE_mailorder");

/// Runs an admin command against `database`; it must succeed. The password for `user add` is
/// the demo agent's.
pub async fn admin(database: &str, args: &[&str]) {
    let out = Command::new(BIN)
        .args(args)
        .args(["--database", database])
        .env("MAILORDER_PASSWORD", QWE.1)
        .output()
        .await
        .expect("run admin command");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The demo agent `qwe` with account `acct999999` and Exchange on `domain` with `free` slots,
/// made with the admin commands.
pub async fn setup_with_cli(database: &str, domain: &str, free: u32) {
    admin(
        database,
        &[
            "franchise",
            "add",
            "partner_api_developer_us_main",
            "--sandbox",
        ],
    )
    .await;
    admin(
        database,
        &[
            "account",
            "add",
            "partner_api_developer_us_main",
            "acct999999",
        ],
    )
    .await;
    let free = free.to_string();
    admin(
        database,
        &[
            "exchange",
            "add",
            "partner_api_developer_us_main",
            "acct999999",
            domain,
            "--free",
            &free,
        ],
    )
    .await;
    admin(
        database,
        &["user", "add", "qwe@partner_api_developer_us_main"],
    )
    .await;
}

/// Starts `mailorder serve` (2 workers, 2 s leases, fast retries, plus `extra`) and returns it
/// with its base URL, read from its first line.
pub async fn serve(database: &str, mail_root: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "2",
            "--lease-secs",
            "2",
            "--retry-base-ms",
            "50",
        ])
        .args(["--database", database])
        .arg("--mail-root")
        .arg(mail_root)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(match std::env::var_os("MAILORDER_TEST_SERVER_LOG") {
            // Set it to a file to keep the servers' logs (appended) for a failing test.
            Some(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("log file")
                .into(),
            None => Stdio::null(),
        })
        .kill_on_drop(true)
        .spawn()
        .expect("spawn mailorder serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("listening line within 30 s")
    .expect("read");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect(&line)
        .to_owned();
    (child, base)
}
