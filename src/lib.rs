//! mailorder: Hostway's "Core API" for ordering hosted mailboxes, as a real server.
//!
//! Start with `docs/ARCHITECTURE.md`; the modules, in the order a request meets them:

/// Administration and the demo data set.
pub mod admin;
/// Start-up and shutdown of the server and its workers.
pub mod app;
/// The audit log: every mutating call and provisioning step.
pub mod audit;
/// HTTP Basic authentication with a verification cache.
pub mod auth;
/// Progressive back-off of wrong passwords per login and client address.
pub mod backoff;
/// The command line.
pub mod cli;
/// `mo`, the command-line client for mailorder (and Hostway-compatible) servers.
pub mod client;
/// The configuration file: defaults for the command line.
pub mod config;
/// Domain types that parse, never just validate.
pub mod domain;
/// The one API error type, rendered as Hostway's error body.
pub mod error;
/// Password hashing on a bounded pool of threads.
pub mod hashing;
/// HTTP routes, one module per resource, and the error-body layer.
pub mod http;
/// Request rate limits per client address and per login.
pub mod limits;
/// Dovecot and Postfix configuration for the mail directory.
pub mod mailconfig;
/// Prometheus metrics of one server.
pub mod metrics;
/// Catalog of plans and prices, and quotes for orders.
pub mod pricing;
/// Provisioning drivers (the mail directory; sandbox behaviour).
pub mod provision;
/// The storage seam and its SQLite and PostgreSQL back ends.
pub mod store;
/// Webhook deliveries: fan-out, signing, back-off, and where they may go.
pub mod webhooks;
/// The order worker: leases, retries, outcomes.
pub mod worker;

/// Milliseconds since the Unix epoch: the one clock of the application.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
