//! `GET /accounts` and `GET /accounts/{acct}`: the accounts the caller may see, in the docs'
//! shapes. Only links to resources this server has are given ("conditional hypermedia").

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;

use super::State;
use super::access;
use super::extract::{Auth, Base, JsonBody};
use super::list::{ListRequest, ListSpec};
use super::types::{Account, AccountListItem, AccountStatusRequest, Link};
use crate::auth::Caller;
use crate::domain::Field;
use crate::error::{ApiError, ApiResult};
use crate::provision::DriverKind;
use crate::store::{
    AccountListQuery, AccountRecord, AccountStatus, AccountStatusChange, AccountStatusOutcome,
    DeleteOutcome, OrderScope, Role,
};

/// The statuses an account list shows (a draft, `new`, only its order shows).
pub const ACCOUNT_STATUSES: &[&str] = &["pending", "open", "suspended", "closed"];

pub(crate) const SPEC: ListSpec = ListSpec {
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
    Auth(caller): Auth,
    Base(base): Base,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let scope = scope(&caller)?;
    // An account user's own account, suspended or closed, is hidden here as everywhere.
    access::own_account_visible(&state, &caller).await?;
    let request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let mut accounts = AccountListQuery {
        scope,
        statuses: request.filter("status").map(|f| {
            f.matching(ACCOUNT_STATUSES)
                .into_iter()
                .filter_map(AccountStatus::parse)
                .collect()
        }),
        page: request.query.page,
    };
    let url = format!("{base}/accounts");
    let total = state.store.count_accounts(&accounts).await?;
    request
        .respond(total, &url, async |page| {
            accounts.page = page;
            let items = state.store.list_accounts(&accounts).await?;
            Ok(items
                .into_iter()
                .map(|a| AccountListItem {
                    links: Link::own(format!("{url}/{}/", a.number)),
                    created_date: created_date(a.created_ms),
                    account_number: a.number,
                    status: a.status,
                    currency: a.currency,
                })
                .collect())
        })
        .await
}

pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(number): Path<String>,
) -> ApiResult<Json<Account>> {
    scope(&caller)?;
    let a: AccountRecord = access::account(&state, &caller, &number).await?;
    Ok(Json(document(&base, a)))
}

/// An account's document.
pub(crate) fn document(base: &str, a: AccountRecord) -> Account {
    let own = format!("{base}/accounts/{}", a.number);
    Account {
        created_date: created_date(a.created_ms),
        currency: a.currency,
        status: a.status,
        exchange: Link::related(format!("{own}/exchange")),
        charges: Link::related(format!("{own}/charges")),
        contacts: Link::related(format!("{own}/contacts")),
        users: Link::related(format!("{own}/users")),
        payment_info: Link::related(format!("{own}/paymentInfo")),
        products: Link::related(format!("{own}/products")),
        attributes: Link::related(format!("{own}/attributes")),
        links: Link::own(format!("{own}/")),
        account_number: a.number,
    }
}

/// `PUT /accounts/{acct}` `{"status": "open|suspended|closed"}`: agents only ("elevated
/// permissions"). The account's mailboxes follow in the same transaction, and so does the mail
/// directory: a suspended account's mailboxes stop logging in and receiving mail at once.
pub async fn update(
    state: State,
    Auth(caller): Auth,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<AccountStatusRequest>,
) -> ApiResult<StatusCode> {
    scope(&caller)?;
    let account = access::account(&state, &caller, &number).await?;
    if caller.role != Role::Agent {
        return Err(access::forbidden("Account status"));
    }
    let status = match body.status {
        Field::Absent => return Err(ApiError::field("status", "is required")),
        field => Some(field)
            .and_then(|f| match f {
                Field::Given(s) => AccountStatus::parse(&s),
                _ => None,
            })
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
    super::credentials_changed(&state).await;
    if !agent_exchanges.is_empty() {
        state.wake.notify_waiters();
    }
    tracing::info!(
        account = account.number,
        from = account.status.as_str(),
        to = status.as_str(),
        "account status changed"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /accounts/{acct}` (agents): an order purges the account's mailboxes and lists (their
/// mail directory rows with them; the mailboxes stop logging in at once), then the account
/// (`purged`: found no more): its domains and logins are free for others. `202` with the
/// order's `Location` and cookie; an account without domains is purged at once (`204`); `409` while something of it is in an
/// order.
pub async fn delete(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(number): Path<String>,
) -> ApiResult<axum::response::Response> {
    scope(&caller)?;
    let account = access::account(&state, &caller, &number).await?;
    if caller.role != Role::Agent {
        return Err(access::forbidden("Account"));
    }
    let now = crate::now_ms();
    let order_id = crate::domain::OrderId::generate(now);
    let owner = crate::domain::OwnerId::generate();
    let outcome = state
        .store
        .delete_account(account.id, (&order_id, &owner), &account.number, now)
        .await?;
    super::credentials_changed(&state).await;
    match outcome {
        DeleteOutcome::Busy => Err(ApiError::conflict(
            "The account has orders open or in progress; retry when they have finished",
        )),
        DeleteOutcome::Closed => {
            tracing::info!(account = account.number, "account deleted");
            Ok(axum::response::IntoResponse::into_response(
                StatusCode::NO_CONTENT,
            ))
        }
        DeleteOutcome::Ordered => {
            state.wake.notify_waiters();
            state.metrics.accepted("delete_account");
            tracing::info!(account = account.number, order.id = %order_id, "account deletion ordered");
            access::accepted(&base, &order_id, owner)
        }
    }
}
