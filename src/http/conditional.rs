//! Conditional GET by date: `Last-Modified` on the way out, `If-Modified-Since` → `304`.

use std::time::{Duration, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

fn http_date(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    httpdate::fmt_http_date(t)
}

/// `304 Not Modified` (no body) if the client's copy, dated by `If-Modified-Since`, is at least
/// as new as `modified_ms` (HTTP dates have whole seconds). An unparsable date is ignored.
pub fn not_modified(headers: &HeaderMap, modified_ms: i64) -> Option<Response> {
    let since = headers.get(header::IF_MODIFIED_SINCE)?.to_str().ok()?;
    let since = httpdate::parse_http_date(since).ok()?;
    let since_s = since.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let modified_s = u64::try_from(modified_ms / 1000).unwrap_or(0);
    (modified_s <= since_s).then(|| {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        with_last_modified(&mut r, modified_ms);
        r
    })
}

pub fn with_last_modified(response: &mut Response, modified_ms: i64) {
    if let Ok(v) = HeaderValue::try_from(http_date(modified_ms)) {
        response.headers_mut().insert(header::LAST_MODIFIED, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_granularity() {
        let ms = 1_795_885_684_876;
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::try_from(http_date(ms)).unwrap(),
        );
        assert!(not_modified(&h, ms).is_some(), "same second");
        assert!(not_modified(&h, ms + 1000).is_none(), "a later second");
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("yesterday"),
        );
        assert!(not_modified(&h, ms).is_none());
    }
}
