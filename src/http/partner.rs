//! `/partnerAccounts/{partnerAccount}/…` (docs §6): every `/accounts/{account}/…` route again,
//! for the account whose `partner_account_id` attribute is `{partnerAccount}` in the caller's
//! franchise. The request is answered by the same handlers, exactly as under `/accounts` (the
//! same bodies and links): the account is looked up, the path rewritten, and the request
//! passed to a router of the account routes.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any};
use tower::ServiceExt;

use super::AppState;
use super::extract::Authenticated;
use crate::error::ApiError;

/// The prefix of the account routes.
pub const ACCOUNT_PREFIX: &str = "/accounts/{account}";
/// The prefix of their mirror.
pub const PARTNER_PREFIX: &str = "/partnerAccounts/{partnerAccount}";

/// The mirror path of an account route, if it is one.
pub fn mirrored(path: &str) -> Option<String> {
    path.strip_prefix(ACCOUNT_PREFIX)
        .map(|rest| format!("{PARTNER_PREFIX}{rest}"))
}

/// A partner id: 1 to 64 characters a URL path carries as they are (letters, digits, `.`,
/// `_`, `~`, `-`).
pub fn valid_partner_id(raw: &str) -> bool {
    (1..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b))
}

/// The method router of every mirror path: `accounts` is the router of the account routes.
pub fn forwarder(accounts: Router) -> MethodRouter<Arc<AppState>> {
    any(
        move |axum::extract::State(state): axum::extract::State<Arc<AppState>>,
              request: Request| {
            let accounts = accounts.clone();
            async move {
                match forward(&state, accounts, request).await {
                    Ok(response) => response,
                    Err(e) => e.into_response(),
                }
            }
        },
    )
}

async fn forward(
    state: &AppState,
    accounts: Router,
    request: Request,
) -> Result<Response, ApiError> {
    let caller = match request.extensions().get::<Authenticated>() {
        Some(Authenticated(caller)) => *caller,
        None => state.auth.require(request.headers()).await?,
    };
    let path = request.uri().path();
    let rest = path
        .strip_prefix("/partnerAccounts/")
        .ok_or(ApiError::NotFound)?;
    let (partner_id, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if !valid_partner_id(partner_id) {
        return Err(ApiError::NotFound);
    }
    let number = state
        .store
        .account_by_partner_id(caller.franchise_id, partner_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut target = format!("/accounts/{number}");
    if !tail.is_empty() || path.ends_with('/') {
        target.push('/');
        target.push_str(tail);
    }
    if let Some(query) = request.uri().query() {
        target.push('?');
        target.push_str(query);
    }
    // A fresh request: the outer route's path parameters must not reach the inner one.
    let (parts, body) = request.into_parts();
    let mut inner = Request::new(body);
    *inner.method_mut() = parts.method;
    *inner.version_mut() = parts.version;
    *inner.headers_mut() = parts.headers;
    *inner.uri_mut() = target
        .parse::<Uri>()
        .map_err(|e| ApiError::Internal(e.into()))?;
    inner.extensions_mut().insert(Authenticated(caller));
    match accounts.oneshot(inner).await {
        Ok(response) => Ok(response),
        Err(never) => match never {},
    }
}
