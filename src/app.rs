//! Start-up: open the store, seed demo data, bind the listener, start the workers and serve
//! until asked to stop. Tests use [`Server::start`] directly on `127.0.0.1:0`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::audit::AuditLog;
use crate::auth::Authenticator;
use crate::hashing::{HashPool, HashPoolConfig};
use crate::http::guard::{Guard, LimitsConfig};
use crate::http::listener::{ClientAddr, FIRST_REQUEST_GRACE, StoppingListener};
use crate::http::{AppState, router};
use crate::limits::RateLimits;
use crate::metrics::Metrics;
use crate::pricing::Catalog;
use crate::provision::{
    DirectoryDriver, DriverSelection, Drivers, HttpAgent, Provisioner, Sandbox,
};
use crate::store::{self, DbOptions, Store};
use crate::worker::{Worker, WorkerConfig};

#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where to serve the API; `None` for a worker-only process.
    pub listen: Option<String>,
    pub database: String,
    pub db: DbOptions,
    pub public_url: Option<String>,
    /// Host names links may follow without `public_url` (besides loopback names).
    pub allowed_hosts: Vec<String>,
    /// Required as a bearer token by `/metrics`, if set.
    pub metrics_token: Option<String>,
    pub demo: bool,
    pub worker: WorkerConfig,
    /// Root of the mailbox home directories written into the mail directory.
    pub mail_root: PathBuf,
    pub auth_cache_ttl: Duration,
    /// Plans and prices.
    pub catalog: Arc<Catalog>,
    /// Which driver provisions which franchise's or plan's mailboxes (`directory` by default).
    pub drivers: DriverSelection,
    /// The password-hashing pool's bounds.
    pub hashing: HashPoolConfig,
    /// Request limits: rates, requests in flight, the deadline, trusted proxies.
    pub limits: LimitsConfig,
    /// Webhook deliveries: the secrets' key, the networks allowed, retries.
    pub webhooks: crate::webhooks::WebhookConfig,
    /// Wraps the API's router, for an embedder's own layers (the tests check every response
    /// against the OpenAPI document with one).
    pub wrap_router: Option<RouterWrap>,
}

/// A function that wraps the API's router in further layers.
#[derive(Clone)]
pub struct RouterWrap(pub Arc<dyn Fn(Router) -> Router + Send + Sync>);

impl std::fmt::Debug for RouterWrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RouterWrap")
    }
}

impl ServeConfig {
    pub fn new(listen: impl Into<String>, database: impl Into<String>) -> Self {
        Self {
            listen: Some(listen.into()),
            database: database.into(),
            db: DbOptions::default(),
            public_url: None,
            allowed_hosts: Vec::new(),
            metrics_token: None,
            demo: false,
            worker: WorkerConfig::default(),
            mail_root: PathBuf::from("/var/vmail"),
            auth_cache_ttl: Duration::from_secs(60),
            catalog: Arc::new(Catalog::builtin()),
            drivers: DriverSelection::default(),
            hashing: HashPoolConfig::default(),
            limits: LimitsConfig::default(),
            webhooks: crate::webhooks::WebhookConfig::default(),
            wrap_router: None,
        }
    }
}

/// How long a stopping server waits for the requests it has taken.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Refuses to start with a catalog that lacks a plan some Exchange domain is on: its mailboxes
/// could not be priced.
async fn check_catalog(store: &Store, catalog: &Catalog) -> anyhow::Result<()> {
    let missing: Vec<String> = store
        .plans_in_use()
        .await?
        .into_iter()
        .filter(|(franchise, plan)| catalog.plan(franchise, plan).is_none())
        .map(|(franchise, plan)| format!("{plan:?} (franchise {franchise:?})"))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "the catalog lacks plans that Exchange domains are on: {}",
            missing.join(", ")
        );
    }
    Ok(())
}

