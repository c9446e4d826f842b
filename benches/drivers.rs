//! Provisioning drivers benchmark: `cargo bench --bench drivers`.
//!
//! What one provisioning step costs the worker with the `directory` driver (the baseline: one
//! write transaction into the mail directory) and with the `http` driver against a local agent
//! that answers at once (open the sealed password, sign, POST, erase), measured in the same run
//! on SQLite. Also what sealing a password adds to order acceptance, next to the argon2id hash
//! that acceptance already pays.

use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use mailorder::app::{ServeConfig, Server};
use mailorder::domain::{Password, SealKey, SealedPassword};
use mailorder::provision::{AgentConfig, DriverSelection};
use mailorder::worker::Tick;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const STEPS: usize = 200;
const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// Accepts `STEPS` orders with no worker running, then times each worker step.
async fn steps(label: &str, agent: Option<&MockServer>) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let mut config = ServeConfig::new("127.0.0.1:0", url);
    config.demo = true;
    config.mail_root = dir.path().join("vmail");
    config.worker.workers = 0;
    if let Some(agent) = agent {
        config.drivers = DriverSelection {
            http_franchises: DriverSelection::names("partner_api_developer_us_main"),
            http_plans: Default::default(),
            agent: Some(Arc::new(AgentConfig {
                url: agent.uri().parse().expect("url"),
                secret: b"bench-secret-0123456789".to_vec(),
                seal_key: SealKey::parse(KEY).expect("key"),
                timeout: Duration::from_secs(5),
            })),
        };
    }
    let server = Server::start(config).await.expect("server");
    common::add_exchange(&server, "bench.example.com").await;
    let client = reqwest::Client::new();
    let url = format!(
        "http://{}/accounts/acct999999/exchange/bench.example.com/mailboxes",
        server.addr()
    );
    for i in 0..STEPS {
        let r = client
            .post(&url)
            .basic_auth("qwe@partner_api_developer_us_main", Some("iu34t8hf"))
            .json(&json!({"owner": {"username": format!("{label}{i}"), "password": "Bench12345"}}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 202);
    }
    let mut samples = Vec::with_capacity(STEPS);
    loop {
        let t = Instant::now();
        let tick = server.worker().run_once().await.expect("step");
        if tick == Tick::Idle {
            break;
        }
        samples.push(t.elapsed());
    }
    assert_eq!(samples.len(), STEPS, "every order provisioned once");
    server.stop().await.expect("stop");
    common::stats(samples)
}

#[tokio::main]
async fn main() {
    let agent = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&agent)
        .await;
    let (dir_median, dir_p95) = steps("dir", None).await;
    let (http_median, http_p95) = steps("http", Some(&agent)).await;
    let requests = agent.received_requests().await.expect("recorded").len();
    assert_eq!(requests, STEPS, "one agent request per step");

    let password = Password::parse("Bench12345").expect("valid");
    let key = SealKey::parse(KEY).expect("key");
    let time = |f: &dyn Fn()| {
        let samples: Vec<Duration> = (0..30)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        common::stats(samples).0
    };
    let hash_ms = time(&|| {
        std::hint::black_box(password.hash());
    });
    let seal_ms = time(&|| {
        std::hint::black_box(SealedPassword::seal(&password, &key, "a@b.example"));
    });

    println!("| measure | median ms | p95 ms | ratio to baseline (median) |");
    println!("|---|---|---|---|");
    println!(
        "| baseline: worker step, `directory` driver | {dir_median:.3} | {dir_p95:.3} | 1.00 |"
    );
    println!(
        "| worker step, `http` driver (local agent) | {http_median:.3} | {http_p95:.3} | {:.2} × directory |",
        http_median / dir_median
    );
    println!("| baseline: one argon2id hash | {hash_ms:.3} | | 1.00 |");
    println!(
        "| sealing the password for the agent | {seal_ms:.4} | | {:.5} × hash |",
        seal_ms / hash_ms
    );
}
