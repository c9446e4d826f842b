//! Start-up: open the store, seed demo data, bind the listener, start the workers and serve
//! until asked to stop. Tests use [`Server::start`] directly on `127.0.0.1:0`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::auth::Authenticator;
use crate::http::{AppState, router};
use crate::provision::{DirectoryDriver, Provisioner, Sandbox};
use crate::store::{self, Store};
use crate::worker::{Worker, WorkerConfig};

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: String,
    pub database: String,
    pub public_url: Option<String>,
    pub demo: bool,
    pub worker: WorkerConfig,
    /// Root of the mailbox home directories written into the mail directory.
    pub mail_root: PathBuf,
    pub auth_cache_ttl: Duration,
}

impl ServeConfig {
    pub fn new(listen: impl Into<String>, database: impl Into<String>) -> Self {
        Self {
            listen: listen.into(),
            database: database.into(),
            public_url: None,
            demo: false,
            worker: WorkerConfig::default(),
            mail_root: PathBuf::from("/var/vmail"),
            auth_cache_ttl: Duration::from_secs(60),
        }
    }
}

/// A running mailorder: the HTTP server plus its order workers.
pub struct Server {
    addr: SocketAddr,
    store: Arc<dyn Store>,
    worker: Arc<Worker>,
    shutdown: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Server {
    pub async fn start(config: ServeConfig) -> anyhow::Result<Self> {
        let store = store::connect(&config.database).await?;
        if config.demo {
            crate::admin::seed_demo(store.as_ref())
                .await
                .context("cannot seed the demo data")?;
        }
        let wake = Arc::new(Notify::new());
        let directory: Arc<dyn Provisioner> = Arc::new(DirectoryDriver::new(
            Arc::clone(&store),
            config.mail_root.clone(),
        ));
        let provisioner: Arc<dyn Provisioner> = Arc::new(Sandbox::new(directory));
        let worker = Arc::new(Worker::new(
            Arc::clone(&store),
            provisioner,
            config.worker.clone(),
            Arc::clone(&wake),
        ));

        let public_url = config
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_owned());
        let state = Arc::new(AppState {
            store: Arc::clone(&store),
            auth: Authenticator::new(Arc::clone(&store), config.auth_cache_ttl),
            public_url,
            wake,
        });
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;

        let (shutdown, stop) = watch::channel(false);
        let workers = worker.spawn(&stop);
        let mut stop_http = stop.clone();
        let app = router(state);
        let http = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop_http.wait_for(|s| *s).await;
                })
                .await
        });
        Ok(Self {
            addr,
            store,
            worker,
            shutdown,
            http,
            workers,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The worker, for driving it step by step (tests start with `workers: 0`).
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Stops accepting, finishes in-flight requests and worker steps, closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.http.await.context("HTTP server task failed")??;
        for w in self.workers {
            let _ = w.await;
        }
        self.store.close().await;
        Ok(())
    }
}
