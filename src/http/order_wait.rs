//! Reading an order without polling: every order document has an `ETag` (a hash of its
//! bytes); `If-None-Match` with the current one is `304`; `Prefer: wait=N` (N ≤ 60) holds the
//! request until the document changes or N seconds pass. A waiting request costs no query: it
//! sleeps on the store's [`OrderWatch`](crate::store::watch::OrderWatch), and the waiters of
//! one order share one read per change. Documents of orders that can still change carry
//! `Retry-After`, the seconds after which polling is worth it for a client that does not wait.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::types::OrderDocument;
use crate::error::{ApiError, ApiResult};
use crate::store::watch::Waiter;

/// The longest wait a client may ask for.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// `Retry-After` on an order that can still change (and on every `202` with an order's URL).
pub const POLL_AFTER_SECS: u32 = 1;

/// The wait a request asks for: `Prefer: wait=N` (RFC 7240), at most [`MAX_WAIT`]; none, an
/// unreadable one or `0` means none (a preference the server cannot read is ignored).
pub fn asked_wait(headers: &HeaderMap) -> Option<Duration> {
    let secs = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|pref| {
            let pref = pref.split(';').next()?.trim();
            let (name, value) = pref.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("wait")
                .then(|| value.trim().trim_matches('"').parse::<u64>().ok())?
        })?;
    (secs > 0).then(|| Duration::from_secs(secs).min(MAX_WAIT))
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak tags compare by their opaque part.
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// An order document as the API sends it: its bytes and its `ETag`.
pub struct Rendered {
    body: Vec<u8>,
    etag: String,
    can_change: bool,
}

impl Rendered {
    pub fn new(document: &OrderDocument, can_change: bool) -> ApiResult<Self> {
        let body = serde_json::to_vec(document)
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("order document")))?;
        let digest = Sha256::digest(&body);
        let etag = format!(
            "\"{}\"",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Ok(Self {
            body,
            etag,
            can_change,
        })
    }

    pub fn can_change(&self) -> bool {
        self.can_change
    }

    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// Whether the client's copy (`If-None-Match`) is this one.
    pub fn is_known(&self, headers: &HeaderMap) -> bool {
        matches(headers, &self.etag)
    }

    fn headers(&self, response: &mut Response) {
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::try_from(self.etag.as_str()) {
            h.insert(header::ETAG, v);
        }
        if self.can_change {
            h.insert(header::RETRY_AFTER, HeaderValue::from(POLL_AFTER_SECS));
        }
    }

    /// `200` with the document, or `304` if the client has it.
    pub fn respond(self, headers: &HeaderMap) -> Response {
        let mut response = if self.is_known(headers) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut r = Response::new(Body::from(self.body.clone()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        };
        self.headers(&mut response);
        response
    }
}

/// Waits for the next change of the waiter's order until `deadline`; `false` when the
/// deadline came first.
pub async fn next_change(waiter: &mut Waiter, deadline: tokio::time::Instant) -> bool {
    tokio::select! {
        () = waiter.changed() => true,
        () = tokio::time::sleep_until(deadline) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn prefer_wait_is_read_and_capped() {
        assert_eq!(
            asked_wait(&with("prefer", "wait=5")),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            asked_wait(&with("prefer", "respond-async, Wait = 10")),
            Some(Duration::from_secs(10))
        );
        assert_eq!(asked_wait(&with("prefer", "wait=3600")), Some(MAX_WAIT));
        for ignored in ["wait=0", "wait=-1", "wait=soon", "return=minimal", "wait"] {
            assert_eq!(asked_wait(&with("prefer", ignored)), None, "{ignored}");
        }
        assert_eq!(asked_wait(&HeaderMap::new()), None);
    }

    #[test]
    fn if_none_match_compares_tags() {
        let tag = "\"abc\"";
        assert!(matches(&with("if-none-match", "\"abc\""), tag));
        assert!(matches(&with("if-none-match", "\"x\", W/\"abc\""), tag));
        assert!(matches(&with("if-none-match", "*"), tag));
        assert!(!matches(&with("if-none-match", "\"abd\""), tag));
        assert!(!matches(&HeaderMap::new(), tag));
    }
}
