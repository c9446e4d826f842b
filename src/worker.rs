//! The order worker: claims queued provisioning jobs with a lease, runs each step through the
//! [`Provisioner`], and records the outcome.
//!
//! - No transaction is open while a driver runs: the claim and the outcome are each one short
//!   write; the lease is renewed while the step runs.
//! - Workers wake as soon as an order is accepted ([`Notify`]); otherwise they sleep until the
//!   next job is due, or `idle_poll` at most (work from other processes, expired leases).
//! - Transient failures are retried with exponential backoff; after `max_attempts` the order is
//!   `Failed` with the reason. A job whose process died mid-step is taken over when its lease
//!   expires; steps are idempotent, so nothing is provisioned twice.
//! - Maintenance: closed mailboxes whose restore window has passed get a purge order, open
//!   orders past their expiry are cancelled, audit entries past their retention deleted.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::audit::AuditLog;
use crate::domain::{OrderId, OwnerId};
use crate::metrics::{Metrics, StepLabels};
use crate::now_ms;
use crate::provision::{ProvisionError, Provisioner};
use crate::store::{
    AuditEvent, BillingStatus, CancelOutcome, ClaimedJob, JobOutcome, MailboxActionOrder,
    MailboxTask, OrderError, StepKind, Store, StoreResult,
};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Concurrent worker tasks in this process (0: none, e.g. an API-only process or a test
    /// that drives [`Worker::run_once`] itself).
    pub workers: usize,
    pub lease: Duration,
    pub max_attempts: i64,
    pub retry_base: Duration,
    pub idle_poll: Duration,
    /// How long a closed mailbox can be restored before it is purged.
    pub restore_window: Duration,
    /// How long an open (unsubmitted) order may stay unchanged before maintenance cancels it.
    pub order_expiry: Duration,
    /// How long audit entries are kept before maintenance deletes them.
    pub audit_retention: Duration,
    /// How often maintenance (purging expired closed mailboxes, expiring open orders) runs.
    pub maintenance_every: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            lease: Duration::from_secs(60),
            max_attempts: 5,
            retry_base: Duration::from_secs(1),
            idle_poll: Duration::from_secs(5),
            restore_window: Duration::from_secs(30 * 24 * 3600),
            order_expiry: Duration::from_secs(7 * 24 * 3600),
            audit_retention: Duration::from_secs(90 * 24 * 3600),
            maintenance_every: Duration::from_secs(60),
        }
    }
}

/// What one [`Worker::run_maintenance`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Maintenance {
    /// Closed mailboxes past their restore window, now queued for purging.
    pub purges_queued: usize,
    /// Open orders past their expiry, now cancelled.
    pub orders_expired: usize,
    /// Audit entries past the retention, now deleted.
    pub audit_swept: u64,
    /// Idempotency keys past their 24 hours, now deleted.
    pub keys_swept: u64,
    /// Webhook events fanned out and deliveries finished over a week ago, now deleted.
    pub webhook_history_swept: u64,
}

/// What one [`Worker::run_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// A job was run (whatever its outcome).
    Worked,
    /// Nothing was due.
    Idle,
}

pub struct Worker {
    store: Arc<Store>,
    provisioner: Arc<dyn Provisioner>,
    config: WorkerConfig,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    audit: Arc<AuditLog>,
    /// Worker loops currently running (for `/readyz`).
    running: AtomicUsize,
}

/// Counts a running worker loop for as long as it lives (panics included).
struct RunningGuard<'a>(&'a AtomicUsize);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn failed(message: String, code: u16) -> JobOutcome {
    JobOutcome::Failed(OrderError { message, code })
}