/// A running mailorder: the HTTP server plus its order workers.
pub struct Server {
    addr: Option<SocketAddr>,
    store: Arc<Store>,
    worker: Arc<Worker>,
    hashing: Arc<HashPool>,
    audit: Arc<AuditLog>,
    audit_writer: JoinHandle<()>,
    deliverer: Arc<crate::webhooks::Deliverer>,
    shutdown: watch::Sender<bool>,
    http: Option<JoinHandle<std::io::Result<()>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// Starts the API (unless `listen` is `None`) and `worker.workers` order workers, with
    /// maintenance and the cross-process wake-ups if there are any workers.
    pub async fn start(config: ServeConfig) -> anyhow::Result<Self> {
        let store = store::connect_with(&config.database, &config.db).await?;
        let hashing = Arc::new(HashPool::new(config.hashing.clone()));
        if config.demo {
            crate::admin::seed_demo(store.as_ref(), &hashing, &config.catalog)
                .await
                .context("cannot seed the demo data")?;
        }
        check_catalog(store.as_ref(), &config.catalog).await?;
        let wake = Arc::new(Notify::new());
        let directory: Arc<dyn Provisioner> = Arc::new(DirectoryDriver::new(
            Arc::clone(&store),
            config.mail_root.clone(),
        ));
        config.drivers.check().map_err(anyhow::Error::msg)?;
        let agent = match &config.drivers.agent {
            Some(agent) => {
                // The agent's domains get their aliases and lists carried to it.
                store.set_agent_scope(store::AgentScope {
                    franchises: config.drivers.http_franchises.clone(),
                    plans: config.drivers.http_plans.clone(),
                });
                Some(Arc::new(HttpAgent::new(Arc::clone(agent))?) as Arc<dyn Provisioner>)
            }
            None => None,
        };
        let drivers = Drivers::new(directory, agent, config.drivers.clone());
        let provisioner: Arc<dyn Provisioner> = Arc::new(Sandbox::new(Arc::new(drivers)));
        let metrics = Arc::new(Metrics::new());
        let (audit, audit_writer) = AuditLog::start(Arc::clone(&store), Arc::clone(&metrics));
        let worker = Arc::new(Worker::new(
            Arc::clone(&store),
            provisioner,
            config.worker.clone(),
            Arc::clone(&wake),
            Arc::clone(&metrics),
            Arc::clone(&audit),
        ));

        let deliverer = Arc::new(crate::webhooks::Deliverer::new(
            Arc::clone(&store),
            config.webhooks.clone(),
            crate::http::webhook_docs::renderer(),
        )?);
        // Announced by any instance when credentials change: this one forgets cached logins.
        let credentials = Arc::new(Notify::new());
        let (shutdown, stop) = watch::channel(false);
        let mut forget_task = None;
        let (addr, http) = match &config.listen {
            None => (None, None),
            Some(listen) => {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                let addr = listener.local_addr()?;
                if !config.demo
                    && config.public_url.is_none()
                    && config.allowed_hosts.is_empty()
                    && !addr.ip().is_loopback()
                {
                    anyhow::bail!(
                        "listening on {addr} needs --public-url or --allowed-hosts: links are built from the Host header only for hosts you name"
                    );
                }
                let limits = Arc::new(RateLimits::new(config.limits.rate));
                let state = Arc::new(AppState {
                    store: Arc::clone(&store),
                    auth: Authenticator::new(
                        Arc::clone(&store),
                        Arc::clone(&hashing),
                        config.auth_cache_ttl,
                        Arc::clone(&limits),
                        config.limits.login_backoff_after,
                    ),
                    guard: Guard::new(&config.limits, limits),
                    audit: Arc::clone(&audit),
                    hashing: Arc::clone(&hashing),
                    public_url: config
                        .public_url
                        .as_deref()
                        .map(|u| u.trim_end_matches('/').to_owned()),
                    hosts: crate::http::hosts::HostPolicy::new(&config.allowed_hosts, config.demo),
                    metrics_token: config.metrics_token.clone(),
                    wake: Arc::clone(&wake),
                    catalog: Arc::clone(&config.catalog),
                    drivers: config.drivers.clone(),
                    metrics: Arc::clone(&metrics),
                    worker: Arc::clone(&worker),
                    workers_configured: config.worker.workers,
                    deliverer: Arc::clone(&deliverer),
                });
                let forget = {
                    let (state, credentials, mut stop) =
                        (Arc::clone(&state), Arc::clone(&credentials), stop.clone());
                    async move {
                        loop {
                            tokio::select! {
                                () = credentials.notified() => state.auth.forget_all(),
                                _ = stop.wait_for(|s| *s) => return,
                            }
                        }
                    }
                };
                forget_task = Some(tokio::spawn(forget));
                let mut stop_http = stop.clone();
                let mut app = router(state);
                if let Some(RouterWrap(wrap)) = &config.wrap_router {
                    app = wrap(app);
                }
                let app = app.into_make_service_with_connect_info::<ClientAddr>();
                let listener = StoppingListener::new(listener, stop.clone())?;
                let http = tokio::spawn(async move {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = stop_http.wait_for(|s| *s).await;
                            // The listener has closed; requests on connections it accepted
                            // just before get a moment to arrive before idle ones are closed.
                            tokio::time::sleep(FIRST_REQUEST_GRACE).await;
                        })
                        .await
                });
                (Some(addr), Some(http))
            }
        };
        let mut tasks = worker.spawn(&stop);
        tasks.extend(forget_task);
        tasks.push(tokio::spawn(Arc::clone(&deliverer).run(stop.clone())));
        if config.worker.workers > 0 || config.listen.is_some() {
            let store = Arc::clone(&store);
            let stop = stop.clone();
            let (ready, listening) = tokio::sync::oneshot::channel();
            tasks.push(tokio::spawn(async move {
                store
                    .listen_for_work(wake, credentials, Some(ready), stop)
                    .await
            }));
            // On PostgreSQL, start once the announcements are heard (at most a few seconds:
            // without LISTEN the workers poll and the cache lives out its time); on SQLite the
            // task ends at once and so does this wait.
            let _ = tokio::time::timeout(Duration::from_secs(5), listening).await;
        }
        Ok(Self {
            addr,
            store,
            worker,
            hashing,
            audit,
            audit_writer,
            deliverer,
            shutdown,
            http,
            tasks,
        })
    }

    /// The address the API listens on.
    ///
    /// # Panics
    /// In a worker-only process (started without `listen`).
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("this process serves no API")
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The password-hashing pool (its counters, and for admin operations in tests).
    pub fn hashing(&self) -> &Arc<HashPool> {
        &self.hashing
    }

    /// The webhook delivery loop (tests drive it or wait on what it delivers).
    pub fn deliverer(&self) -> &Arc<crate::webhooks::Deliverer> {
        &self.deliverer
    }

    /// The worker, for driving it step by step (tests start with `workers: 0`).
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Stops accepting, finishes in-flight requests (for at most [`SHUTDOWN_GRACE`]) and the
    /// workers' steps in hand, closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        if let Some(http) = self.http {
            match tokio::time::timeout(SHUTDOWN_GRACE, http).await {
                Ok(done) => done.context("HTTP server task failed")??,
                Err(_) => {
                    tracing::warn!("requests still running after the grace period; stopping anyway")
                }
            }
        }
        for task in self.tasks {
            let _ = task.await;
        }
        // Every entry of the requests and steps just finished is stored before the database
        // closes.
        self.audit.flush().await;
        self.audit_writer.abort();
        self.store.close().await;
        Ok(())
    }
}
