//! The `mailorder` command line: `serve` and the administration commands.

mod drivers;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::admin;
use crate::app::{ServeConfig, Server};
use crate::domain::AccountStatus;
use crate::hashing::{HashPool, HashPoolConfig};
use crate::pricing::Catalog;
use crate::store::DbOptions;
use crate::worker::WorkerConfig;

#[derive(Debug, Parser)]
#[command(
    name = "mailorder",
    version,
    about = "Hostway-compatible provisioning API for hosted mailboxes"
)]
pub struct Cli {
    /// Log format on standard error.
    #[arg(
        long,
        global = true,
        env = "MAILORDER_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Human
    )]
    log_format: LogFormat,
    /// A TOML file with settings (see `mailorder config example`); flags and environment
    /// variables take precedence over it.
    #[arg(long, global = true, env = "MAILORDER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Lines for people.
    Human,
    /// One JSON object per line.
    Json,
}

/// The mail servers `mail-config` writes configuration for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MailServer {
    /// Logins (IMAP) and delivery (LMTP).
    Dovecot,
    /// SMTP: which domains and addresses it accepts, handed to Dovecot.
    Postfix,
}

/// A customer account's status, as `account add --status` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AccountStatusArg {
    Pending,
    Open,
    Suspended,
    Closed,
}

impl From<AccountStatusArg> for AccountStatus {
    fn from(status: AccountStatusArg) -> Self {
        match status {
            AccountStatusArg::Pending => Self::Pending,
            AccountStatusArg::Open => Self::Open,
            AccountStatusArg::Suspended => Self::Suspended,
            AccountStatusArg::Closed => Self::Closed,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP API and the order workers.
    Serve(ServeArgs),
    /// Run order workers only (no API), e.g. beside `serve --no-worker` instances.
    Worker(WorkerArgs),
    /// Manage franchises (partners).
    #[command(subcommand)]
    Franchise(FranchiseCmd),
    /// Manage customer accounts.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Manage Exchange resources (a domain on an account, with its plan).
    #[command(subcommand)]
    Exchange(ExchangeCmd),
    /// Manage API users.
    #[command(subcommand)]
    User(UserCmd),
    /// The configuration file.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print the API's OpenAPI 3.1 document (as served at /openapi.json).
    Openapi,
    /// Write Dovecot or Postfix configuration that reads mailorder's mail directory.
    MailConfig(MailConfigArgs),
}

#[derive(Debug, Args)]
struct MailConfigArgs {
    #[arg(value_enum)]
    server: MailServer,
    /// Folder to write the files into.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Owner of the maildirs (Dovecot `uid`/`gid`; Debian's `mail` user is 8).
    #[arg(long, default_value_t = 8)]
    uid: u32,
    #[arg(long, default_value_t = 8)]
    gid: u32,
    /// Where Postfix hands mail to Dovecot (LMTP).
    #[arg(long, default_value = "inet:127.0.0.1:24")]
    lmtp: String,
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, Subcommand)]
enum ConfigCmd {
    /// Print a fully commented example configuration file.
    Example,
}

#[derive(Debug, Args)]
struct DatabaseArg {
    /// `sqlite://PATH` (created if missing) or `postgres://…`.
    #[arg(
        long,
        env = "MAILORDER_DATABASE",
        default_value = "sqlite://mailorder.db"
    )]
    database: String,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "MAILORDER_LISTEN", default_value = "127.0.0.1:8092")]
    listen: String,
    /// Base URL for absolute links; without it links follow the request's Host header.
    #[arg(long, env = "MAILORDER_PUBLIC_URL")]
    public_url: Option<String>,
    /// Without --public-url: the host names links may follow from the Host header, comma
    /// separated (loopback names always may); other hosts are answered 400. Required to listen
    /// on a non-loopback address without --public-url, unless --demo.
    #[arg(long, env = "MAILORDER_ALLOWED_HOSTS", value_delimiter = ',')]
    allowed_hosts: Vec<String>,
    /// A token `/metrics` then requires as `Authorization: Bearer <token>`; without it
    /// `/metrics` is open, for a scraper on a private network.
    #[arg(long, env = "MAILORDER_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Seed the demo franchises, accounts and users (idempotent).
    #[arg(long, env = "MAILORDER_DEMO")]
    demo: bool,
    /// Serve the API only; orders are provisioned by `mailorder worker` processes.
    #[arg(long, env = "MAILORDER_NO_WORKER")]
    no_worker: bool,
    #[command(flatten)]
    hashing: HashingArgs,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    run: RunArgs,
}

