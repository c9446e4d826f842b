//! The audit log: every mutating API call (time, principal, franchise, account, action, target,
//! result, request id, client address) and every provisioning step, never with a secret.
//!
//! Requests note who they are and which account they touch as they go ([`note_login`],
//! [`note_franchise`], [`note_account`]) in a scope the HTTP layer opens around each mutating
//! call; the layer then hands the event to [`AuditLog`], whose one writer task stores events in
//! batches (one statement per batch). The queue is bounded: when it is full a request waits for
//! room rather than losing its entry. On stop the queue is flushed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::metrics::Metrics;
use crate::store::{AuditEvent, Store};

/// Entries waiting for the writer at most.
const QUEUE: usize = 4096;
/// Entries stored by one statement at most.
const BATCH: usize = 100;

/// What a request learns about itself for its audit entry.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    pub principal: Option<String>,
    pub franchise_id: Option<i64>,
    pub account: Option<String>,
}

tokio::task_local! {
    /// The audit scope of the request being handled (mutating calls only).
    pub static SCOPE: Arc<Mutex<Scope>>;
}

fn with_scope(f: impl FnOnce(&mut Scope)) {
    let _ = SCOPE.try_with(|scope| f(&mut scope.lock().unwrap_or_else(|e| e.into_inner())));
}

/// The login the request's credentials name (right or wrong: a refused login is audited too).
pub fn note_login(login: &str) {
    with_scope(|s| s.principal = Some(login.to_owned()));
}

/// The franchise the caller belongs to, once its credentials are right (its agents read the
/// entry), or the franchise of the order an `OwnerId` cookie opened.
pub fn note_franchise(franchise_id: i64) {
    with_scope(|s| s.franchise_id = Some(franchise_id));
}

/// The account the request touches, once the caller's franchise is known to own it.
pub fn note_account(number: &str) {
    with_scope(|s| s.account = Some(number.to_owned()));
}

enum Message {
    Event(AuditEvent),
    Flush(oneshot::Sender<()>),
}

/// The audit log's queue; the writer task stores what it is given.
pub struct AuditLog {
    queue: mpsc::Sender<Message>,
}

impl AuditLog {
    /// Starts the writer task.
    pub fn start(store: Arc<Store>, metrics: Arc<Metrics>) -> (Arc<Self>, JoinHandle<()>) {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let writer = tokio::spawn(write(store, metrics, receiver));
        (Arc::new(Self { queue }), writer)
    }

    /// Queues an entry (waiting for room if the queue is full).
    pub async fn record(&self, event: AuditEvent) {
        if self.queue.send(Message::Event(event)).await.is_err() {
            tracing::error!("the audit writer has stopped; an entry is lost");
        }
    }

    /// Returns once every entry queued before has been stored (or given up on).
    pub async fn flush(&self) {
        let (done, stored) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = stored.await;
        }
    }
}

/// The writer: takes what is queued (up to a batch), stores it in one statement, retries a
/// failed batch a few times (the database may be restarting), then gives up on it, logged and
/// counted.
async fn write(store: Arc<Store>, metrics: Arc<Metrics>, mut receiver: mpsc::Receiver<Message>) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut flushes = Vec::new();
    while let Some(first) = receiver.recv().await {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Event(e) => batch.push(e),
                Message::Flush(done) => flushes.push(done),
            }
            if batch.len() < BATCH {
                next = receiver.try_recv().ok();
            }
        }
        store_batch(&store, &metrics, &batch).await;
        batch.clear();
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

async fn store_batch(store: &Store, metrics: &Metrics, batch: &[AuditEvent]) {
    for attempt in 1..=5u32 {
        match store.insert_audit(batch).await {
            Ok(()) => return,
            Err(e) if attempt < 5 => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    attempt,
                    "cannot store audit entries; retrying"
                );
                tokio::time::sleep(Duration::from_millis(200) * attempt).await;
            }
            Err(e) => {
                tracing::error!(
                    error = format!("{e:#}"),
                    entries = batch.len(),
                    "cannot store audit entries; they are lost"
                );
                metrics.audit_lost.inc_by(batch.len() as u64);
            }
        }
    }
}
