//! `/orders/{id}`: order status, readable with the order's `OwnerId` cookie or with the
//! credentials of a user who can see the order's account.

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::State;
use super::extract::{OwnerCookie, base_url, owner_cookie};
use crate::auth::Caller;
use crate::domain::OrderId;
use crate::error::{ApiError, ApiResult};
use crate::store::{OrderRecord, OrderStatus, Role};

const PERMISSION: &str = "Unauthorized: Order failed permission check";

/// Loads the order if the request may see it. Without any credential: `401`. Unknown order:
/// `404`. A matching cookie suffices; otherwise the credentials decide: another franchise's
/// order does not exist for them (`404`), an account they cannot manage is `403`.
async fn authorized_order(
    state: &super::AppState,
    headers: &HeaderMap,
    id: &str,
) -> ApiResult<OrderRecord> {
    let cookie = owner_cookie(headers);
    let caller = state.auth.authenticate(headers).await?;
    if caller.is_none() && cookie == OwnerCookie::Absent {
        return Err(ApiError::Unauthorized("Authentication required"));
    }
    let order = match OrderId::parse(id) {
        Some(id) => state.store.order(id.as_str()).await?,
        None => None,
    }
    .ok_or(ApiError::NotFound)?;
    if let OwnerCookie::Valid(owner) = cookie
        && owner.to_string() == order.owner_id
    {
        return Ok(order);
    }
    match caller {
        None => Err(ApiError::Unauthorized(PERMISSION)),
        Some(c) if c.franchise_id != order.franchise_id => Err(ApiError::NotFound),
        Some(c) if c.role.can_manage_account(order.account_id) => Ok(order),
        // A domain's admin mailbox sees the orders that touch its domain.
        Some(Caller {
            role: Role::MailboxAdmin { exchange_id },
            ..
        }) if state
            .store
            .order_exchange_ids(order.id.as_str())
            .await?
            .contains(&exchange_id) =>
        {
            Ok(order)
        }
        Some(_) => Err(ApiError::Forbidden(PERMISSION.into())),
    }
}

/// `GET /orders/{id}`: `{"order": {"Status", "Account"[, "Errors"]}, "links": [self]}`.
pub async fn read(state: State, Path(id): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    let order = authorized_order(&state, &headers, &id).await?;
    let base = base_url(&state, &headers);
    let mut body = json!({
        "order": {
            "Status": order.status.as_str(),
            "Account": format!("{base}/accounts/{}", order.account_number),
        },
        "links": [{"href": format!("{base}/orders/{}/", order.id), "rel": "self"}],
    });
    if order.status == OrderStatus::Failed {
        body["order"]["Errors"] = json!(order.errors);
    }
    Ok(axum::Json(body).into_response())
}
