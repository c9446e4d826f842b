//! `GET /orders`: the orders of the accounts the caller may see, newest first, with Hostway's
//! list conventions (`page`/`pageSize`, `filterStatus`, `sortField=created&sortOrder=asc`).

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::State;
use super::extract::base_url;
use super::list::{ListRequest, ListSpec};
use super::orders::{PERMISSION, timestamp};
use crate::error::{ApiError, ApiResult};
use crate::store::{OrderListQuery, OrderScope, OrderStatus, Role, TextFilter};

pub const ORDER_STATUSES: &[&str] = OrderStatus::NAMES;

const SPEC: ListSpec = ListSpec {
    sort_fields: &["created"],
    filter_fields: &[("status", ORDER_STATUSES)],
};

/// The order statuses a `filterStatus` value matches (matched here, so both back ends agree).
fn matching_statuses(filter: &TextFilter) -> Vec<OrderStatus> {
    filter
        .matching(ORDER_STATUSES)
        .into_iter()
        .filter_map(OrderStatus::parse)
        .collect()
}

pub async fn list(
    state: State,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    let scope = match caller.role {
        Role::Agent => OrderScope::Franchise(caller.franchise_id),
        Role::AccountUser { account_id } => OrderScope::Account(account_id),
        // Mailbox logins read the orders of their domain one by one, not as a list.
        Role::MailboxAdmin { .. } | Role::MailboxUser { .. } => {
            return Err(ApiError::Forbidden(PERMISSION.into()));
        }
    };
    let mut request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let mut orders = OrderListQuery {
        scope,
        statuses: request
            .query
            .filters
            .iter()
            .find(|(field, _)| field == "status")
            .map(|(_, f)| matching_statuses(f)),
        newest_first: !request.sort_given() || request.query.sort_desc,
        page: request.query.page,
    };
    let base = base_url(&state, &headers);
    let url = format!("{base}/orders");
    let total = state.store.count_orders(&orders).await?;
    if let Err(location) = request.plan(total, &url) {
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
    }
    orders.page = request.query.page;
    let items = if total == 0 {
        Vec::new()
    } else {
        state.store.list_orders(&orders).await?
    };
    let list: Vec<Value> = items
        .iter()
        .map(|o| {
            json!({
                "orderId": o.id.as_str(),
                "Status": o.status,
                "Account": format!("{base}/accounts/{}", o.account_number),
                "Created": timestamp(o.created_ms),
                "Updated": timestamp(o.updated_ms),
                "details": format!("{base}/orders/{}", o.id),
            })
        })
        .collect();
    Ok(axum::Json(json!({"list": list, "links": request.links(total, &url)})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filters_match_like_the_api_says() {
        let names = |raw: &str| -> Vec<&str> {
            matching_statuses(&TextFilter::parse(raw))
                .iter()
                .map(|s| s.as_str())
                .collect()
        };
        assert_eq!(names("new"), ["new"]);
        assert_eq!(names("p*"), ["Processing"]);
        assert_eq!(names("*ed"), ["Completed", "Failed", "Cancelled"]);
        assert_eq!(
            names("*e*"),
            ["new", "Processing", "Completed", "Failed", "Cancelled"]
        );
        assert_eq!(names("c*d"), ["Completed", "Cancelled"]);
        assert!(names("x*").is_empty());
    }
}
