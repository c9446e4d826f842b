//! `Idempotency-Key` on every `POST`, `PUT` and `DELETE`: the first response to a key is kept
//! for 24 hours, scoped to the caller (its login, or its `OwnerId` cookie without one), and a
//! retry with the same key, method, path and body gets it again, byte for byte, without the
//! work being done twice. The same key with another request is `422`; a retry while the first
//! still runs is `409` + `Retry-After`. The store decides, so instances on one database agree.
//!
//! Nothing a reader of the database could use is kept: the row's id is a hash of scope and
//! key, the request is kept as an HMAC under the key, and the response is sealed
//! (XChaCha20-Poly1305) under a key derived from the idempotency key, which is not stored. So
//! the `OwnerId` cookie of a kept `Set-Cookie` stays as secret as the order table keeps it.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::extract::{Authenticated, OwnerCookie, owner_cookie};
use super::{AppState, State};
use crate::auth::Caller;
use crate::domain::Role;
use crate::error::ApiError;
use crate::store::{ClaimTimes, IdempotencyClaim};

pub const HEADER: &str = "idempotency-key";
/// Marks a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long a key's first response is kept.
pub const KEPT_FOR: Duration = Duration::from_secs(24 * 3600);
/// Longest key accepted (as Stripe's).
const MAX_KEY_LEN: usize = 255;
/// Largest body read here (the router's own limit for JSON bodies).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// Largest response kept; a bigger one is answered but not kept.
const MAX_KEPT: usize = 256 * 1024;
/// Headers not worth keeping: hyper writes them for each response.
const NOT_KEPT: [HeaderName; 3] = [header::CONTENT_LENGTH, header::DATE, header::CONNECTION];

/// A key as sent: 1 to 255 visible ASCII characters.
fn parse_key(value: &HeaderValue) -> Result<&str, ApiError> {
    let bad = || ApiError::bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters");
    let key = value.to_str().map_err(|_| bad())?;
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(key)
}

