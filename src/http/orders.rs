//! `/orders/{id}` and its shorthand `/order` (the caller's open order, by `OwnerId` cookie):
//! read and cancel. Readable with the order's `OwnerId` cookie or with the credentials of a user
//! who can see the order's account.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::State;
use super::extract::{OwnerCookie, base_url, owner_cookie};
use crate::auth::Caller;
use crate::domain::OrderId;
use crate::error::{ApiError, ApiResult};
use crate::store::{CancelOutcome, OrderLine, OrderRecord, OrderStatus, Role};

pub const PERMISSION: &str = "Unauthorized: Order failed permission check";

/// Which order a request names: an explicit id, or `/order` (the cookie's open order).
#[derive(Debug, Clone)]
pub enum Target {
    Id(String),
    Current,
}

/// Loads the order if the request may see it. Without any credential: `401`. Unknown order:
/// `404`. A matching cookie suffices; otherwise the credentials decide: another franchise's
/// order does not exist for them (`404`), an account they cannot manage is `403` (`denied`).
/// Returns the order with its lines (one query for an explicit id).
pub async fn authorized(
    state: &super::AppState,
    headers: &HeaderMap,
    target: &Target,
    denied: &'static str,
) -> ApiResult<(OrderRecord, Vec<OrderLine>)> {
    let cookie = owner_cookie(headers);
    let id = match target {
        Target::Id(id) => id,
        // `/order` is whatever open order the cookie owns; nothing else can name it.
        Target::Current => {
            let OwnerCookie::Valid(owner) = cookie else {
                return Err(ApiError::NotFound);
            };
            return state
                .store
                .open_order_of(&owner.to_string())
                .await?
                .ok_or(ApiError::NotFound);
        }
    };
    let caller = state.auth.authenticate(headers).await?;
    if caller.is_none() && cookie == OwnerCookie::Absent {
        return Err(ApiError::Unauthorized("Authentication required"));
    }
    let (order, lines) = match OrderId::parse(id) {
        Some(id) => state.store.order_with_lines(id.as_str()).await?,
        None => None,
    }
    .ok_or(ApiError::NotFound)?;
    if let OwnerCookie::Valid(owner) = cookie
        && owner.to_string() == order.owner_id
    {
        return Ok((order, lines));
    }
    match caller {
        None => Err(ApiError::Unauthorized(PERMISSION)),
        Some(c) if c.franchise_id != order.franchise_id => Err(ApiError::NotFound),
        Some(c) if c.role.can_manage_account(order.account_id) => Ok((order, lines)),
        // A domain's admin mailbox has the orders that touch only its domain.
        Some(Caller {
            role: Role::MailboxAdmin { exchange_id },
            ..
        }) if lines.iter().all(|l| l.exchange_id == exchange_id) => Ok((order, lines)),
        Some(_) => Err(ApiError::Forbidden(denied.into())),
    }
}

/// A time as the API shows it: RFC 3339 in UTC, to the second.
pub fn timestamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `GET /orders/{id}`: the docs' `{"order": {"Status", "Account"}, "links": [self]}`, plus
/// `Errors` (failed orders), `Items` (one per line), `Created` and `Updated`.
pub async fn read(state: State, Path(id): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    read_order(state, headers, Target::Id(id)).await
}

/// `GET /order`: the same, for the cookie's open order, with an `alternate` link to it.
pub async fn read_current(state: State, headers: HeaderMap) -> ApiResult<Response> {
    read_order(state, headers, Target::Current).await
}

async fn read_order(state: State, headers: HeaderMap, target: Target) -> ApiResult<Response> {
    let (order, lines) = authorized(&state, &headers, &target, PERMISSION).await?;
    let base = base_url(&state, &headers);
    let items: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({
                "Type": l.kind.as_str(),
                "Mailbox": format!("{}@{}", l.username, l.domain),
                "Plan": l.plan,
                "Status": l.status,
                "Error": l.error,
            })
        })
        .collect();
    let explicit = format!("{base}/orders/{}/", order.id);
    let mut links = vec![json!({"href": explicit, "rel": "self"})];
    if let Target::Current = target {
        links = vec![
            json!({"href": format!("{base}/order/"), "rel": "self"}),
            json!({"href": explicit, "rel": "alternate"}),
        ];
    }
    let mut body = json!({
        "order": {
            "Status": order.status.as_str(),
            "Account": format!("{base}/accounts/{}", order.account_number),
        },
        "links": links,
    });
    let fields = &mut body["order"];
    if order.status == OrderStatus::Failed {
        fields["Errors"] = json!(order.errors);
    }
    fields["Items"] = json!(items);
    fields["Created"] = json!(timestamp(order.created_ms));
    fields["Updated"] = json!(timestamp(order.updated_ms));
    Ok(axum::Json(body).into_response())
}

/// `DELETE /orders/{id}`: cancels an open order and releases its names (`204`). A submitted
/// order cannot be cancelled (`405`); a cancelled one is gone (`404`).
pub async fn cancel(
    state: State,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    cancel_order(state, headers, Target::Id(id)).await
}

/// `DELETE /order`.
pub async fn cancel_current(state: State, headers: HeaderMap) -> ApiResult<Response> {
    cancel_order(state, headers, Target::Current).await
}

async fn cancel_order(state: State, headers: HeaderMap, target: Target) -> ApiResult<Response> {
    let (order, _) = authorized(&state, &headers, &target, PERMISSION).await?;
    match state
        .store
        .cancel_order(order.id.as_str(), crate::now_ms())
        .await?
    {
        CancelOutcome::Cancelled => {
            tracing::info!(order.id = %order.id, "order cancelled");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        CancelOutcome::NotFound | CancelOutcome::NotOpen(OrderStatus::Cancelled) => {
            Err(ApiError::NotFound)
        }
        CancelOutcome::NotOpen(_) => Err(ApiError::MethodNotAllowed),
    }
}
