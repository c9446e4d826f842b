//! Operations endpoints, without authentication: `GET /healthz` (the process answers),
//! `GET /readyz` (database reachable, migrations applied, workers running) and `GET /metrics`
//! (Prometheus text format). They reveal nothing beyond the `version` field.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::State;
use super::types::{Health, Readiness, ReadinessChecks};

const VERSION: &str = env!("CARGO_PKG_VERSION");

pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: VERSION,
    })
}

pub async fn readyz(state: State) -> Response {
    let database = match state.store.migrations_current().await {
        Ok(true) => "ok",
        Ok(false) => "migrations pending",
        Err(e) => {
            tracing::warn!(error = format!("{e:#}"), "readiness: database unreachable");
            "unreachable"
        }
    };
    let workers = match (state.workers_configured, state.worker.running()) {
        (0, _) => "none configured",
        (_, 0) => "stopped",
        _ => "ok",
    };
    let ready = database == "ok" && workers != "stopped";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        status: if ready { "ready" } else { "not ready" },
        version: VERSION,
        checks: ReadinessChecks { database, workers },
    };
    (status, Json(body)).into_response()
}

/// Whether the request carries the `--metrics-token` (compared in constant time), if one is set.
fn metrics_allowed(state: &super::AppState, headers: &axum::http::HeaderMap) -> bool {
    let Some(token) = state.metrics_token.as_deref().filter(|t| !t.is_empty()) else {
        return true;
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let (a, b) = (sent.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn metrics(state: State, headers: axum::http::HeaderMap) -> Response {
    if !metrics_allowed(&state, &headers) {
        return crate::error::ApiError::Unauthorized("Metrics need the bearer token")
            .into_response();
    }
    // Queue and order figures come from the database at scrape time; if it is away, the
    // process's own figures are still served.
    let stats = state.store.queue_stats(crate::now_ms()).await;
    let text = state.metrics.render(|m| {
        m.set_hash_pool(&state.hashing.stats());
        if let Ok(stats) = &stats {
            m.queue_depth.set(stats.queued);
            m.oldest_queued_seconds.set(stats.oldest_queued_ms / 1000);
            // Every status, 0 when no order has it: a status whose orders have all moved on
            // must not keep its last count.
            for status in crate::domain::OrderStatus::ALL {
                let n = stats
                    .orders_by_status
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                m.orders
                    .get_or_create(&crate::metrics::StatusLabel {
                        status: status.as_str().to_owned(),
                    })
                    .set(n);
            }
        }
    });
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
