//! Every request: its id (`X-Request-Id`, accepted or generated, echoed, and the `guid` of its
//! error body), one access-log line, and its metrics. Routes label it by template.

use std::net::{IpAddr, Ipv6Addr};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request};

use super::listener::ClientAddr;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::State;
use crate::auth::CLIENT_ADDR;
use crate::error::REQUEST_ID;
use crate::metrics::RequestLabels;

const HEADER: &str = "x-request-id";

/// The route template a request matched, handed from the inner layer to the outer one.
#[derive(Debug, Clone)]
pub(super) struct Route(pub(super) String);

/// Inner layer (matched routes only): remembers the route template on the response.
pub async fn route_template(request: Request, next: Next) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(t) = template {
        response.extensions_mut().insert(Route(t));
    }
    response
}

/// A client's request id is kept if it is 1-128 characters of letters, digits and `-_.:/+@`
/// (nothing that could forge a field or a line in the human log: no quotes, `=`, spaces);
/// otherwise a fresh UUID is used.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+@".contains(&b))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// Outer layer: request id, access log and metrics.
pub async fn observe(state: State, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().clone();
    let span = tracing::info_span!("request", request_id = %id);
    let peer = request
        .extensions()
        .get::<ConnectInfo<ClientAddr>>()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| c.0.0.ip());
    let client = state.guard.client(peer, request.headers());
    let mut response = REQUEST_ID
        .scope(
            id.clone(),
            CLIENT_ADDR.scope(client, next.run(request).instrument(span)),
        )
        .await;
    let elapsed = started.elapsed();
    let route = response
        .extensions()
        .get::<Route>()
        .map_or("unmatched", |r| r.0.as_str())
        .to_owned();
    let status = response.status().as_u16();
    if status == 401 {
        state.metrics.auth_failures.inc();
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    tracing::info!(
        target: "mailorder::access",
        request_id = %id,
        method = %method,
        route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    let labels = RequestLabels {
        method: method.to_string(),
        route,
        status,
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .request_seconds
        .get_or_create(&labels)
        .observe(elapsed.as_secs_f64());
    response
}
