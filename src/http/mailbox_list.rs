//! `GET` and `OPTIONS` on `…/exchange/{domain}/mailboxes`: the mailbox list with Hostway's
//! paging, sorting and filtering.

use axum::extract::{Path, RawQuery};

use axum::response::Response;

use super::State;
use super::access;
use super::extract::{Auth, Base};
use super::list::{ListRequest, ListSpec};
use super::types::MailboxListItem;
use crate::error::{ApiError, ApiResult, Details};
use crate::store::ListQuery;

pub const BILLING_STATUSES: &[&str] = crate::store::BillingStatus::NAMES;

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &["username"],
    filter_fields: &[("username", &[]), ("billingStatus", BILLING_STATUSES)],
};

pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let request = ListRequest::parse(query.as_deref(), &SPEC, &["includeAddOns"])?;
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
                details: Details::field("includeAddOns", "must be 0 or 1"),
            });
        }
    };
    let url = format!(
        "{base}/accounts/{}/exchange/{}/mailboxes",
        exchange.account_number, exchange.domain
    );
    let total = state
        .store
        .count_mailboxes(exchange.id, &request.query)
        .await?;
    request
        .respond(total, &url, async |page| {
            let query = ListQuery {
                page,
                ..request.query.clone()
            };
            let items = state
                .store
                .list_mailboxes(exchange.id, &query, total)
                .await?;
            Ok(items
                .into_iter()
                .map(|m| MailboxListItem {
                    details: format!("{url}/{}", m.username),
                    username: m.username,
                    billing_status: m.billing_status,
                    archiving: add_ons.then_some(u8::from(m.archiving)),
                    blackberry: add_ons.then_some(u8::from(m.blackberry)),
                })
                .collect())
        })
        .await
}

/// `OPTIONS`: what the list can be sorted and filtered by, in the docs' shape.
pub async fn options(
    state: State,
    Auth(caller): Auth,
    Path((account, domain)): Path<(String, String)>,
) -> ApiResult<Response> {
    access::exchange(&state, &caller, &account, &domain).await?;
    Ok(SPEC.answer_options())
}
