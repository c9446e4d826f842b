//! Soak test: `scripts/soak` (or `cargo bench --bench soak`). A real `mailorder serve --demo`
//! over a fresh SQLite file takes a steady, mixed load for `SOAK_SECONDS` (default 600) at
//! `SOAK_RATE` requests a second (default 100), arriving on schedule whatever the answers
//! (open loop), from 16 client addresses and 4 guessers' ones: paid mailbox orders submitted and purged again,
//! reads, list pages, bad requests and wrong passwords. Every 10 s it samples the server's RSS
//! and the WAL's size; each minute it takes the p99 latency. It fails when an answer is not
//! what its kind expects (no 5xx; wrong passwords `401`/`429`; bad requests `400`/`404`), when
//! RSS after the warm-up (the first 2 minutes) moves more than 10%, when the WAL grows past
//! 64 MiB, or when a minute's p99 is over 3 × the first post-warm-up minute's (and over 50 ms).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
mod common;

const QWE: (&str, &str) = ("qwe@partner_api_developer_us_main", "iu34t8hf");
const ACCT: &str = "acct999999";
const PAID: &str = "paid.example.com";
const DOMAIN: &str = "myexchangedomain.com";
const CLIENTS: u8 = 16;
/// Addresses the wrong passwords come from.
const GUESSERS: u64 = 4;
const WARM_UP: Duration = Duration::from_secs(120);
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
const WAL_LIMIT: u64 = 64 * 1024 * 1024;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The kinds of request in the mix, and how often each comes in a round of 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Order,
    Read,
    List,
    BadRequest,
    BadLogin,
}

const MIX: [(Kind, u32); 5] = [
    (Kind::Order, 3),
    (Kind::Read, 60),
    (Kind::List, 15),
    (Kind::BadRequest, 15),
    (Kind::BadLogin, 7),
];

fn kind_of(n: u64) -> Kind {
    let mut at = (n % 100) as u32;
    for (kind, share) in MIX {
        if at < share {
            return kind;
        }
        at -= share;
    }
    Kind::Read
}

/// What one request's answer was expected to be.
fn expected(kind: Kind, status: u16) -> bool {
    match kind {
        Kind::Order | Kind::Read | Kind::List => (200..400).contains(&status),
        Kind::BadRequest => matches!(status, 400 | 404),
        Kind::BadLogin => matches!(status, 401 | 429),
    }
}

#[derive(Default)]
struct Tally {
    /// Latencies of the current minute, in microseconds.
    minute: Vec<u64>,
    by_kind: BTreeMap<(Kind, u16), u64>,
    unexpected: Vec<String>,
}

