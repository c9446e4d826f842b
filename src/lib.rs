//! mailorder: Hostway's "Core API" for ordering hosted mailboxes, as a real server.
//!
//! Start with `docs/ARCHITECTURE.md`; the modules, in the order a request meets them:

/// HTTP routes, one module per resource, and the error-body layer.
pub mod http;
/// HTTP Basic authentication with a verification cache.
pub mod auth;
/// Domain types that parse, never just validate.
pub mod domain;
/// The one API error type, rendered as Hostway's error body.
pub mod error;
/// The storage seam and its SQLite and PostgreSQL back ends.
pub mod store;
/// The order worker: leases, retries, outcomes.
pub mod worker;
/// Provisioning drivers (the mail directory; sandbox behaviour).
pub mod provision;
/// Administration and the demo data set.
pub mod admin;
/// Start-up and shutdown of the server and its workers.
pub mod app;
/// The command line.
pub mod cli;

/// Milliseconds since the Unix epoch: the one clock of the application.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
