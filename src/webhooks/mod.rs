//! Webhook deliveries: the loop that fans events out to subscriptions and posts each delivery,
//! signed, from the durable queue (`webhook_deliveries`), with exponential back-off for 24
//! hours; a subscription failing for 24 hours is turned off with a reason. A process that dies
//! loses nothing: a claimed delivery's lease runs out and another process (or this one, once
//! restarted) takes it again.

pub mod policy;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

use crate::domain::SealKey;
use crate::domain::webhook::WebhookSecret;
use crate::provision::http_agent::{SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};
use crate::store::{DeliveryOutcome, DeliveryRecord, Store, StoreResult};
use policy::{PolicyResolver, TargetPolicy};

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Seals subscriptions' secrets at rest (`--webhook-key`); without one, a key of this
    /// process only (subscriptions made before a restart are then turned off when due).
    pub key: Option<SealKey>,
    /// Networks exempted from the policy (`--webhook-allow-nets`).
    pub allow_nets: Vec<ipnet::IpNet>,
    /// The first retry's delay; each further one doubles it, up to an hour.
    pub retry_base: Duration,
    /// How long a delivery is retried, and a subscription may fail before it is turned off.
    pub give_up_after: Duration,
    /// One delivery's request, connection included.
    pub timeout: Duration,
    /// How often an idle process looks for new events (other processes' included).
    pub poll: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            key: None,
            allow_nets: Vec::new(),
            retry_base: Duration::from_secs(10),
            give_up_after: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(500),
        }
    }
}

/// Headers of a delivery besides the signature's.
pub const EVENT_HEADER: &str = "X-Mailorder-Event";
pub const DELIVERY_HEADER: &str = "X-Mailorder-Delivery";