/// One request of `kind` (the `n`th of the run); returns its status.
async fn request(client: &reqwest::Client, base: &str, kind: Kind, n: u64) -> Result<u16, String> {
    let mailboxes = format!("{base}/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes");
    let r = match kind {
        Kind::Order => {
            // A paid mailbox: quoted, submitted by its cookie; every other one is purged
            // again later in the run, so the table churns instead of only growing.
            let name = format!("soak{n}");
            let r = client
                .post(format!("{base}/accounts/{ACCT}/exchange/{PAID}/mailboxes"))
                .basic_auth(QWE.0, Some(QWE.1))
                .json(&serde_json::json!({"owner": {"username": name, "password": "Soak1234x"}}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if r.status() != 202 {
                return Ok(r.status().as_u16());
            }
            let cookie = r
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .unwrap_or_default()
                .to_owned();
            let submitted = client
                .post(format!("{base}/order/action"))
                .header("Cookie", cookie)
                .json(&serde_json::json!({"action": "submit"}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if n % 200 == 100 && n > 400 {
                // Purge an earlier one (it may still be provisioning: 409 counts as expected
                // for this part only).
                let old = format!("soak{}", n - 400);
                let purged = client
                    .delete(format!(
                        "{base}/accounts/{ACCT}/exchange/{PAID}/mailboxes/{old}"
                    ))
                    .basic_auth(QWE.0, Some(QWE.1))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !matches!(purged.status().as_u16(), 202 | 404 | 409) {
                    return Ok(purged.status().as_u16());
                }
            }
            Ok(submitted)
        }
        Kind::Read => {
            let path = match n % 3 {
                0 => format!("{mailboxes}/a{}", n % 10),
                1 => format!("{base}/accounts/{ACCT}/exchange/{DOMAIN}"),
                _ => format!("{base}/accounts/{ACCT}"),
            };
            client.get(path).basic_auth(QWE.0, Some(QWE.1)).send().await
        }
        Kind::List => {
            let url = match n % 3 {
                0 => format!("{mailboxes}?page=1&pageSize=20&filterUsername=a*"),
                1 => format!("{base}/orders?page=1&pageSize=50&filterStatus=Completed"),
                _ => {
                    format!("{base}/accounts/{ACCT}/exchange/{PAID}/mailboxes?page=1&pageSize=100")
                }
            };
            client.get(url).basic_auth(QWE.0, Some(QWE.1)).send().await
        }
        Kind::BadRequest => {
            if n.is_multiple_of(2) {
                client
                    .post(&mailboxes)
                    .basic_auth(QWE.0, Some(QWE.1))
                    .json(&serde_json::json!({"owner": {"username": "Bad Name", "password": "x"}}))
                    .send()
                    .await
            } else {
                client
                    .get(format!("{base}/accounts/{ACCT}/nothing-here"))
                    .basic_auth(QWE.0, Some(QWE.1))
                    .send()
                    .await
            }
        }
        Kind::BadLogin => {
            client
                .get(format!("{base}/accounts"))
                .basic_auth(QWE.0, Some(format!("wrong-{}", n % 50)))
                .send()
                .await
        }
    }
    .map_err(|e| e.to_string())?;
    Ok(r.status().as_u16())
}

fn p99(samples: &mut [u64]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_unstable();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)] as f64 / 1000.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let seconds = env_u64("SOAK_SECONDS", 600);
    let rate = env_u64("SOAK_RATE", 100).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("soak.db");
    // One agent login drives the whole mix, as one partner's integration would; the
    // per-address rate stays at its default (16 client addresses share the load).
    let server = common::ServeProcess::start(
        &format!("sqlite://{}", db.display()),
        &["--rate-per-login", "0"],
    );
    let pid = server.pid();
    let base = server.base.clone();
    let client_at = |last: u8| {
        reqwest::Client::builder()
            .local_address(IpAddr::from([127, 0, 3, last]))
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client")
    };
    let clients: Vec<reqwest::Client> = (1..=CLIENTS).map(client_at).collect();
    let guessers: Vec<reqwest::Client> = (0..GUESSERS as u8).map(|i| client_at(200 + i)).collect();
    // The reads' mailboxes: a0 … a9 (free ones of the demo domain).
    for i in 0..10 {
        let r = clients[0]
            .post(format!("{base}/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes"))
            .basic_auth(QWE.0, Some(QWE.1))
            .json(&serde_json::json!({"owner": {"username": format!("a{i}"), "password": "Soak1234x"}}))
            .send()
            .await
            .expect("seed order");
        assert_eq!(r.status(), 202, "seed mailbox a{i}");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for i in 0..10 {
        loop {
            let r = clients[0]
                .get(format!(
                    "{base}/accounts/{ACCT}/exchange/{DOMAIN}/mailboxes/a{i}"
                ))
                .basic_auth(QWE.0, Some(QWE.1))
                .send()
                .await
                .expect("seed read");
            let body = r.text().await.unwrap_or_default();
            if body.contains("\"billingStatus\":\"open\"") {
                break;
            }
            assert!(Instant::now() < deadline, "seed mailbox a{i} never opened");
            tokio::time::sleep(Duration::from_millis(50)).await; // poll, bounded by the deadline
        }
    }
    let idle = rss(pid);
    println!(
        "soak: {seconds} s at {rate} requests/s from {CLIENTS} addresses; RSS idle {:.1} MB",
        mb(idle)
    );
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let mut samples: Vec<(u64, u64, u64)> = Vec::new(); // (second, RSS, WAL bytes)
    let mut minutes: Vec<f64> = Vec::new();
    let mut next_sample = SAMPLE_EVERY;
    let mut next_minute = Duration::from_secs(60);
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut n: u64 = 0;
    let mut in_flight = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        ticker.tick().await;
        let kind = kind_of(n);
        // Wrong passwords come from addresses of their own (a right password from an address
        // clears its count, so a guesser sharing one with the real user never backs off).
        let client = if kind == Kind::BadLogin {
            guessers[(n % GUESSERS) as usize].clone()
        } else {
            clients[(n % u64::from(CLIENTS)) as usize].clone()
        };
        let (base, task_tally) = (base.clone(), Arc::clone(&tally));
        let number = n;
        in_flight.push(tokio::spawn(async move {
            let sent = Instant::now();
            let outcome = request(&client, &base, kind, number).await;
            let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
            let mut t = task_tally.lock().expect("tally");
            t.minute.push(micros);
            match outcome {
                Ok(status) => {
                    *t.by_kind.entry((kind, status)).or_default() += 1;
                    if !expected(kind, status) && t.unexpected.len() < 20 {
                        t.unexpected.push(format!("{kind:?} #{number}: {status}"));
                    }
                }
                Err(e) => {
                    if t.unexpected.len() < 20 {
                        t.unexpected.push(format!("{kind:?} #{number}: {e}"));
                    }
                }
            }
        }));
        n += 1;
        if in_flight.len() > 4096 {
            in_flight.retain(|h| !h.is_finished());
        }
        let elapsed = started.elapsed();
        if elapsed >= next_sample {
            let wal = std::fs::metadata(dir.path().join("soak.db-wal")).map_or(0, |m| m.len());
            samples.push((elapsed.as_secs(), rss(pid), wal));
            next_sample += SAMPLE_EVERY;
        }
        if elapsed >= next_minute {
            let mut minute = std::mem::take(&mut tally.lock().expect("tally").minute);
            let p = p99(&mut minute);
            println!(
                "soak: minute {}: {} requests, p99 {:.1} ms, RSS {:.1} MB",
                minutes.len() + 1,
                minute.len(),
                p,
                mb(rss(pid))
            );
            minutes.push(p);
            next_minute += Duration::from_secs(60);
        }
    }
    for handle in in_flight {
        let _ = handle.await;
    }
    let end_rss = rss(pid);
    let t = tally.lock().expect("tally");
    println!(
        "\nsoak: {n} requests in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    for ((kind, status), count) in &t.by_kind {
        println!("  {kind:?} {status}: {count}");
    }
    let after_warm_up: Vec<&(u64, u64, u64)> = samples
        .iter()
        .filter(|(s, _, _)| *s >= WARM_UP.as_secs())
        .collect();
    let (lo, hi) = after_warm_up
        .iter()
        .fold((u64::MAX, 0), |(lo, hi), (_, r, _)| {
            (lo.min(*r), hi.max(*r))
        });
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let wal_peak = samples.iter().map(|s| s.2).max().unwrap_or(0);
    println!(
        "  RSS: idle {:.1} MB, after warm-up {:.1}–{:.1} MB, peak {:.1} MB, end {:.1} MB",
        mb(idle),
        mb(lo.min(hi)),
        mb(hi),
        mb(peak),
        mb(end_rss)
    );
    println!("  WAL: at most {:.1} MB", mb(wal_peak));
    let p99s: Vec<String> = minutes.iter().map(|p| format!("{p:.1}")).collect();
    println!("  p99 per minute (ms): {}", p99s.join(", "));
    let mut failures = t.unexpected.clone();
    if !after_warm_up.is_empty() && hi as f64 > lo as f64 * 1.10 {
        failures.push(format!(
            "RSS moved {:.1}% after the warm-up ({:.1} to {:.1} MB)",
            (hi as f64 / lo as f64 - 1.0) * 100.0,
            mb(lo),
            mb(hi)
        ));
    }
    if wal_peak > WAL_LIMIT {
        failures.push(format!("the WAL grew to {:.1} MB", mb(wal_peak)));
    }
    let warm_minutes = (WARM_UP.as_secs() / 60) as usize;
    if let Some(first) = minutes.get(warm_minutes).copied() {
        for (i, p) in minutes.iter().enumerate().skip(warm_minutes) {
            if *p > 50.0 && *p > first * 3.0 {
                failures.push(format!(
                    "minute {}: p99 {p:.1} ms against {first:.1} ms",
                    i + 1
                ));
            }
        }
    }
    drop(t);
    server.stop();
    if failures.is_empty() {
        println!("soak: passed");
    } else {
        println!("soak: FAILED");
        for f in &failures {
            println!("  {f}");
        }
        std::process::exit(1);
    }
}