/// Request limits (docs/api-decisions.md has the reasons for the defaults).
#[derive(Debug, Args)]
struct LimitArgs {
    /// Requests per minute from one client address (an IPv6 client: its /64), with ten
    /// seconds' worth at once; beyond, 429 with Retry-After. 0: no limit.
    #[arg(long, env = "MAILORDER_RATE_PER_ADDRESS", default_value_t = 1200)]
    rate_per_address: u32,
    /// Requests per minute of one login (once its password is right), with ten seconds' worth
    /// at once; beyond, 429 with Retry-After. 0: no limit.
    #[arg(long, env = "MAILORDER_RATE_PER_LOGIN", default_value_t = 600)]
    rate_per_login: u32,
    /// Requests this instance handles at once; one more is answered 503 with Retry-After.
    #[arg(long, env = "MAILORDER_MAX_IN_FLIGHT", default_value_t = 512)]
    max_in_flight: usize,
    /// Order reads waiting for a change (`Prefer: wait=N`) at once, besides --max-in-flight
    /// (a waiter costs no query); beyond, a read answers at once without waiting.
    #[arg(long, env = "MAILORDER_MAX_WAITERS", default_value_t = 10_000)]
    max_waiters: usize,
    /// Seconds a request may take before it is answered 503 (its work is abandoned).
    #[arg(long, env = "MAILORDER_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Reverse proxies (addresses or CIDR blocks, comma separated) whose X-Forwarded-For
    /// names the client; without it, the peer address is the client.
    #[arg(long, env = "MAILORDER_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Wrong passwords one login may send from one address before it is answered 429 for
    /// 5 s, doubling with each further one (at most 5 minutes). 0: no back-off.
    #[arg(long, env = "MAILORDER_LOGIN_BACKOFF_AFTER", default_value_t = 5)]
    login_backoff_after: u32,
}

impl LimitArgs {
    fn config(&self) -> crate::http::guard::LimitsConfig {
        crate::http::guard::LimitsConfig {
            rate: crate::limits::RateConfig {
                per_address: self.rate_per_address,
                per_login: self.rate_per_login,
            },
            max_in_flight: self.max_in_flight.max(1),
            max_waiters: self.max_waiters,
            request_timeout: std::time::Duration::from_secs(self.request_timeout_secs.max(1)),
            trusted_proxies: self.trusted_proxies.clone(),
            login_backoff_after: self.login_backoff_after,
        }
    }
}

/// The password-hashing pool's bounds.
#[derive(Debug, Args)]
struct HashingArgs {
    /// Threads hashing passwords (argon2id: ~40 ms of a core and 19 MiB each); 0: one per core.
    #[arg(long, env = "MAILORDER_HASH_THREADS", default_value_t = 0)]
    hash_threads: usize,
    /// Hashes that may wait for a thread; one more is answered 503 with Retry-After.
    #[arg(long, env = "MAILORDER_HASH_QUEUE", default_value_t = 64)]
    hash_queue: usize,
    /// Logins of one user from one address verified at once; one more is answered 429.
    #[arg(long, env = "MAILORDER_HASH_PER_LOGIN", default_value_t = 2)]
    hash_per_login: usize,
}

impl HashingArgs {
    fn config(&self) -> HashPoolConfig {
        HashPoolConfig {
            threads: match self.hash_threads {
                0 => crate::hashing::default_threads(),
                n => n,
            },
            queue: self.hash_queue,
            per_login: self.hash_per_login.max(1),
            ..HashPoolConfig::default()
        }
    }
}

#[derive(Debug, Args)]
struct WorkerArgs {
    #[command(flatten)]
    run: RunArgs,
}

