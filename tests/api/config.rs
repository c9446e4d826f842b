//! The configuration file, run as a real process: settings from `--config`, environment over
//! file, flags over both, JSON logs, and the effective configuration logged with the database
//! password redacted.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;
use crate::processes::BIN;

async fn a_config_file_runs_the_server(backend: Backend) {
    let db = TestDb::new(backend).await;
    // With trust authentication any password is accepted, so one can be put in the URL.
    let database = db
        .url
        .replacen("postgres://postgres@", "postgres://postgres:topsecret@", 1);
    let file = db.dir.path().join("mailorder.toml");
    let settings = format!(
        "database = \"{database}\"\nlisten = \"127.0.0.1:1\"\ndemo = true\nlog-format = \"json\"\nworkers = 3\nmail_root = \"{}\"\n",
        db.dir.path().join("vmail").display()
    );
    std::fs::write(&file, settings).expect("config written");
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&file)
        // The environment beats the file (port 1 would fail); a flag beats both.
        .args(["serve", "--workers", "1"])
        .env("MAILORDER_LISTEN", "127.0.0.1:0")
        .env_remove("MAILORDER_DATABASE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("listening line")
    .expect("read");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect(&line)
        .to_owned();
    // `demo = true` from the file: the demo agent exists.
    let r = reqwest::Client::new()
        .get(format!("{base}/accounts/acct999999/exchange"))
        .basic_auth("qwe@partner_api_developer_us_main", Some("iu34t8hf"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    child.kill().await.expect("stop");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .await
        .expect("read stderr");
    assert!(!stderr.contains("topsecret"), "password redacted: {stderr}");
    let effective: Value = stderr
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("every log line is JSON"))
        .find(|v| v["fields"]["message"] == "effective configuration")
        .expect("effective configuration logged");
    let fields = &effective["fields"];
    assert_eq!(fields["workers"], 1, "the flag");
    assert_eq!(fields["listen"], "127.0.0.1:0", "the environment");
    assert_eq!(fields["demo"], true, "the file");
    if backend == Backend::Postgres {
        assert!(
            fields["database"]
                .as_str()
                .expect("url")
                .contains("postgres:***@")
        );
    }
    let access = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["target"] == "mailorder::access")
        .expect("an access line");
    assert_eq!(access["fields"]["route"], "/accounts/{account}/exchange");
    assert_eq!(access["fields"]["status"], 200);
}

async fn unknown_settings_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "wokers = 3\n").expect("written");
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&file)
        .arg("serve")
        .output()
        .await
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown setting \"wokers\""), "{err}");
    // The example prints and is itself a valid file.
    let out = Command::new(BIN)
        .args(["config", "example"])
        .output()
        .await
        .expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("order_expiry_hours = 168"));
}

#[tokio::test]
async fn unknown_config_settings_are_refused() {
    unknown_settings_are_refused().await;
}

on_both_backends!(a_config_file_runs_the_server);
