//! The shared test app: a real mailorder on `127.0.0.1:0` over a throw-away database, seeded
//! with the demo data, plus typed helpers for the requests the tests make.

use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use mailorder::app::{RouterWrap, ServeConfig, Server};

use crate::{conformance, hygiene};
use serde_json::{Value, json};
use sqlx::{AnyPool, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const QWE: (&str, &str) = ("qwe@partner_api_developer_us_main", "iu34t8hf");
pub const MALLORY: (&str, &str) = ("mallory@partner_other", "mallory123");
pub const ACCT: &str = "acct999999";
/// A user of another account (`acct999998`) of the demo franchise.
pub const BOB: (&str, &str) = ("bob@partner_api_developer_us_main", "bobpassword1");
/// A user of the demo account `acct999999`.
pub const CAROL: (&str, &str) = ("carol@partner_api_developer_us_main", "carolpassword1");
pub const DOMAIN: &str = "myexchangedomain.com";

/// Generates one `#[tokio::test]` per back end for each scenario `async fn name(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::postgres_admin_url().is_some() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        }
    )*};
}

/// The PostgreSQL server for the PostgreSQL variants (`MAILORDER_TEST_POSTGRES`); without it
/// they are skipped, saying so once.
pub fn postgres_admin_url() -> Option<String> {
    static SAY: Once = Once::new();
    let url = std::env::var("MAILORDER_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        // Straight to the stderr handle: the test harness captures eprintln!, not this.
        SAY.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: PostgreSQL variants (set MAILORDER_TEST_POSTGRES to run them)"
            );
        });
    }
    url
}

/// Everything the in-process servers of this test run logged (for the secrets test).
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// The log writer: keeps a copy in [`LOGS`], and shows it too with `TEST_LOG` set.
struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        if std::env::var_os("TEST_LOG").is_some() {
            eprint!("{}", String::from_utf8_lossy(bytes));
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The captured log output of the whole test run so far.
pub fn captured_logs() -> String {
    captured_logs_since(0)
}

/// How much log output has been captured so far (a mark for [`captured_logs_since`]).
pub fn log_mark() -> usize {
    LOGS.lock().unwrap_or_else(|e| e.into_inner()).len()
}

/// The log output captured since `mark`.
pub fn captured_logs_since(mark: usize) -> String {
    let logs = LOGS.lock().unwrap_or_else(|e| e.into_inner());
    String::from_utf8_lossy(logs.get(mark..).unwrap_or_default()).into_owned()
}

fn init_tracing() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        tracing_subscriber::fmt()
            .with_env_filter("info,mailorder=debug,sqlx=warn")
            .with_ansi(false)
            .with_writer(|| Capture)
            .init();
    });
}

/// A throw-away database: a temp SQLite file, or a fresh PostgreSQL database dropped afterwards.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}/db/mailorder.db", dir.path().display());
                TestDb {
                    url,
                    dir,
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url().expect("MAILORDER_TEST_POSTGRES is set");
                let name = format!("mailorder_test_{}", uuid::Uuid::new_v4().simple());
                let pool = admin_pool(&admin).await;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await
                    .expect("create test database");
                pool.close().await;
                let url = match admin.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => panic!("MAILORDER_TEST_POSTGRES must end in /DBNAME"),
                };
                TestDb {
                    url,
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// A raw connection for assertions on stored data.
    pub async fn pool(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.url)
            .await
            .expect("connect to test database")
    }

    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite")
    }
}

async fn admin_pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(url)
        .await
        .expect("MAILORDER_TEST_POSTGRES must be reachable")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (Some(name), Some(admin)) = (self.pg_name.take(), postgres_admin_url()) else {
            return;
        };
        // Drop runs outside async context: use a private runtime on a plain thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let pool = admin_pool(&admin).await;
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await;
                pool.close().await;
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub server: Option<Server>,
    pub db: TestDb,
    pub base: String,
    pub client: reqwest::Client,
    /// What the response-conformance check found ([`crate::conformance`]); the test fails
    /// when the app is dropped if it found anything.
    pub violations: conformance::Violations,
    /// The secrets the tests sent and received ([`crate::hygiene`]); the test fails when the
    /// app is dropped if its database or the log lines of its time hold any of them.
    pub secrets: hygiene::Secrets,
    log_mark: usize,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let found = std::mem::take(&mut *self.violations.lock().expect("not poisoned"));
        if std::thread::panicking() {
            return;
        }
        if !found.is_empty() {
            panic!(
                "responses that do not match the OpenAPI document:\n{}",
                found.join("\n")
            );
        }
        let secrets = self.secrets.all();
        let logs = captured_logs_since(self.log_mark);
        let db = &self.db;
        // Drop runs outside async context: a private runtime on a plain thread.
        let problems = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime")
                        .block_on(hygiene::sweep(db, &secrets, &logs))
                })
                .join()
                .expect("sweep")
        });
        if !problems.is_empty() {
            panic!("secrets found after the test:\n{}", problems.join("\n"));
        }
    }
}