/// What API and worker processes share: the database and the workers' settings.
#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// Connections to the database per process.
    #[arg(long, env = "MAILORDER_DB_MAX_CONNECTIONS", default_value_t = 10)]
    db_max_connections: u32,
    /// Milliseconds a request waits for a database connection before it is answered 503.
    #[arg(long, env = "MAILORDER_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 5000)]
    db_acquire_timeout_ms: u64,
    /// Longest a statement may run (PostgreSQL) or wait for a lock (SQLite), in milliseconds.
    #[arg(
        long,
        env = "MAILORDER_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 10000
    )]
    db_statement_timeout_ms: u64,
    /// Concurrent order workers in this process.
    #[arg(long, env = "MAILORDER_WORKERS", default_value_t = 4)]
    workers: usize,
    /// Seconds a worker holds a job before another may take it over.
    #[arg(long, env = "MAILORDER_LEASE_SECS", default_value_t = 60)]
    lease_secs: u64,
    /// Attempts before an order fails on a transient error.
    #[arg(long, env = "MAILORDER_MAX_ATTEMPTS", default_value_t = 5)]
    max_attempts: i64,
    /// First retry delay in milliseconds; doubles with each attempt (at most 5 minutes).
    #[arg(long, env = "MAILORDER_RETRY_BASE_MS", default_value_t = 1000)]
    retry_base_ms: u64,
    /// Days a closed (`purge=0`) mailbox can be restored before it is purged.
    #[arg(long, env = "MAILORDER_RESTORE_DAYS", default_value_t = 30)]
    restore_days: u64,
    /// Root of mailbox home directories in the mail directory (`<root>/<domain>/<user>`).
    #[arg(long, env = "MAILORDER_MAIL_ROOT", default_value = "/var/vmail")]
    mail_root: PathBuf,
    /// Hours an open (unsubmitted) order lives before it is cancelled and its names released.
    #[arg(long, env = "MAILORDER_ORDER_EXPIRY_HOURS", default_value_t = 168)]
    order_expiry_hours: u64,
    /// Days audit entries are kept before maintenance deletes them.
    #[arg(long, env = "MAILORDER_AUDIT_RETENTION_DAYS", default_value_t = 90)]
    audit_retention_days: u64,
    /// 64 hex digits: the key that seals webhook secrets at rest (every instance needs the
    /// same one). Without it, a key of this process: subscriptions stop being signed (and are
    /// turned off) after a restart.
    #[arg(long, env = "MAILORDER_WEBHOOK_KEY", hide_env_values = true)]
    webhook_key: Option<String>,
    /// Networks webhooks may be delivered to although the policy refuses them (loopback,
    /// private, link-local), comma separated CIDR blocks.
    #[arg(long, env = "MAILORDER_WEBHOOK_ALLOW_NETS", value_delimiter = ',')]
    webhook_allow_nets: Vec<ipnet::IpNet>,
    #[command(flatten)]
    catalog: CatalogArg,
    #[command(flatten)]
    drivers: drivers::DriverArgs,
}

#[derive(Debug, Args)]
struct CatalogArg {
    /// The catalog of plans and prices (TOML); without it, the built-in `catalog.toml`.
    #[arg(long, env = "MAILORDER_CATALOG")]
    catalog: Option<PathBuf>,
}

impl CatalogArg {
    fn load(&self) -> anyhow::Result<Catalog> {
        match &self.catalog {
            Some(path) => Catalog::load(path),
            None => Ok(Catalog::builtin()),
        }
    }
}

impl RunArgs {
    fn config(self, listen: Option<String>) -> anyhow::Result<ServeConfig> {
        let mut config = ServeConfig::new("", self.db.database);
        config.catalog = Arc::new(self.catalog.load()?);
        config.listen = listen;
        config.mail_root = self.mail_root;
        config.drivers = self.drivers.selection()?;
        config.db = DbOptions {
            max_connections: self.db_max_connections.max(1),
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
        };
        config.worker = WorkerConfig {
            workers: self.workers,
            lease: Duration::from_secs(self.lease_secs.max(1)),
            max_attempts: self.max_attempts.max(1),
            retry_base: Duration::from_millis(self.retry_base_ms),
            restore_window: Duration::from_secs(self.restore_days.saturating_mul(24 * 3600)),
            order_expiry: Duration::from_secs(self.order_expiry_hours.saturating_mul(3600)),
            audit_retention: Duration::from_secs(
                self.audit_retention_days.saturating_mul(24 * 3600),
            ),
            ..WorkerConfig::default()
        };
        config.webhooks.key = self
            .webhook_key
            .as_deref()
            .map(crate::domain::SealKey::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("webhook-key {e}"))?;
        config.webhooks.allow_nets = self.webhook_allow_nets;
        Ok(config)
    }
}

