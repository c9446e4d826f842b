//! `GET /orders`: the orders of the accounts the caller may see, newest first, with Hostway's
//! list conventions (`page`/`pageSize`, `filterStatus`, `sortField=created&sortOrder=asc`).

use axum::extract::RawQuery;
use axum::response::Response;

use super::State;
use super::extract::{Auth, Base};
use super::list::{ListRequest, ListSpec};
use super::orders::{PERMISSION, timestamp};
use super::types::OrderListItem;
use crate::error::{ApiError, ApiResult};
use crate::store::{OrderListQuery, OrderScope, OrderStatus, Role, TextFilter};

pub const ORDER_STATUSES: &[&str] = OrderStatus::NAMES;

pub(crate) const SPEC: ListSpec = ListSpec {
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
    Auth(caller): Auth,
    Base(base): Base,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let scope = match caller.role {
        Role::Agent => OrderScope::Franchise(caller.franchise_id),
        Role::AccountUser { account_id } => OrderScope::Account(account_id),
        // Mailbox logins read the orders of their domain one by one, not as a list.
        Role::MailboxAdmin { .. } | Role::MailboxUser { .. } => {
            return Err(ApiError::Forbidden(PERMISSION.into()));
        }
    };
    super::access::own_account_visible(&state, &caller).await?;
    let request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let mut orders = OrderListQuery {
        scope,
        statuses: request.filter("status").map(matching_statuses),
        newest_first: !request.sort_given() || request.query.sort_desc,
        page: request.query.page,
    };
    let url = format!("{base}/orders");
    let total = state.store.count_orders(&orders).await?;
    request
        .respond(total, &url, async |page| {
            orders.page = page;
            let items = state.store.list_orders(&orders).await?;
            Ok(items
                .into_iter()
                .map(|o| OrderListItem {
                    order_id: o.id.to_string(),
                    status: o.status,
                    account: format!("{base}/accounts/{}", o.account_number),
                    created: timestamp(o.created_ms),
                    updated: timestamp(o.updated_ms),
                    details: format!("{base}/orders/{}", o.id),
                })
                .collect())
        })
        .await
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