/// Whose key it is: the login (an API user or a mailbox) and the `OwnerId` cookie it sends
/// (one login may serve many shoppers, each with a cookie of their own: a shopper's retry must
/// not get another's cookie), else the cookie alone.
fn scope(caller: Option<&Caller>, cookie: OwnerCookie) -> Option<String> {
    let owner = match cookie {
        OwnerCookie::Valid(owner) => Some(owner.stored_key()),
        OwnerCookie::Absent | OwnerCookie::Invalid => None,
    };
    let login = caller.map(|c| match c.role {
        Role::Agent | Role::AccountUser { .. } => format!("user:{}", c.user_id),
        Role::MailboxAdmin { .. } | Role::MailboxUser { .. } => format!("mailbox:{}", c.user_id),
    });
    match (login, owner) {
        (Some(login), Some(owner)) => Some(format!("{login}|owner:{owner}")),
        (Some(login), None) => Some(login),
        (None, Some(owner)) => Some(format!("owner:{owner}")),
        (None, None) => None,
    }
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("any key length works");
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is derived from one key in one scope: the row's id, the request's hash, the sealing key.
struct Keyed {
    id: String,
    secret: [u8; 32],
}

impl Keyed {
    /// `server` is a secret of the server's (derived from `--webhook-key`): with it, a reader
    /// of the database cannot try guessed keys against the rows.
    fn new(server: &[u8; 32], scope: &str, key: &str) -> Self {
        let parts = [scope.as_bytes(), key.as_bytes()];
        Self {
            id: hex(&mac(
                server,
                &[b"mailorder idempotency id v1", parts[0], parts[1]],
            )),
            secret: mac(server, &[b"mailorder idempotency v1", parts[0], parts[1]]),
        }
    }

    fn request_hash(&self, method: &Method, target: &str, body: &[u8]) -> String {
        hex(&mac(
            &self.secret,
            &[
                b"request",
                method.as_str().as_bytes(),
                target.as_bytes(),
                body,
            ],
        ))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&mac(&self.secret, &[b"seal"]).into())
    }

    fn seal(&self, kept: &Kept) -> anyhow::Result<String> {
        let plain = serde_json::to_vec(kept)?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher()
            .encrypt(&nonce, plain.as_slice())
            .map_err(|_| anyhow::anyhow!("cannot seal a response"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(B64.encode(out))
    }

    fn open(&self, stored: &str) -> anyhow::Result<Kept> {
        let raw = B64.decode(stored)?;
        anyhow::ensure!(raw.len() > 24, "a kept response too short");
        let (nonce, sealed) = raw.split_at(24);
        let plain = self
            .cipher()
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| anyhow::anyhow!("a kept response does not open"))?;
        Ok(serde_json::from_slice(&plain)?)
    }
}

/// A kept response: status, headers (base64 values), body (base64).
#[derive(Serialize, Deserialize)]
struct Kept {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Kept {
    fn of(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        Self {
            status: status.as_u16(),
            headers: headers
                .iter()
                .filter(|(name, _)| !NOT_KEPT.contains(name))
                .map(|(name, value)| (name.as_str().to_owned(), B64.encode(value.as_bytes())))
                .collect(),
            body: B64.encode(body),
        }
    }

    fn into_response(self) -> anyhow::Result<Response> {
        let mut response = Response::new(Body::from(B64.decode(&self.body)?));
        *response.status_mut() = StatusCode::from_u16(self.status)?;
        for (name, value) in self.headers {
            response.headers_mut().append(
                HeaderName::try_from(name)?,
                HeaderValue::from_bytes(&B64.decode(value)?)?,
            );
        }
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
        Ok(response)
    }
}

/// Whether a response is kept for retries: not if the work was not done or may go otherwise
/// on a retry (`401`, `408`, `429`, every `5xx`).
fn worth_keeping(status: StatusCode) -> bool {
    !(status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
        ))
}

/// Whether the route the request matched serves its method (as the document says; the
/// document holds every route, a test checks).
fn documented(request: &Request, method: &Method) -> bool {
    let Some(path) = request.extensions().get::<axum::extract::MatchedPath>() else {
        return false;
    };
    let template = path.as_str();
    let template = template.strip_suffix('/').unwrap_or(template);
    let template = template.replace("emailaliases", "emailAliases");
    let method = method.as_str().to_ascii_lowercase();
    super::openapi::document()["paths"]
        .get(&template)
        .and_then(|item| item.get(&method))
        .is_some()
}

/// The layer.
pub async fn layer(state: State, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if !matches!(method, Method::POST | Method::PUT | Method::DELETE) {
        return next.run(request).await;
    }
    let Some(value) = request.headers().get(HEADER).cloned() else {
        return next.run(request).await;
    };
    // A method the route does not serve (`405`) is no work to keep.
    if !documented(&request, &method) {
        return next.run(request).await;
    }
    match keyed(state, request, next, &method, &value).await {
        Ok(response) | Err(response) => response,
    }
}

async fn keyed(
    state: State,
    request: Request,
    next: Next,
    method: &Method,
    value: &HeaderValue,
) -> Result<Response, Response> {
    let key = parse_key(value).map_err(IntoResponse::into_response)?;
    // The scope needs the caller: wrong credentials are answered here (once; the handler
    // would say the same), right ones travel on to the handler.
    let caller = state
        .auth
        .authenticate(request.headers())
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(scope) = scope(caller.as_ref(), owner_cookie(request.headers())) else {
        // Nobody to keep it for: the route answers as it does for strangers.
        return Ok(next.run(request).await);
    };
    let keyed = Keyed::new(&state.deliverer.key().derive(b"idempotency"), &scope, key);
    let (mut parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::PayloadTooLarge.into_response())?;
    let target = parts.uri.path_and_query().map_or("", |pq| pq.as_str());
    let request_hash = keyed.request_hash(method, target, &body);
    let now_ms = crate::now_ms();
    let lease = state.guard.deadline() + Duration::from_secs(5);
    let times = ClaimTimes {
        now_ms,
        lease_until: now_ms + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2),
        expires_at: now_ms + i64::try_from(KEPT_FOR.as_millis()).unwrap_or(0),
    };
    let claim = state
        .store
        .claim_idempotency(&keyed.id, &request_hash, times)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    match claim {
        IdempotencyClaim::Fresh => {}
        IdempotencyClaim::Running => return Err(ApiError::KeyInUse.into_response()),
        IdempotencyClaim::Mismatch => return Err(ApiError::KeyReused.into_response()),
        IdempotencyClaim::Done(sealed) => {
            state.metrics.idempotent_replays.inc();
            return keyed
                .open(&sealed)
                .and_then(Kept::into_response)
                .map_err(|e| ApiError::Internal(e.context("cannot replay")).into_response());
        }
    }
    if let Some(caller) = caller {
        parts.extensions.insert(Authenticated(caller));
    }
    // The work and the keeping of its answer run to their end even if the client goes away or
    // the deadline passes: a retry must find the answer, not run the work again.
    let request = Request::from_parts(parts, Body::from(body));
    let work = async move {
        let response = next.run(request).await;
        keep(&state, &keyed, response).await
    };
    tokio::spawn(with_request_locals(work)).await.map_err(|e| {
        ApiError::Internal(anyhow::Error::new(e).context("a keyed request's task failed"))
            .into_response()
    })
}

