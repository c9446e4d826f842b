//! `GET /accounts` and `GET /accounts/{acct}`: the accounts the caller may see, in the docs'
//! shapes. Only links to resources this server has are given ("conditional hypermedia").

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::State;
use super::access;
use super::extract::{base_url, json_body};
use super::list::{ListRequest, ListSpec};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::provision::DriverKind;
use crate::store::{
    AccountListQuery, AccountRecord, AccountStatus, AccountStatusChange, AccountStatusOutcome,
    OrderScope, Role,
};

pub const ACCOUNT_STATUSES: &[&str] = AccountStatus::NAMES;

const SPEC: ListSpec = ListSpec {
    sort_fields: &[],
    filter_fields: &[("status", ACCOUNT_STATUSES)],
};

fn created_date(ms: i64) -> String {
    super::orders::timestamp(ms)
        .get(..10)
        .unwrap_or("")
        .to_owned()
}

fn scope(caller: &Caller) -> ApiResult<OrderScope> {
    match caller.role {
        Role::Agent => Ok(OrderScope::Franchise(caller.franchise_id)),
        Role::AccountUser { account_id } => Ok(OrderScope::Account(account_id)),
        Role::MailboxAdmin { .. } | Role::MailboxUser { .. } => Err(access::forbidden("Account")),
    }
}

pub async fn list(
    state: State,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    let mut request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let mut accounts = AccountListQuery {
        scope: scope(&caller)?,
        statuses: request
            .query
            .filters
            .iter()
            .find(|(field, _)| field == "status")
            .map(|(_, f)| {
                f.matching(ACCOUNT_STATUSES)
                    .into_iter()
                    .filter_map(AccountStatus::parse)
                    .collect()
            }),
        page: request.query.page,
    };
    let base = base_url(&state, &headers);
    let url = format!("{base}/accounts");
    let total = state.store.count_accounts(&accounts).await?;
    if let Err(location) = request.plan(total, &url) {
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
    }
    accounts.page = request.query.page;
    let items = if total == 0 {
        Vec::new()
    } else {
        state.store.list_accounts(&accounts).await?
    };
    let list: Vec<Value> = items
        .iter()
        .map(|a| {
            json!({
                "accountNumber": a.number,
                "status": a.status,
                "createdDate": created_date(a.created_ms),
                "currency": a.currency,
                "links": [{"href": format!("{url}/{}/", a.number), "rel": "self"}],
            })
        })
        .collect();
    Ok(axum::Json(json!({"list": list, "links": request.links(total, &url)})).into_response())
}

pub async fn read(
    state: State,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    scope(&caller)?;
    let a: AccountRecord = access::account(&state, &caller, &number).await?;
    // Closed and suspended accounts are hidden from their own users (docs §6.2).
    if caller.role != Role::Agent
        && !matches!(a.status, AccountStatus::Open | AccountStatus::Pending)
    {
        return Err(ApiError::Forbidden(format!("Account is {}", a.status)));
    }
    let own = format!("{}/accounts/{}", base_url(&state, &headers), a.number);
    let related = |path: &str| json!([{"href": format!("{own}/{path}"), "rel": "related"}]);
    Ok(axum::Json(json!({
        "accountNumber": a.number,
        "createdDate": created_date(a.created_ms),
        "currency": a.currency,
        "status": a.status,
        "exchange": related("exchange"),
        "charges": related("charges"),
        "links": [{"href": format!("{own}/"), "rel": "self"}],
    }))
    .into_response())
}

/// `PUT /accounts/{acct}` `{"status": "open|suspended|closed"}`: agents only ("elevated
/// permissions"). The account's mailboxes follow in the same transaction, and so does the mail
/// directory: a suspended account's mailboxes stop logging in and receiving mail at once.
pub async fn update(
    state: State,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    scope(&caller)?;
    let account = access::account(&state, &caller, &number).await?;
    if caller.role != Role::Agent {
        return Err(access::forbidden("Account status"));
    }
    let body = json_body(&headers, &body)?;
    let status = match body.get("status") {
        None => return Err(ApiError::field("status", "is required")),
        Some(v) => v
            .as_str()
            .and_then(AccountStatus::parse)
            // The statuses a request may set are those an open account may move to.
            .filter(|s| AccountStatus::Open.can_move_to(*s))
            .ok_or_else(|| ApiError::field("status", "must be one of open, suspended, closed"))?,
    };
    if !account.status.can_move_to(status) {
        return Err(ApiError::conflict(format!(
            "The account is {}; its status cannot be set now",
            account.status
        )));
    }
    // Mailboxes on the http agent hear of it through a step each.
    let agent_exchanges: Vec<i64> = state
        .store
        .exchanges_of(account.id)
        .await?
        .into_iter()
        .filter(|e| state.drivers.driver_for(&e.franchise_name, &e.plan) == DriverKind::Http)
        .map(|e| e.id)
        .collect();
    let change = AccountStatusChange {
        account_id: account.id,
        status,
        agent_exchanges: &agent_exchanges,
        now_ms: crate::now_ms(),
    };
    match state.store.set_account_status(&change).await? {
        AccountStatusOutcome::Changed => {}
        AccountStatusOutcome::Busy => {
            return Err(ApiError::conflict(
                "The account has mailbox orders open or in progress; retry when they have finished",
            ));
        }
    }
    state.auth.forget_all();
    if !agent_exchanges.is_empty() {
        state.wake.notify_waiters();
    }
    tracing::info!(
        account = account.number,
        from = account.status.as_str(),
        to = status.as_str(),
        "account status changed"
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}