#[derive(Debug, Subcommand)]
enum FranchiseCmd {
    /// Add a franchise (or change its sandbox flag).
    Add {
        name: String,
        /// Sandbox mode: `fail-`, `flaky-` and `slow-` usernames misbehave on purpose.
        #[arg(long)]
        sandbox: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCmd {
    /// Add a customer account to a franchise.
    Add {
        franchise: String,
        number: String,
        #[arg(long, default_value = "USD")]
        currency: String,
        #[arg(long, value_enum, default_value_t = AccountStatusArg::Open)]
        status: AccountStatusArg,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Subcommand)]
enum ExchangeCmd {
    /// Provision Exchange on a domain of an account, with its plan.
    Add {
        franchise: String,
        account: String,
        domain: String,
        #[arg(long, default_value = "2010")]
        version: String,
        /// The catalog plan that prices mailboxes beyond the included ones.
        #[arg(long, default_value = "exchange2010")]
        plan: String,
        /// Mailboxes included at no charge; without it, the plan's number.
        #[arg(long)]
        free: Option<i64>,
        #[arg(long, default_value_t = 2048)]
        quota_mb: i64,
        #[command(flatten)]
        catalog: CatalogArg,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Add an API user LOGIN@FRANCHISE (or reset its password). The password is read from
    /// MAILORDER_PASSWORD, or from the first line of standard input.
    Add {
        login: String,
        /// Make it a user of this account only; without it the user is a franchise agent.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("MAILORDER_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// The effective configuration at start, secrets redacted.
fn log_config(config: &ServeConfig) {
    tracing::info!(
        listen = config.listen.as_deref().unwrap_or("-"),
        database = crate::config::redact_url(&config.database),
        db_max_connections = config.db.max_connections,
        workers = config.worker.workers,
        lease_secs = config.worker.lease.as_secs(),
        max_attempts = config.worker.max_attempts,
        order_expiry_hours = config.worker.order_expiry.as_secs() / 3600,
        audit_retention_days = config.worker.audit_retention.as_secs() / 86400,
        restore_days = config.worker.restore_window.as_secs() / 86400,
        mail_root = %config.mail_root.display(),
        hash_threads = config.hashing.threads,
        hash_queue = config.hashing.queue,
        hash_per_login = config.hashing.per_login,
        rate_per_address = config.limits.rate.per_address,
        rate_per_login = config.limits.rate.per_login,
        max_in_flight = config.limits.max_in_flight,
        max_waiters = config.limits.max_waiters,
        request_timeout_secs = config.limits.request_timeout.as_secs(),
        trusted_proxies = config.limits.trusted_proxies.len(),
        public_url = config.public_url.as_deref().unwrap_or("-"),
        demo = config.demo,
        "effective configuration"
    );
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = args.run.config(Some(args.listen))?;
    config.public_url = args.public_url;
    config.allowed_hosts = args.allowed_hosts;
    config.metrics_token = args.metrics_token;
    config.demo = args.demo;
    config.hashing = args.hashing.config();
    config.limits = args.limits.config();
    if args.no_worker {
        config.worker.workers = 0;
    }
    run_until_signal(config, |server| {
        format!("listening on http://{}", server.addr())
    })
    .await
}

async fn work(args: WorkerArgs) -> anyhow::Result<()> {
    let mut config = args.run.config(None)?;
    config.worker.workers = config.worker.workers.max(1);
    run_until_signal(config, |_| "working".to_owned()).await
}

/// What `serve` and `worker` share: log the configuration, start, print the ready line (which
/// scripts wait for), run until SIGINT or SIGTERM, then stop cleanly.
async fn run_until_signal(
    config: ServeConfig,
    ready_line: impl FnOnce(&Server) -> String,
) -> anyhow::Result<()> {
    log_config(&config);
    let server = Server::start(config).await?;
    println!("{}", ready_line(&server));
    std::io::stdout().flush()?;
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("cannot install the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let open = |db: DatabaseArg| async move { crate::store::connect(&db.database).await };
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Worker(args) => work(args).await,
        Command::Franchise(FranchiseCmd::Add { name, sandbox, db }) => {
            let store = open(db).await?;
            admin::add_franchise(store.as_ref(), &name, sandbox).await?;
            store.close().await;
            println!("franchise {name} ready");
            Ok(())
        }
        Command::Account(AccountCmd::Add {
            franchise,
            number,
            currency,
            status,
            db,
        }) => {
            let store = open(db).await?;
            admin::add_account(
                store.as_ref(),
                &franchise,
                &number,
                &currency,
                status.into(),
            )
            .await?;
            store.close().await;
            println!("account {number} ready");
            Ok(())
        }
        Command::Exchange(ExchangeCmd::Add {
            franchise,
            account,
            domain,
            version,
            plan,
            free,
            quota_mb,
            catalog,
            db,
        }) => {
            let catalog = catalog.load()?;
            let store = open(db).await?;
            let spec = admin::ExchangeSpec {
                franchise: &franchise,
                account: &account,
                domain: &domain,
                version: &version,
                plan: &plan,
                free_mailboxes: free,
                quota_mb,
            };
            admin::add_exchange(store.as_ref(), &catalog, &spec).await?;
            store.close().await;
            println!("exchange {domain} ready");
            Ok(())
        }
        Command::MailConfig(args) => {
            let source = crate::mailconfig::Source::parse(&args.db.database)?;
            let files = match args.server {
                MailServer::Dovecot => crate::mailconfig::dovecot(&source, args.uid, args.gid),
                MailServer::Postfix => crate::mailconfig::postfix(&source, &args.lmtp),
            };
            std::fs::create_dir_all(&args.out)
                .with_context(|| format!("cannot create {}", args.out.display()))?;
            for (name, content) in files {
                let path = args.out.join(name);
                std::fs::write(&path, content)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("{}", path.display());
            }
            if matches!(source, crate::mailconfig::Source::Sqlite { .. }) {
                eprintln!(
                    "note: a mail server reading the SQLite file as another user needs write access to its folder (WAL); see docs/mail-directory.md"
                );
            }
            Ok(())
        }
        Command::Openapi => {
            print!("{}", crate::http::openapi::pretty());
            Ok(())
        }
        Command::Config(ConfigCmd::Example) => {
            print!("{}", crate::config::EXAMPLE);
            Ok(())
        }
        Command::User(UserCmd::Add { login, account, db }) => {
            let password = read_password()?;
            let store = open(db).await?;
            let hashing = HashPool::new(HashPoolConfig {
                threads: 1,
                ..HashPoolConfig::default()
            });
            admin::add_user(
                store.as_ref(),
                &hashing,
                &login,
                account.as_deref(),
                &password,
            )
            .await?;
            store.close().await;
            println!("user {login} ready");
            Ok(())
        }
    }
}

/// Entry point of the binary: logs to standard error, results on standard output.
/// Parses the command line over the configuration file's settings, if there is one.
fn parse() -> anyhow::Result<Cli> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<String> = std::env::args().collect();
    let mut command = Cli::command();
    if let Some(path) = crate::config::path_from(&args) {
        let settings = crate::config::read(&path)?;
        command = crate::config::apply(command, &settings)
            .with_context(|| format!("in {}", path.display()))?;
    }
    let matches = command.get_matches_from(args);
    Ok(Cli::from_arg_matches(&matches)?)
}

pub fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr);
    if cli.log_format == LogFormat::Json {
        logs.json().with_current_span(true).init();
    } else {
        logs.init();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// `--status` takes every account status by its API name, and only those.
    #[test]
    fn account_status_argument_covers_the_domain() {
        let settable = || {
            AccountStatus::ALL
                .iter()
                .filter(|s| !matches!(s, AccountStatus::New | AccountStatus::Purged))
        };
        for status in settable() {
            let arg = AccountStatusArg::from_str(status.as_str(), false).expect("a value");
            assert_eq!(AccountStatus::from(arg), *status);
        }
        assert_eq!(AccountStatusArg::value_variants().len(), settable().count());
        let refused = Cli::command().try_get_matches_from([
            "mailorder",
            "account",
            "add",
            "f",
            "acct1",
            "--status",
            "frozen",
        ]);
        assert!(refused.is_err());
    }

    /// Every setting of the example file is one the command line knows, and it parses.
    #[test]
    fn the_example_configuration_applies() {
        use clap::FromArgMatches;
        let settings = crate::config::parse(crate::config::EXAMPLE).expect("example parses");
        assert!(settings.len() >= 15, "the example covers the settings");
        let command = crate::config::apply(Cli::command(), &settings).expect("all known");
        let matches = command
            .try_get_matches_from(["mailorder", "serve"])
            .expect("serve parses");
        let cli = Cli::from_arg_matches(&matches).expect("cli");
        assert!(matches!(cli.command, Command::Serve(_)));
        let typo = [("worker".to_owned(), "3".to_owned())];
        assert!(crate::config::apply(Cli::command(), &typo).is_err());
    }

    /// Flags beat the file; the file beats the built-in default.
    #[test]
    fn flags_override_the_file() {
        use clap::FromArgMatches;
        let settings = crate::config::parse("workers = 7\nlease_secs = 9").expect("parses");
        let command = crate::config::apply(Cli::command(), &settings).expect("known");
        let matches = command
            .try_get_matches_from(["mailorder", "serve", "--workers", "2"])
            .expect("parses");
        let Command::Serve(args) = Cli::from_arg_matches(&matches).expect("cli").command else {
            panic!("serve expected");
        };
        assert_eq!(args.run.workers, 2, "flag");
        assert_eq!(args.run.lease_secs, 9, "file");
        assert_eq!(args.run.max_attempts, 5, "built-in default");
    }
}