/// `work` with the request's task-locals (its id, client address, audit scope), for a task of
/// its own.
fn with_request_locals<F>(work: F) -> impl std::future::Future<Output = F::Output> + Send + 'static
where
    F: std::future::Future + Send + 'static,
    F::Output: Send,
{
    let id = crate::error::REQUEST_ID.try_with(Clone::clone).ok();
    let client = crate::auth::CLIENT_ADDR.try_with(|a| *a).ok();
    let audit = crate::audit::SCOPE.try_with(std::sync::Arc::clone).ok();
    async move {
        let work = async move {
            match audit {
                Some(scope) => crate::audit::SCOPE.scope(scope, work).await,
                None => work.await,
            }
        };
        let work = async move {
            match client {
                Some(addr) => crate::auth::CLIENT_ADDR.scope(addr, work).await,
                None => work.await,
            }
        };
        match id {
            Some(id) => crate::error::REQUEST_ID.scope(id, work).await,
            None => work.await,
        }
    }
}

/// Keeps the response under the claimed key (or frees the key if it is not worth keeping)
/// and answers it.
async fn keep(state: &AppState, keyed: &Keyed, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            release(state, keyed).await;
            return ApiError::Internal(anyhow::Error::new(e).context("cannot read a response"))
                .into_response();
        }
    };
    let stored = if worth_keeping(parts.status) && bytes.len() <= MAX_KEPT {
        let kept = Kept::of(parts.status, &parts.headers, &bytes);
        match keyed.seal(&kept) {
            Ok(sealed) => state
                .store
                .finish_idempotency(&keyed.id, &sealed)
                .await
                .err(),
            Err(e) => {
                tracing::error!(error = %e, "cannot seal a response");
                release(state, keyed).await;
                None
            }
        }
    } else {
        release(state, keyed).await;
        None
    };
    if let Some(e) = stored {
        // The work is done and answered; a retry within the lease gets `409`, then runs again.
        tracing::error!(error = %e, "cannot keep a response for its idempotency key");
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn release(state: &AppState, keyed: &Keyed) {
    if let Err(e) = state.store.release_idempotency(&keyed.id).await {
        tracing::warn!(error = %e, "cannot free an idempotency key; it frees itself when its lease ends");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        for good in [
            "a",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            &"k".repeat(255),
        ] {
            assert!(
                parse_key(&HeaderValue::from_str(good).unwrap()).is_ok(),
                "{good}"
            );
        }
        for bad in ["", "a b", &"k".repeat(256)] {
            assert!(
                parse_key(&HeaderValue::from_str(bad).unwrap()).is_err(),
                "{bad:?}"
            );
        }
        assert!(parse_key(&HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap()).is_err());
    }

    #[test]
    fn sealed_responses_open_only_under_their_key_and_scope() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::LOCATION,
            HeaderValue::from_static("http://x/orders/1/"),
        );
        headers.insert(
            header::SET_COOKIE,
            HeaderValue::from_static("OwnerId=abc; Path=/"),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("2"));
        let kept = Kept::of(StatusCode::ACCEPTED, &headers, b"{}");
        let a = Keyed::new(&[7; 32], "user:1", "key-1");
        let sealed = a.seal(&kept).unwrap();
        assert!(!sealed.contains("OwnerId"), "sealed, not encoded");
        let replay = a.open(&sealed).unwrap().into_response().unwrap();
        assert_eq!(replay.status(), StatusCode::ACCEPTED);
        assert_eq!(replay.headers()[header::SET_COOKIE], "OwnerId=abc; Path=/");
        assert!(replay.headers().get(header::CONTENT_LENGTH).is_none());
        assert_eq!(replay.headers()[REPLAYED], "true");
        assert!(
            Keyed::new(&[7; 32], "user:2", "key-1")
                .open(&sealed)
                .is_err()
        );
        assert!(
            Keyed::new(&[8; 32], "user:1", "key-1")
                .open(&sealed)
                .is_err(),
            "another server key"
        );
        assert!(
            Keyed::new(&[7; 32], "user:1", "key-2")
                .open(&sealed)
                .is_err()
        );
        assert_ne!(a.id, Keyed::new(&[7; 32], "user:2", "key-1").id);
    }

    #[test]
    fn request_hash_covers_method_target_and_body() {
        let k = Keyed::new(&[7; 32], "user:1", "k");
        let h = k.request_hash(&Method::POST, "/a", b"{}");
        assert_eq!(h, k.request_hash(&Method::POST, "/a", b"{}"));
        assert_ne!(h, k.request_hash(&Method::PUT, "/a", b"{}"));
        assert_ne!(h, k.request_hash(&Method::POST, "/b", b"{}"));
        assert_ne!(h, k.request_hash(&Method::POST, "/a", b"{ }"));
        // Parts are length-prefixed: moving bytes between them changes the hash.
        assert_ne!(
            k.request_hash(&Method::POST, "/ab", b"c"),
            k.request_hash(&Method::POST, "/a", b"bc")
        );
    }
}
