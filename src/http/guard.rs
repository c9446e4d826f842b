//! What every API request passes before its handler: the request line's and headers' sizes
//! (`414`, `431`), the client address's rate (`429`), the instance's requests in flight
//! (beyond the limit: `503` at once) and a deadline (`503` when a request runs past it). The
//! operations endpoints (`/healthz`, `/readyz`, `/metrics`) skip the rate and the shedding,
//! so that probes still answer under load. Each refusal has Hostway's error body and
//! `Retry-After` where waiting helps.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use tokio::sync::Semaphore;

use super::State;
use crate::auth::CLIENT_ADDR;
use crate::error::ApiError;
use crate::limits::{RateConfig, RateLimits};

/// The longest request target (path and query) served; longer ones get `414`.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) a request may carry; more get `431`.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The most headers a request may carry; more get `431`. (hyper itself refuses more than 100
/// with a bare `431`.)
pub const MAX_HEADERS: usize = 64;
/// Deepest nesting of arrays and objects in a JSON body; deeper ones get `400`.
pub const MAX_JSON_DEPTH: usize = 32;

/// The limits of one server (`serve` flags).
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    pub rate: RateConfig,
    /// Requests handled at once by this instance; more are answered `503` at once.
    pub max_in_flight: usize,
    /// Order reads waiting for a change at once (outside `max_in_flight`: they cost no query
    /// while they wait); beyond, a read does not wait.
    pub max_waiters: usize,
    /// The longest a request may take before it is answered `503`.
    pub request_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Wrong passwords one login may send from one address before it backs off (0: never).
    pub login_backoff_after: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            rate: RateConfig::default(),
            max_in_flight: 512,
            max_waiters: 10_000,
            request_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            login_backoff_after: crate::backoff::FREE_FAILURES,
        }
    }
}

/// The running limits.
pub struct Guard {
    pub limits: Arc<RateLimits>,
    in_flight: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
    timeout: Duration,
    trusted_proxies: Vec<IpNet>,
}

impl Guard {
    pub fn new(config: &LimitsConfig, limits: Arc<RateLimits>) -> Self {
        Self {
            limits,
            in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            waiting: Arc::new(Semaphore::new(config.max_waiters)),
            timeout: config.request_timeout,
            trusted_proxies: config.trusted_proxies.clone(),
        }
    }

    /// How long a request may run (`--request-timeout-secs`).
    pub fn deadline(&self) -> Duration {
        self.timeout
    }

    /// The client: the peer, or, when the peer is a trusted proxy, the nearest address in
    /// `X-Forwarded-For` that is not one (a client can prepend anything to the header, so it is
    /// read from the right).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let trusted = |a: &IpAddr| self.trusted_proxies.iter().any(|net| net.contains(a));
        if !trusted(&peer) {
            return peer;
        }
        let mut client = peer;
        for value in headers.get_all("x-forwarded-for").iter().rev() {
            let Ok(value) = value.to_str() else {
                return client;
            };
            for hop in value.rsplit(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(addr) if trusted(&addr) => client = addr,
                    Ok(addr) => return addr,
                    Err(_) => return client,
                }
            }
        }
        client
    }
}

fn is_ops(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum()
}

/// The layer: sizes, rate, shedding, deadline (in that order; the cheapest first).
pub async fn guard(state: State, request: Request, next: Next) -> Response {
    let guard = &state.guard;
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return ApiError::UriTooLong.into_response();
    }
    let headers = request.headers();
    if headers.len() > MAX_HEADERS || header_bytes(headers) > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge.into_response();
    }
    if is_ops(request.uri().path()) {
        return next.run(request).await;
    }
    if let Ok(client) = CLIENT_ADDR.try_with(|a| *a)
        && let Err(retry_after_secs) = guard.limits.check_address(client)
    {
        state.metrics.limited.inc();
        return ApiError::TooManyRequests {
            reason: "Too many requests from this address, retry later",
            retry_after_secs,
        }
        .into_response();
    }
    // An order read that waits for a change (`Prefer: wait=N`) holds a waiter's place, not
    // one of the requests in flight, and has N seconds more; without a free place it does not
    // wait.
    let mut request = request;
    let wait = waits(&request);
    let waiting = wait.and_then(|_| Arc::clone(&guard.waiting).try_acquire_owned().ok());
    if wait.is_some() && waiting.is_none() {
        request.headers_mut().remove("prefer");
    }
    let timeout = guard.timeout + waiting.as_ref().and(wait).unwrap_or_default();
    let _permit = match waiting {
        Some(place) => place,
        None => match Arc::clone(&guard.in_flight).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                state.metrics.shed.inc();
                return ApiError::Shed.into_response();
            }
        },
    };
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                timeout_secs = guard.timeout.as_secs_f64(),
                "request ran past its deadline"
            );
            ApiError::TimedOut.into_response()
        }
    }
}

/// The wait an order read asks for (`Prefer: wait=N` on `GET /orders/{id}` or `/order`).
fn waits(request: &Request) -> Option<Duration> {
    // `/orders/{id}` or `/order`, with or without the trailing `/`: nothing under them.
    let path = request.uri().path().trim_end_matches('/');
    let order = path == "/order"
        || path
            .strip_prefix("/orders/")
            .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    (request.method() == axum::http::Method::GET && order)
        .then(|| super::order_wait::asked_wait(request.headers()))
        .flatten()
}

/// `Err(400)` when a JSON text nests arrays and objects deeper than [`MAX_JSON_DEPTH`]
/// (counted outside strings, before it is parsed).
pub fn check_json_depth(body: &[u8]) -> Result<(), ApiError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in body {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(ApiError::BadRequest {
                        message: "Malformed JSON".into(),
                        details: crate::error::Details::Text(format!(
                            "nested deeper than {MAX_JSON_DEPTH} levels"
                        )),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn json_depth_is_counted_outside_strings() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(check_json_depth(nested(MAX_JSON_DEPTH).as_bytes()).is_ok());
        assert!(check_json_depth(nested(MAX_JSON_DEPTH + 1).as_bytes()).is_err());
        let in_string = format!(r#"{{"a": "{}\"{}"}}"#, "[".repeat(100), "{".repeat(100));
        assert!(check_json_depth(in_string.as_bytes()).is_ok());
        assert!(check_json_depth(br#"{"a": {"b": [1, 2, {"c": "]]]]"}]}}"#).is_ok());
    }

    fn guard_trusting(proxies: &[&str]) -> Guard {
        Guard::new(
            &LimitsConfig {
                trusted_proxies: proxies.iter().map(|p| p.parse().unwrap()).collect(),
                ..LimitsConfig::default()
            },
            Arc::new(RateLimits::new(RateConfig::OFF)),
        )
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7, 10.0.0.2"),
        );
        let open = guard_trusting(&[]);
        assert_eq!(open.client(ip("127.0.0.1"), &headers), ip("127.0.0.1"));
        let proxied = guard_trusting(&["127.0.0.1/32", "10.0.0.0/8"]);
        // The nearest untrusted hop is the client; what it put in front is not believed.
        assert_eq!(proxied.client(ip("127.0.0.1"), &headers), ip("203.0.113.7"));
        assert_eq!(
            proxied.client(ip("192.0.2.1"), &headers),
            ip("192.0.2.1"),
            "an untrusted peer's header is ignored"
        );
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("junk, 10.0.0.2"),
        );
        assert_eq!(proxied.client(ip("127.0.0.1"), &headers), ip("10.0.0.2"));
        assert_eq!(
            proxied.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }
}
