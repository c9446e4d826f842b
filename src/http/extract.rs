//! What handlers take from a request: the caller ([`Auth`], [`MaybeAuth`]), the base of
//! absolute links ([`Base`]), a JSON body ([`JsonBody`]) and the `OwnerId` cookie
//! ([`OwnerCookie`]). Extractors reject with the Hostway error body.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;

use super::AppState;
use crate::auth::Caller;
use crate::domain::OwnerId;
use crate::error::{ApiError, ApiResult, Details};

/// The caller a layer before the handler has authenticated already (the idempotency layer
/// does, to scope a key): the extractors take it from the request instead of checking the
/// credentials a second time (a second rate token, a second cache lookup).
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub Caller);

/// The authenticated caller: `401` without credentials or with wrong ones.
pub struct Auth(pub Caller);

impl FromRequestParts<Arc<AppState>> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> ApiResult<Self> {
        if let Some(Authenticated(caller)) = parts.extensions.get() {
            return Ok(Auth(*caller));
        }
        state.auth.require(&parts.headers).await.map(Auth)
    }
}

/// The caller if credentials are sent (wrong ones are still `401`), else `None`.
pub struct MaybeAuth(pub Option<Caller>);

impl FromRequestParts<Arc<AppState>> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> ApiResult<Self> {
        if let Some(Authenticated(caller)) = parts.extensions.get() {
            return Ok(MaybeAuth(Some(*caller)));
        }
        state.auth.authenticate(&parts.headers).await.map(MaybeAuth)
    }
}

/// The base of absolute links (see [`base_url`]).
pub struct Base(pub String);

impl FromRequestParts<Arc<AppState>> for Base {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> ApiResult<Self> {
        base_url(state, &parts.headers).map(Base)
    }
}

/// A JSON request body ([`json_body`]) read into a request type, whose fields take any value
/// (`domain::Field`) so that every problem is reported by the parser that follows; only a body
/// that is not a JSON object is refused here.
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<Arc<AppState>> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &Arc<AppState>) -> ApiResult<Self> {
        let headers = request.headers().clone();
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest {
                        message: "Unreadable body".into(),
                        // The framework's own text stays out of the answer.
                        details: Details::none(),
                    }
                }
            })?;
        json_object(&headers, &bytes).map(JsonBody)
    }
}

/// A request body read into a request type: JSON ([`json_body`]) and an object.
pub fn json_object<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    bytes: &[u8],
) -> ApiResult<T> {
    let not_an_object = || ApiError::field("body", "must be a JSON object");
    let value = json_body(headers, bytes)?;
    if !value.is_object() {
        return Err(not_an_object());
    }
    serde_json::from_value(value).map_err(|_| not_an_object())
}

impl FromRequestParts<Arc<AppState>> for OwnerCookie {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<AppState>) -> ApiResult<Self> {
        Ok(owner_cookie(&parts.headers))
    }
}

/// The base of absolute links: `--public-url`, else `http://<Host>` as Hostway does, for a
/// `Host` the policy allows (`400` otherwise; no `Host` at all is `localhost`).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> ApiResult<String> {
    if let Some(url) = &state.public_url {
        return Ok(url.clone());
    }
    let host = match headers.get(header::HOST) {
        None => "localhost",
        Some(value) => value
            .to_str()
            .map_err(|_| ApiError::bad_request("Host not served here"))?,
    };
    Ok(format!("http://{}", state.hosts.check(host)?))
}

/// A JSON request body: `415` unless the `Content-Type` is JSON, `400` if it does not parse.
pub fn json_body(headers: &HeaderMap, body: &[u8]) -> ApiResult<Value> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_json = content_type.is_some_and(|ct| {
        let essence = ct.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/json")
    });
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    super::guard::check_json_depth(body)?;
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        message: "Malformed JSON".into(),
        details: Details::Text(e.to_string()),
    })
}

/// What the `Cookie` header says about `OwnerId`. Attributes the docs send along
/// (`; Path=/`) are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerCookie {
    Absent,
    Invalid,
    Valid(OwnerId),
}

pub fn owner_cookie(headers: &HeaderMap) -> OwnerCookie {
    let mut found = OwnerCookie::Absent;
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            if let Some((name, v)) = pair.trim().split_once('=')
                && name.trim() == "OwnerId"
            {
                found = OwnerId::parse(v.trim().trim_matches('"'))
                    .map_or(OwnerCookie::Invalid, OwnerCookie::Valid);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookie_with_stray_path_attribute() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("OwnerId=f9cafb10-2e85-4b1a-bd69-1b1a91437d50; Path=/"),
        );
        assert!(
            matches!(owner_cookie(&h), OwnerCookie::Valid(o) if o.to_string() == "f9cafb10-2e85-4b1a-bd69-1b1a91437d50")
        );
        h.insert(header::COOKIE, HeaderValue::from_static("a=b; OwnerId=zzz"));
        assert_eq!(owner_cookie(&h), OwnerCookie::Invalid);
        assert_eq!(owner_cookie(&HeaderMap::new()), OwnerCookie::Absent);
    }

    #[test]
    fn content_type_must_be_json() {
        let mut h = HeaderMap::new();
        assert!(matches!(
            json_body(&h, b"{}"),
            Err(ApiError::UnsupportedMediaType)
        ));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        assert!(json_body(&h, b"{}").is_ok());
        assert!(matches!(
            json_body(&h, b"{"),
            Err(ApiError::BadRequest { .. })
        ));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(matches!(
            json_body(&h, b"{}"),
            Err(ApiError::UnsupportedMediaType)
        ));
    }
}