/// The audit entry of a step: who it was for (franchise, account, address), what it did, how
/// it ended.
fn step_event(
    job: &ClaimedJob,
    target: Option<(i64, &str, &str)>,
    outcome: &JobOutcome,
) -> AuditEvent {
    let result = match outcome {
        JobOutcome::Done => "Completed".to_owned(),
        JobOutcome::Retry { error, .. } => format!("retry: {error}"),
        JobOutcome::Failed(e) => format!("Failed: {}", e.message),
    };
    AuditEvent {
        at_ms: now_ms(),
        request_id: None,
        principal: "worker".to_owned(),
        franchise_id: target.map(|t| t.0),
        account: target.map(|t| t.1.to_owned()),
        action: format!("step {}", job.kind.as_str()),
        target: match target {
            Some((_, _, address)) => format!("{address} (order {})", job.order_id),
            None => format!("order {}", job.order_id),
        },
        result,
        client: None,
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Worker {
    pub fn new(
        store: Arc<Store>,
        provisioner: Arc<dyn Provisioner>,
        config: WorkerConfig,
        wake: Arc<Notify>,
        metrics: Arc<Metrics>,
        audit: Arc<AuditLog>,
    ) -> Self {
        Self {
            store,
            provisioner,
            config,
            wake,
            metrics,
            audit,
            running: AtomicUsize::new(0),
        }
    }

    /// Worker loops running in this process now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    fn backoff(&self, attempts: i64) -> Duration {
        let exp = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(16);
        self.config
            .retry_base
            .saturating_mul(1 << exp)
            .min(Duration::from_secs(300))
    }

    /// Claims and runs at most one due job.
    pub async fn run_once(&self) -> StoreResult<Tick> {
        let Some(job) = self
            .store
            .claim_job(now_ms(), millis(self.config.lease))
            .await?
        else {
            return Ok(Tick::Idle);
        };
        let span = tracing::info_span!(
            "job",
            order.id = %job.order_id,
            job.id = job.id,
            attempt = job.attempts,
            step = tracing::field::Empty
        );
        self.run_job(&job).instrument(span).await?;
        Ok(Tick::Worked)
    }

    async fn run_job(&self, job: &ClaimedJob) -> StoreResult<()> {
        // Whose the step's object is, for the audit entry: franchise, account, address.
        let mut target: Option<(i64, String, String)> = None;
        let outcome = if job.attempts > self.config.max_attempts {
            failed(
                format!(
                    "Provisioning gave up after {} attempts",
                    self.config.max_attempts
                ),
                502,
            )
        } else if job.kind.is_list() {
            tracing::Span::current().record("step", job.kind.as_str());
            match self.store.list_task(job).await? {
                None => failed("The list of this order no longer exists".into(), 404),
                Some(found) => {
                    let result = self.provisioner.list_step(job.kind, &found).await;
                    target = Some((found.franchise_id, found.account_number, found.address));
                    self.outcome_of(job, result)
                }
            }
        } else if job.kind.is_account_step() {
            tracing::Span::current().record("step", job.kind.as_str());
            match self.store.run_onboarding_step(job, now_ms()).await? {
                Ok(found) => {
                    target = Some(found);
                    JobOutcome::Done
                }
                Err((message, code)) => failed(message, code),
            }
        } else if job.kind == StepKind::SyncAddress {
            tracing::Span::current().record("step", job.kind.as_str());
            match self.store.address_task(job).await? {
                None => failed("The domain of this order no longer exists".into(), 404),
                Some(found) => {
                    let result = self.provisioner.address_step(&found).await;
                    target = Some((found.franchise_id, found.account_number, found.address));
                    self.outcome_of(job, result)
                }
            }
        } else {
            match self.store.mailbox_task(job).await? {
                None => failed("The mailbox of this order no longer exists".into(), 404),
                Some(found) => {
                    tracing::Span::current().record("step", found.kind.as_str());
                    let outcome = self.run_step(job, &found).await;
                    target = Some((found.franchise_id, found.account_number, found.address));
                    outcome
                }
            }
        };
        if let JobOutcome::Failed(e) = &outcome {
            tracing::warn!(error = e.message, "order failed");
        }
        if !self.store.finish_job(job, &outcome, now_ms()).await? {
            tracing::warn!("lease lost while provisioning; another worker finishes this job");
        }
        let target = target
            .as_ref()
            .map(|(franchise, account, address)| (*franchise, account.as_str(), address.as_str()));
        self.audit.record(step_event(job, target, &outcome)).await;
        Ok(())
    }

    /// A step's result as the job's outcome: transient errors retried with backoff until the
    /// last attempt.
    fn outcome_of(&self, job: &ClaimedJob, result: Result<(), ProvisionError>) -> JobOutcome {
        match result {
            Ok(()) => JobOutcome::Done,
            Err(ProvisionError::Transient(error)) if job.attempts < self.config.max_attempts => {
                self.metrics.retries.inc();
                tracing::warn!(error, "transient provisioning failure");
                JobOutcome::Retry {
                    at_ms: now_ms() + millis(self.backoff(job.attempts)),
                    error,
                }
            }
            Err(ProvisionError::Transient(error)) => failed(error, 502),
            Err(ProvisionError::Permanent { message, code }) => failed(message, code),
        }
    }

    async fn run_step(&self, job: &ClaimedJob, task: &MailboxTask) -> JobOutcome {
        let started = std::time::Instant::now();
        let p = &self.provisioner;
        let result = match task.kind {
            StepKind::Create | StepKind::Restore => {
                self.with_lease_renewal(job, p.create_mailbox(task, job.attempts))
                    .await
            }
            StepKind::Close => self.with_lease_renewal(job, p.disable_mailbox(task)).await,
            StepKind::Purge => self.with_lease_renewal(job, p.remove_mailbox(task)).await,
            StepKind::Update | StepKind::SetPassword | StepKind::AccountStatus => {
                self.with_lease_renewal(job, p.update_mailbox(task)).await
            }
            StepKind::AddAddOn(_) | StepKind::RemoveAddOn(_) => {
                self.with_lease_renewal(job, p.add_on_step(task)).await
            }
            // List, address and account steps do not load a mailbox task (`run_job`).
            StepKind::CreateList
            | StepKind::DeleteList
            | StepKind::SyncAddress
            | StepKind::OpenAccount
            | StepKind::CreateUser
            | StepKind::SetContacts
            | StepKind::AddPayment
            | StepKind::CreateExchange
            | StepKind::CloseAccount => Err(ProvisionError::Permanent {
                message: "a list, address or account step on a mailbox".into(),
                code: 500,
            }),
        };
        // A password step that is over (delivered, or refused for good) lets go of the password
        // it sent, unless a newer one was sealed meanwhile. Creation erases it with the outcome.
        let password_step_over = task.kind == StepKind::SetPassword
            && !matches!(result, Err(ProvisionError::Transient(_)));
        if password_step_over
            && let Some(sealed) = &task.password_sealed
            && let Err(e) = self
                .store
                .erase_sealed_password(&task.domain, &task.username, sealed)
                .await
        {
            tracing::warn!(error = %e, "cannot erase the delivered password; it stays sealed");
        }
        let elapsed = started.elapsed();
        tracing::info!(
            driver = p.driver_name(task),
            step = task.kind.as_str(),
            elapsed_ms = elapsed.as_millis() as u64,
            ok = result.is_ok(),
            "provisioning step ran"
        );
        let outcome = match &result {
            Ok(()) => "ok",
            Err(ProvisionError::Transient(_)) => "transient",
            Err(ProvisionError::Permanent { .. }) => "permanent",
        };
        self.metrics
            .step_seconds
            .get_or_create(&StepLabels {
                driver: p.driver_name(task).to_owned(),
                step: task.kind.as_str().to_owned(),
                outcome: outcome.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
        match result {
            Ok(()) => JobOutcome::Done,
            Err(ProvisionError::Transient(error)) if job.attempts < self.config.max_attempts => {
                let delay = self.backoff(job.attempts);
                self.metrics.retries.inc();
                tracing::warn!(
                    error,
                    retry_in_ms = delay.as_millis() as u64,
                    "transient provisioning failure"
                );
                JobOutcome::Retry {
                    at_ms: now_ms() + millis(delay),
                    error,
                }
            }
            Err(ProvisionError::Transient(error)) => failed(
                format!("{error} (gave up after {} attempts)", job.attempts),
                502,
            ),
            Err(ProvisionError::Permanent { message, code }) => {
                if task.kind == StepKind::Create
                    && let Err(e) = p.remove_mailbox(task).await
                {
                    tracing::warn!(error = %e, "cleanup after failed provisioning failed");
                }
                failed(message, code)
            }
        }
    }

    /// Runs `step`, renewing the job's lease every third of its length meanwhile.
    async fn with_lease_renewal<T>(&self, job: &ClaimedJob, step: impl Future<Output = T>) -> T {
        let every = self.config.lease / 3;
        tokio::pin!(step);
        loop {
            tokio::select! {
                out = &mut step => return out,
                () = tokio::time::sleep(every) => {
                    if let Err(e) = self.store.renew_lease(job, now_ms() + millis(self.config.lease)).await {
                        tracing::warn!(error = %e, "cannot renew lease");
                    }
                }
            }
        }
    }

    /// Queues a purge for every closed mailbox whose restore window has passed and cancels
    /// open orders older than the expiry, releasing their names. Safe to run from several
    /// processes: a mailbox leaves `closed` once, an order leaves `new` once.
    pub async fn run_maintenance(&self) -> StoreResult<Maintenance> {
        let now = now_ms();
        let mut expired_orders = 0;
        for id in self
            .store
            .stale_open_orders(now - millis(self.config.order_expiry), 100)
            .await?
        {
            if self.store.cancel_order(&id, now).await? == CancelOutcome::Cancelled {
                tracing::info!(order.id = %id, "open order expired; cancelled");
                expired_orders += 1;
            }
        }
        let expired = self
            .store
            .expired_closed_mailboxes(now - millis(self.config.restore_window), 100)
            .await?;
        let mut queued = 0;
        for (account_id, exchange_id, username) in expired {
            let order_id = OrderId::generate(now);
            let order = MailboxActionOrder {
                order_id: &order_id,
                owner_id: OwnerId::generate(),
                account_id,
                exchange_id,
                username: &username,
                kind: StepKind::Purge,
                only_from: Some(BillingStatus::Closed),
                now_ms: now,
            };
            if self.store.create_action_order(&order).await? == crate::store::ActionOutcome::Created
            {
                tracing::info!(order.id = %order_id, username, "restore window passed; purge queued");
                queued += 1;
            }
        }
        if queued > 0 {
            self.wake.notify_waiters();
        }
        // Old audit entries go in batches, at most 100,000 a run, so one run stays short.
        let mut audit_swept = 0;
        for _ in 0..10 {
            let gone = self
                .store
                .sweep_audit(now - millis(self.config.audit_retention), 10_000)
                .await?;
            audit_swept += gone;
            if gone < 10_000 {
                break;
            }
        }
        // Idempotency keys past their 24 hours, in batches likewise.
        let mut keys_swept = 0;
        for _ in 0..10 {
            let gone = self.store.sweep_idempotency(now, 10_000).await?;
            keys_swept += gone;
            if gone < 10_000 {
                break;
            }
        }
        // A week of webhook deliveries stays readable (`GET /webhooks/{id}/deliveries`).
        let webhook_history_swept = self
            .store
            .sweep_webhook_history(now - 7 * 24 * 3600 * 1000)
            .await?;
        Ok(Maintenance {
            purges_queued: queued,
            keys_swept,
            webhook_history_swept,
            orders_expired: expired_orders,
            audit_swept,
        })
    }

    /// Runs until `shutdown` turns true, finishing the step in hand first.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        self.running.fetch_add(1, Ordering::Relaxed);
        let _running = RunningGuard(&self.running);
        while !*shutdown.borrow() {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = match self.run_once().await {
                Ok(Tick::Worked) => continue,
                Ok(Tick::Idle) => self.idle_wait().await,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "worker cannot reach the database");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn idle_wait(&self) -> Duration {
        match self.store.next_job_due().await {
            Ok(Some(due)) => Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0))
                .min(self.config.idle_poll),
            _ => self.config.idle_poll,
        }
    }

    async fn maintain(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            if let Err(e) = self.run_maintenance().await {
                tracing::error!(error = format!("{e:#}"), "maintenance failed");
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.maintenance_every) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Starts the configured number of worker tasks, plus maintenance if there are any.
    pub fn spawn(self: &Arc<Self>, shutdown: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let mut tasks: Vec<JoinHandle<()>> = (0..self.config.workers)
            .map(|_| tokio::spawn(Arc::clone(self).run(shutdown.clone())))
            .collect();
        if self.config.workers > 0 {
            tasks.push(tokio::spawn(Arc::clone(self).maintain(shutdown.clone())));
        }
        tasks
    }
}