/// Renders the current document of an API path for a delivery (`None`: it is gone).
pub type Render = Arc<
    dyn Fn(
            Arc<Store>,
            String,
            String,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<Value>> + Send>>
        + Send
        + Sync,
>;

/// The delivery loop of one process.
pub struct Deliverer {
    store: Arc<Store>,
    config: WebhookConfig,
    key: SealKey,
    policy: Arc<TargetPolicy>,
    client: reqwest::Client,
    render: Render,
    /// Wakes the loop (a test delivery was queued).
    pub wake: Arc<Notify>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

impl Deliverer {
    pub fn new(store: Arc<Store>, config: WebhookConfig, render: Render) -> anyhow::Result<Self> {
        let key = match &config.key {
            Some(key) => key.clone(),
            None => {
                tracing::warn!(
                    "no --webhook-key: webhook secrets are sealed under a key of this process; subscriptions will not survive a restart"
                );
                SealKey::generate()
            }
        };
        let policy = Arc::new(TargetPolicy::new(config.allow_nets.clone()));
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver(Arc::clone(&policy))))
            .user_agent(concat!("mailorder-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            store,
            config,
            key,
            policy,
            client,
            render,
            wake: Arc::new(Notify::new()),
        })
    }

    pub fn key(&self) -> &SealKey {
        &self.key
    }

    pub fn policy(&self) -> &TargetPolicy {
        &self.policy
    }

    /// Fans out new events and makes one round of due deliveries; `true` if there was work.
    pub async fn run_once(self: &Arc<Self>) -> StoreResult<bool> {
        let dispatched = self.store.dispatch_events(crate::now_ms(), 100).await?;
        let lease = millis(self.config.timeout) + 5_000;
        let claimed = self
            .store
            .claim_deliveries(crate::now_ms(), lease, 16)
            .await?;
        let worked = dispatched > 0 || !claimed.is_empty();
        // At once: one slow receiver does not hold up the others.
        let mut running = tokio::task::JoinSet::new();
        for d in claimed {
            let this = Arc::clone(self);
            running.spawn(async move { this.deliver(&d).await });
        }
        // Every attempt runs to its end; an outcome the database would not take is retried
        // when its lease runs out.
        while let Some(done) = running.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "cannot record a webhook delivery's outcome")
                }
                Err(e) => tracing::error!(error = %e, "a webhook delivery task failed"),
            }
        }
        Ok(worked)
    }

    /// Runs until `shutdown`, sleeping while there is nothing due.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let wait = match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => match self.store.next_delivery_due().await {
                    Ok(Some(due)) => {
                        Duration::from_millis(u64::try_from(due - crate::now_ms()).unwrap_or(0))
                            .clamp(
                                Duration::from_millis(10),
                                self.config.poll.max(Duration::from_millis(10)),
                            )
                    }
                    _ => self.config.poll,
                },
                Err(e) => {
                    tracing::warn!(error = %e, "webhook deliveries: cannot reach the database");
                    Duration::from_secs(2)
                }
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// One attempt at one delivery, and its outcome recorded.
    async fn deliver(&self, d: &DeliveryRecord) -> StoreResult<()> {
        let attempt = self.attempt(d).await;
        let now = crate::now_ms();
        let outcome = match attempt {
            Ok(status) => DeliveryOutcome::Delivered { status },
            Err((status, error)) => {
                let doublings = u32::try_from(d.attempts.saturating_sub(1))
                    .unwrap_or(30)
                    .min(20);
                let delay =
                    (self.config.retry_base * 2u32.pow(doublings)).min(Duration::from_secs(3600));
                let next_ms = now + millis(delay);
                if next_ms > d.created_ms + millis(self.config.give_up_after) {
                    DeliveryOutcome::GaveUp { status, error }
                } else {
                    DeliveryOutcome::Retry {
                        status,
                        error,
                        next_ms,
                    }
                }
            }
        };
        if !matches!(outcome, DeliveryOutcome::Delivered { .. }) {
            tracing::info!(delivery = %d.id, webhook = %d.webhook_id, attempts = d.attempts, ?outcome, "webhook delivery failed");
        }
        self.store
            .finish_delivery(d, &outcome, (now, millis(self.config.give_up_after)))
            .await
    }

    /// Posts the delivery; `Ok(status)` for a 2xx, else the status (if any) and why.
    async fn attempt(&self, d: &DeliveryRecord) -> Result<i64, (Option<i64>, String)> {
        let fail = |e: String| (None, e);
        let webhook = self
            .store
            .webhook(&d.webhook_id)
            .await
            .map_err(|e| fail(format!("database: {e}")))?
            .ok_or_else(|| fail("the subscription is gone".into()))?;
        let secret = WebhookSecret::open(&webhook.secret_sealed, &self.key, &webhook.id)
            .ok_or_else(|| fail("its secret cannot be opened (the webhook key changed)".into()))?;
        let url = reqwest::Url::parse(&webhook.url).map_err(|e| fail(e.to_string()))?;
        // A literal address is not resolved, so it is checked here; names at connect.
        self.policy.check_literal(&url).map_err(fail)?;
        let data = (self.render)(
            Arc::clone(&self.store),
            webhook.base.clone(),
            d.resource.clone(),
        )
        .await;
        let body = serde_json::to_vec(&json!({
            "id": d.event_id,
            "type": d.kind,
            "created": crate::http::timestamp(d.created_ms),
            "resource": format!("{}{}", webhook.base, d.resource),
            "data": data,
        }))
        .map_err(|e| fail(e.to_string()))?;
        let timestamp = (crate::now_ms() / 1000).to_string();
        let signed = signature(secret.reveal().as_bytes(), &timestamp, &body);
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, signed)
            .header(EVENT_HEADER, d.kind.as_str())
            .header(DELIVERY_HEADER, d.id.as_str())
            .body(body)
            .send()
            .await
            .map_err(|e| fail(describe(&e)))?;
        let status = i64::from(response.status().as_u16());
        if response.status().is_success() {
            Ok(status)
        } else {
            Err((Some(status), format!("answered {}", response.status())))
        }
    }
}

/// A request error in a line, with its cause (not the URL's query, which may hold a token).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}