/// The defaults of the test app: demo data, fast retries, four workers.
pub fn test_config(db: &TestDb) -> ServeConfig {
    let mut config = ServeConfig::new("127.0.0.1:0", db.url.clone());
    config.demo = true;
    config.mail_root = db.dir.path().join("vmail");
    config.worker.retry_base = Duration::from_millis(20);
    // Every test talks from loopback, many of them fast: the rate limits have tests of their own.
    config.limits.rate = mailorder::limits::RateConfig::OFF;
    // Webhook receivers of the tests listen on loopback; the policy has tests of its own.
    config.webhooks.allow_nets = vec![
        "127.0.0.0/8".parse().expect("net"),
        "::1/128".parse().expect("net"),
    ];
    config.webhooks.key = Some(mailorder::domain::SealKey::parse(&"5a".repeat(32)).expect("key"));
    config.webhooks.retry_base = Duration::from_millis(50);
    config.webhooks.poll = Duration::from_millis(20);
    config
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A test app on a database of the test's own (e.g. a throw-away cluster).
    pub async fn spawn_on(url: &str, tweak: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let db = TestDb {
            url: url.to_owned(),
            dir: tempfile::tempdir().expect("temp dir"),
            pg_name: None,
        };
        Self::spawn_in(db, tweak).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut ServeConfig)) -> TestApp {
        Self::spawn_in(TestDb::new(backend).await, tweak).await
    }

    async fn spawn_in(db: TestDb, tweak: impl FnOnce(&mut ServeConfig)) -> TestApp {
        init_tracing();
        let violations = conformance::Violations::default();
        let secrets = hygiene::Secrets::default();
        let log_mark = log_mark();
        let mut config = test_config(&db);
        let check = conformance::wrap(Arc::clone(&violations));
        let record = secrets.clone();
        config.wrap_router = Some(RouterWrap(Arc::new(move |router| {
            (check.0)(hygiene::layer(router, record.clone()))
        })));
        tweak(&mut config);
        let server = Server::start(config).await.expect("server starts");
        let base = format!("http://{}", server.addr());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            server: Some(server),
            db,
            base,
            client,
            violations,
            secrets,
            log_mark,
        }
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("server running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("clean stop");
        }
    }

    /// Runs the worker until nothing is due (for tests started with `workers = 0`).
    pub async fn drain_queue(&self) {
        use mailorder::worker::Tick;
        while self
            .server()
            .worker()
            .run_once()
            .await
            .expect("worker step")
            == Tick::Worked
        {}
    }

    pub async fn post_mailbox(
        &self,
        auth: (&str, &str),
        account: &str,
        domain: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/accounts/{account}/exchange/{domain}/mailboxes")))
            .basic_auth(auth.0, Some(auth.1))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Orders `username` in the demo domain as `qwe` and returns (order URL, OwnerId cookie).
    pub async fn order(&self, username: &str) -> Placed {
        self.order_in(DOMAIN, username).await
    }

    pub async fn order_in(&self, domain: &str, username: &str) -> Placed {
        let r = self
            .post_mailbox(QWE, ACCT, domain, &mailbox_body(username))
            .await;
        assert_eq!(
            r.status(),
            202,
            "ordering {username}: {}",
            r.text().await.unwrap_or_default()
        );
        Placed::from_response(&r)
    }

    pub async fn get(
        &self,
        url: &str,
        auth: Option<(&str, &str)>,
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self.client.get(url);
        if let Some((u, p)) = auth {
            req = req.basic_auth(u, Some(p));
        }
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.send().await.expect("request sent")
    }

    pub async fn order_status(&self, placed: &Placed) -> Value {
        let r = self.get(&placed.location, None, Some(&placed.cookie)).await;
        assert_eq!(r.status(), 200);
        r.json().await.expect("json")
    }

    /// Polls the order until its status is final, failing after `deadline`.
    pub async fn wait_final(&self, placed: &Placed, deadline: Duration) -> Value {
        let until = Instant::now() + deadline;
        loop {
            let body = self.order_status(placed).await;
            let status = body["order"]["Status"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if status == "Completed" || status == "Failed" {
                return body;
            }
            assert!(
                Instant::now() < until,
                "order still {status} after {deadline:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await; // poll interval, bounded by the deadline
        }
    }

    /// Adds an Exchange domain to the demo account with `free` included mailboxes.
    pub async fn add_exchange(&self, domain: &str, free: i64) {
        let spec = mailorder::admin::ExchangeSpec {
            franchise: "partner_api_developer_us_main",
            account: ACCT,
            domain,
            version: "2010",
            plan: "exchange2010",
            free_mailboxes: Some(free),
            quota_mb: 2048,
        };
        mailorder::admin::add_exchange(
            self.server().store().as_ref(),
            &mailorder::pricing::Catalog::builtin(),
            &spec,
        )
        .await
        .expect("exchange added");
    }
}

/// An accepted order: its URL and the `Cookie` header value that reads it.
#[derive(Debug, Clone)]
pub struct Placed {
    pub location: String,
    pub cookie: String,
}

impl Placed {
    pub fn from_response(r: &reqwest::Response) -> Placed {
        let h = r.headers();
        let location = h["location"].to_str().expect("ascii").to_owned();
        let set_cookie = h["set-cookie"].to_str().expect("ascii");
        let cookie = set_cookie
            .split(';')
            .next()
            .expect("cookie pair")
            .to_owned();
        Placed { location, cookie }
    }
}

/// The seed's request body with another username.
pub fn mailbox_body(username: &str) -> Value {
    let mut body = seed_body();
    body["owner"]["username"] = json!(username);
    body
}

pub fn seed_body() -> Value {
    json!({
      "owner": {"username": "a.a", "password": "tester1234"},
      "admin": 0, "notes": "some text", "recipientLimit": 10,
      "deliverRedirect": "zsds", "forwardTo": "asdasd",
      "name": {"name": "John Smith", "company": "My Company", "department": "Sales", "title": "President"},
      "address": {"address": "100 Main St.", "city": "Chicago", "state": "IL", "zip": "60001", "country": "US"},
      "phones": {"businessPhone": "555-555-5501", "homePhone": "555-555-5502", "fax": "555-555-5503", "mobile": "555-555-5504"}
    })
}

/// The last segment of a response's `Location` (a created object's id or name).
pub fn location_id(r: &reqwest::Response) -> String {
    r.headers()["location"]
        .to_str()
        .expect("ascii")
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .expect("an id")
        .to_owned()
}

/// The Hostway error body's type and details, after checking its shape.
pub async fn error_of(r: reqwest::Response) -> (String, Value) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("error bodies are JSON");
    let obj = body.as_object().expect("object");
    assert_eq!(obj.len(), 1, "one error type key: {body}");
    let (kind, inner) = obj.iter().next().expect("one key");
    assert_eq!(inner["code"], status, "{body}");
    assert!(inner["message"].is_string(), "{body}");
    assert!(
        inner["guid"].as_str().is_some_and(|g| g.len() == 36),
        "{body}"
    );
    (kind.clone(), inner["details"].clone())
}

impl TestApp {
    /// Puts mailboxes straight into the database (list fixtures; far faster than ordering
    /// hundreds through argon2id). Names and statuses are the test's own literals.
    pub async fn fill_mailboxes(&self, domain: &str, mailboxes: &[(String, &str)]) {
        let pool = self.db.pool().await;
        let exchange_id: i64 = sqlx::query(&format!(
            "SELECT id FROM exchanges WHERE domain = '{domain}'"
        ))
        .fetch_one(&pool)
        .await
        .expect("exchange exists")
        .get("id");
        for chunk in mailboxes.chunks(500) {
            let values: Vec<String> = chunk
                .iter()
                .map(|(name, status)| {
                    format!("({exchange_id}, '{name}', '{status}', 0, '', 100, 2048, '{{}}', 'x', 'fixture', 1, 1)")
                })
                .collect();
            sqlx::query(&format!(
                "INSERT INTO mailboxes (exchange_id, username, billing_status, admin, notes, recipient_limit,
                     quota_mb, contact, password_hash, order_id, created_at, updated_at) VALUES {}",
                values.join(", ")
            ))
            .execute(&pool)
            .await
            .expect("fixture mailboxes inserted");
        }
        pool.close().await;
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: (&str, &str),
        body: Option<&Value>,
    ) -> reqwest::Response {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.url(path)
        };
        let mut req = self
            .client
            .request(method, url)
            .basic_auth(auth.0, Some(auth.1));
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get_json(&self, path: &str, auth: (&str, &str)) -> Value {
        let r = self.send(reqwest::Method::GET, path, auth, None).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.expect("json")
    }

    /// The stored mail directory hash of `address`, if it is in the directory.
    pub async fn directory_hash(&self, address: &str) -> Option<(String, i64)> {
        let pool = self.db.pool().await;
        let row = sqlx::query(&format!(
            "SELECT password_hash, active FROM mail_users WHERE address = '{address}'"
        ))
        .fetch_optional(&pool)
        .await
        .expect("query");
        pool.close().await;
        row.map(|r| (r.get("password_hash"), r.get("active")))
    }

    /// Where the mail directory sends `address` besides a mailbox (its `mail_aliases` rows).
    pub async fn directory_alias(&self, address: &str) -> Option<Vec<String>> {
        let pool = self.db.pool().await;
        let rows = sqlx::query(&format!(
            "SELECT destination FROM mail_aliases WHERE source = '{address}' ORDER BY destination"
        ))
        .fetch_all(&pool)
        .await
        .expect("query");
        pool.close().await;
        let destinations: Vec<String> = rows.iter().map(|r| r.get("destination")).collect();
        (!destinations.is_empty()).then_some(destinations)
    }
}

