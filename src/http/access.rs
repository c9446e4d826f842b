//! Loading the objects named in a path, with the caller's rights checked: other franchises'
//! objects do not exist for the caller (`404`); within the franchise, the role decides (`403`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::auth::Caller;
use crate::domain::{AccountStatus, OrderId, OwnerId, Role};
use crate::error::{ApiError, ApiResult};
use crate::store::{AccountRecord, ExchangeRecord, MailboxRecord};

pub fn forbidden(what: &str) -> ApiError {
    ApiError::Forbidden(format!("Unauthorized: {what} failed permission check"))
}

pub async fn account(state: &AppState, caller: &Caller, number: &str) -> ApiResult<AccountRecord> {
    let account = state
        .store
        .account(number)
        .await?
        .filter(|a| a.franchise_id == caller.franchise_id)
        .ok_or(ApiError::NotFound)?;
    crate::audit::note_account(&account.number);
    if !caller.role.can_manage_account(account.id) {
        return Err(forbidden("Account"));
    }
    visible(caller, account.status)?;
    Ok(account)
}

/// `403 Account is suspended` (or closed) for everyone but agents ([`Role::sees_account`]).
pub fn visible(caller: &Caller, status: AccountStatus) -> ApiResult<()> {
    if caller.role.sees_account(status) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("Account is {status}")))
    }
}

/// For an account user, `403` while its own account is suspended or closed (routes that are not
/// under one account: the order list, orders read by credentials).
pub async fn own_account_visible(state: &AppState, caller: &Caller) -> ApiResult<()> {
    if let Role::AccountUser { account_id } = caller.role
        && let Some(account) = state.store.account_by_id(account_id).await?
    {
        visible(caller, account.status)?;
    }
    Ok(())
}

/// The Exchange resource, visible to the caller's franchise (not yet checked: the role).
pub async fn exchange_in_franchise(
    state: &AppState,
    caller: &Caller,
    account: &str,
    domain: &str,
) -> ApiResult<ExchangeRecord> {
    let exchange = state
        .store
        .exchange(account, &domain.to_ascii_lowercase())
        .await?
        .filter(|e| e.franchise_id == caller.franchise_id)
        .ok_or(ApiError::NotFound)?;
    crate::audit::note_account(&exchange.account_number);
    visible(caller, exchange.account_status)?;
    Ok(exchange)
}

/// The Exchange resource, if the caller may manage the domain.
pub async fn exchange(
    state: &AppState,
    caller: &Caller,
    account: &str,
    domain: &str,
) -> ApiResult<ExchangeRecord> {
    let exchange = exchange_in_franchise(state, caller, account, domain).await?;
    if !caller
        .role
        .can_manage_exchange(exchange.id, exchange.account_id)
    {
        return Err(forbidden("Exchange"));
    }
    Ok(exchange)
}

/// The mailbox, if the caller may read and change it (its own, for a mailbox user).
pub async fn mailbox(
    state: &AppState,
    caller: &Caller,
    account: &str,
    domain: &str,
    username: &str,
) -> ApiResult<(ExchangeRecord, MailboxRecord)> {
    let exchange = exchange_in_franchise(state, caller, account, domain).await?;
    let mailbox = state.store.mailbox(exchange.id, username).await?;
    let allowed = |id| {
        caller
            .role
            .can_manage_mailbox(exchange.id, exchange.account_id, id)
    };
    match mailbox {
        Some(m) if allowed(m.id) => Ok((exchange, m)),
        // Someone allowed to see the whole domain learns that it does not exist.
        None if caller
            .role
            .can_manage_exchange(exchange.id, exchange.account_id) =>
        {
            Err(ApiError::NotFound)
        }
        _ => Err(forbidden("Mailbox")),
    }
}

pub fn mailbox_url(base: &str, exchange: &ExchangeRecord, username: &str) -> String {
    format!(
        "{base}/accounts/{}/exchange/{}/mailboxes/{username}",
        exchange.account_number, exchange.domain
    )
}

/// `202 Accepted` for an order: `Location` of the order and the `OwnerId` cookie.
pub fn accepted(base: &str, order_id: &OrderId, owner_id: OwnerId) -> ApiResult<Response> {
    let location = format!("{base}/orders/{order_id}");
    let mut response = StatusCode::ACCEPTED.into_response();
    let h = response.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::try_from(location).map_err(|e| ApiError::Internal(e.into()))?,
    );
    let cookie = format!("OwnerId={owner_id}; Path=/");
    h.insert(
        header::SET_COOKIE,
        HeaderValue::try_from(cookie).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok(response)
}

/// The URL of the Exchange resource of `exchange`.
pub fn exchange_url(base: &str, exchange: &ExchangeRecord) -> String {
    format!(
        "{base}/accounts/{}/exchange/{}",
        exchange.account_number, exchange.domain
    )
}

/// An answer with no body and a `Location` (`201` for something created, `204` for a change).
pub fn located(status: StatusCode, location: String) -> ApiResult<Response> {
    let mut response = status.into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::try_from(location).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok(response)
}
