//! `GET` and `OPTIONS` on `…/exchange/{domain}/mailboxes`: the mailbox list with Hostway's
//! paging, sorting and filtering.

use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::State;
use super::access;
use super::extract::base_url;
use super::list::{ListRequest, ListSpec};
use crate::error::{ApiError, ApiResult};

pub const BILLING_STATUSES: &[&str] = crate::store::BillingStatus::NAMES;

const SPEC: ListSpec = ListSpec {
    sort_fields: &["username"],
    filter_fields: &[("username", &[]), ("billingStatus", BILLING_STATUSES)],
};

pub async fn list(
    state: State,
    Path((account, domain)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let mut request = ListRequest::parse(query.as_deref(), &SPEC, &["includeAddOns"])?;
    let add_ons = match request
        .extra
        .iter()
        .find(|(k, _)| k == "includeAddOns")
        .map(|(_, v)| v.as_str())
    {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => {
            return Err(ApiError::BadRequest {
                message: "Invalid list parameters".into(),
                details: json!({"includeAddOns": "must be 0 or 1"}),
            });
        }
    };
    let base = base_url(&state, &headers);
    let url = format!(
        "{base}/accounts/{}/exchange/{}/mailboxes",
        exchange.account_number, exchange.domain
    );
    let total = state
        .store
        .count_mailboxes(exchange.id, &request.query)
        .await?;
    if let Err(location) = request.plan(total, &url) {
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
    }
    let items = if total == 0 {
        Vec::new()
    } else {
        state
            .store
            .list_mailboxes(exchange.id, &request.query, total)
            .await?
    };
    let list: Vec<Value> = items
        .iter()
        .map(|m| {
            let mut item = json!({
                "username": m.username,
                "billingStatus": m.billing_status,
                "details": format!("{url}/{}", m.username),
            });
            if add_ons {
                item["archiving"] = json!(u8::from(m.archiving));
                item["blackberry"] = json!(u8::from(m.blackberry));
            }
            item
        })
        .collect();
    Ok(axum::Json(json!({"list": list, "links": request.links(total, &url)})).into_response())
}

/// `OPTIONS`: what the list can be sorted and filtered by, in the docs' shape.
pub async fn options(
    state: State,
    Path((account, domain)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    access::exchange(&state, &caller, &account, &domain).await?;
    let mut response = axum::Json(SPEC.options_body()).into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET,POST,OPTIONS"));
    Ok(response)
}
