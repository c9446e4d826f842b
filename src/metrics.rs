//! Prometheus metrics: one registry per server (so test servers in one process do not mix),
//! rendered in the text format at `GET /metrics`. Request figures are labelled by route
//! template, never by raw path, so an account number or username is not a label value.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabels {
    pub driver: String,
    pub step: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: String,
}

fn latency_buckets() -> impl Iterator<Item = f64> {
    [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    ]
    .into_iter()
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub request_seconds: Family<RequestLabels, Histogram>,
    pub orders_accepted: Family<KindLabel, Counter>,
    pub step_seconds: Family<StepLabels, Histogram>,
    pub retries: Counter,
    pub auth_failures: Counter,
    /// Requests refused `429` for their client address's rate.
    pub limited: Counter,
    /// Requests refused `503` because too many were in flight.
    pub shed: Counter,
    /// Audit entries the database would not take, given up on.
    pub audit_lost: Counter,
    /// Responses replayed for a repeated `Idempotency-Key`.
    pub idempotent_replays: Counter,
    /// Set from the database when scraped.
    pub orders: Family<StatusLabel, Gauge>,
    pub queue_depth: Gauge,
    pub oldest_queued_seconds: Gauge,
    /// The password-hashing pool, set from its counters when scraped.
    pub hash_queued: Gauge,
    pub hash_running: Gauge,
    pub hash_memory_bytes: Gauge,
    pub hash_rejected: Family<ReasonLabel, Counter>,
    /// Serialises scrapes (the gauges are set, then encoded).
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("mailorder");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route template and status",
            requests.clone(),
        );
        let request_seconds = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(latency_buckets())
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by method, route template and status",
            request_seconds.clone(),
        );
        let orders_accepted = Family::<KindLabel, Counter>::default();
        registry.register(
            "orders_accepted",
            "Orders accepted by kind (free, paid line, submit, close, purge, restore)",
            orders_accepted.clone(),
        );
        let step_seconds = Family::<StepLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(latency_buckets())
        });
        registry.register(
            "provisioning_step_duration_seconds",
            "Provisioning step latency by driver, step and outcome",
            step_seconds.clone(),
        );
        let retries = Counter::default();
        registry.register(
            "worker_retries",
            "Provisioning steps queued again after a transient failure",
            retries.clone(),
        );
        let auth_failures = Counter::default();
        registry.register(
            "auth_failures",
            "Requests refused for bad credentials",
            auth_failures.clone(),
        );
        let limited = Counter::default();
        registry.register(
            "rate_limited",
            "Requests refused 429 for their client address's rate",
            limited.clone(),
        );
        let audit_lost = Counter::default();
        registry.register(
            "audit_lost",
            "Audit entries given up on after the database refused them",
            audit_lost.clone(),
        );
        let idempotent_replays = Counter::default();
        registry.register(
            "idempotent_replays",
            "Responses replayed for a repeated Idempotency-Key",
            idempotent_replays.clone(),
        );
        let shed = Counter::default();
        registry.register(
            "shed",
            "Requests refused 503 because too many were in flight",
            shed.clone(),
        );
        let orders = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "orders",
            "Orders by status (read when scraped)",
            orders.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register(
            "queue_depth",
            "Provisioning steps queued or running",
            queue_depth.clone(),
        );
        let oldest_queued_seconds = Gauge::default();
        registry.register(
            "queue_oldest_age_seconds",
            "Age of the oldest queued provisioning step (0 when none)",
            oldest_queued_seconds.clone(),
        );
        let hash_queued = Gauge::default();
        registry.register(
            "hash_pool_queued",
            "Password hashes waiting for a hashing thread",
            hash_queued.clone(),
        );
        let hash_running = Gauge::default();
        registry.register(
            "hash_pool_running",
            "Password hashes running",
            hash_running.clone(),
        );
        let hash_memory_bytes = Gauge::default();
        registry.register(
            "hash_pool_memory_bytes",
            "argon2id working memory held by the hashing threads",
            hash_memory_bytes.clone(),
        );
        let hash_rejected = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "hash_pool_rejected",
            "Requests refused by the hashing pool: queue full (503) or one login's flood (429)",
            hash_rejected.clone(),
        );
        Self {
            registry,
            requests,
            request_seconds,
            orders_accepted,
            step_seconds,
            retries,
            auth_failures,
            limited,
            shed,
            audit_lost,
            idempotent_replays,
            orders,
            queue_depth,
            oldest_queued_seconds,
            hash_queued,
            hash_running,
            hash_memory_bytes,
            hash_rejected,
            scrape: Mutex::new(()),
        }
    }

    pub fn accepted(&self, kind: &str) {
        self.orders_accepted
            .get_or_create(&KindLabel {
                kind: kind.to_owned(),
            })
            .inc();
    }

    /// Sets the hashing pool's figures from its counters.
    pub fn set_hash_pool(&self, stats: &crate::hashing::PoolStats) {
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.hash_queued.set(gauge(stats.queued));
        self.hash_running.set(gauge(stats.running));
        self.hash_memory_bytes.set(gauge(stats.memory_bytes));
        for (reason, n) in [
            ("full", stats.rejected_full),
            ("flood", stats.rejected_flood),
        ] {
            let label = ReasonLabel {
                reason: reason.to_owned(),
            };
            self.hash_rejected
                .get_or_create(&label)
                .inner()
                .store(n, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The text exposition, after `refresh` has set the database-read gauges.
    pub fn render(&self, refresh: impl FnOnce(&Self)) -> String {
        let _one_at_a_time = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
        refresh(self);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