impl TestApp {
    /// `DELETE …/mailboxes/{rest}` in the demo domain as `qwe` (e.g. `name?purge=0`), then
    /// waits for the order to end; returns it.
    pub async fn delete_mailbox_and_wait(&self, rest: &str) -> Value {
        let path = mailboxes_path(DOMAIN, rest);
        let r = self.send(reqwest::Method::DELETE, &path, QWE, None).await;
        assert_eq!(r.status(), 202, "DELETE {path}");
        self.wait_final(&Placed::from_response(&r), Duration::from_secs(20))
            .await
    }
}

/// `/accounts/acct999999/exchange/{domain}/mailboxes[/{rest}]`.
pub fn mailboxes_path(domain: &str, rest: &str) -> String {
    if rest.is_empty() {
        format!("/accounts/{ACCT}/exchange/{domain}/mailboxes")
    } else {
        format!("/accounts/{ACCT}/exchange/{domain}/mailboxes/{rest}")
    }
}

impl TestApp {
    /// The trigger-kept `mailbox_counts` equal a real count of the mailboxes. One statement
    /// reads both, so it sees one snapshot even while workers are changing statuses.
    pub async fn assert_counts_exact(&self) {
        let pool = self.db.pool().await;
        let sql = "SELECT 'real' AS side, exchange_id, billing_status, count(*) AS n FROM mailboxes
                   GROUP BY exchange_id, billing_status
                   UNION ALL
                   SELECT 'kept', exchange_id, billing_status, n FROM mailbox_counts WHERE n <> 0";
        let mut sets: [Vec<(i64, String, i64)>; 2] = Default::default();
        for r in sqlx::query(sql).fetch_all(&pool).await.expect("counts") {
            let side: String = r.get("side");
            let row = (r.get("exchange_id"), r.get("billing_status"), r.get("n"));
            sets[usize::from(side == "kept")].push(row);
        }
        sets.iter_mut().for_each(|s| s.sort());
        pool.close().await;
        assert_eq!(
            sets[0], sets[1],
            "mailbox_counts drifted from the mailboxes"
        );
    }
}

/// Adds account `acct999998` (same franchise) with its user [`BOB`], and [`CAROL`], a user of
/// `acct999999`.
pub async fn add_account_users(app: &TestApp) {
    let store = app.server().store().as_ref();
    let hashing = app.server().hashing();
    let franchise = "partner_api_developer_us_main";
    mailorder::admin::add_account(
        store,
        franchise,
        "acct999998",
        "USD",
        mailorder::domain::AccountStatus::Open,
    )
    .await
    .expect("account");
    mailorder::admin::add_user(store, hashing, BOB.0, Some("acct999998"), BOB.1)
        .await
        .expect("bob");
    mailorder::admin::add_user(store, hashing, CAROL.0, Some(ACCT), CAROL.1)
        .await
        .expect("carol");
}
