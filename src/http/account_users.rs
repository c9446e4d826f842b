//! `/accounts/{account}/users` and `/accounts/{account}/user/{userName}` (docs §6.6): an
//! account's API logins (`<userName>@<franchise>`), added and given new passwords by the
//! franchise's agents and the account's own users. Passwords are hashed on the bounded pool
//! and never shown.

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::State;
use super::access::{self, located};
use super::extract::{Auth, Base, JsonBody};
use super::list::{ListRequest, ListSpec};
use super::types::{AccountUser, Link};
use crate::domain::{AccountUserChange, AccountUserRequest};
use crate::error::{ApiError, ApiResult, Details};
use crate::store::{AccountRecord, NewApiUser, NewUserOutcome};

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &["userName"],
    filter_fields: &[("userName", &[])],
};

fn user_url(base: &str, account: &AccountRecord, login: &str) -> String {
    format!("{base}/accounts/{}/user/{login}", account.number)
}

fn document(base: &str, account: &AccountRecord, login: String) -> AccountUser {
    let own = user_url(base, account, &login);
    let account_url = format!("{base}/accounts/{}", account.number);
    AccountUser {
        user_name: login,
        links: vec![Link::new(own, "self"), Link::new(account_url, "related")],
    }
}

/// `GET …/users`.
pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(number): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let account = access::account(&state, &caller, &number).await?;
    let name = request.filter("userName");
    let items = state
        .store
        .account_users(account.id)
        .await?
        .into_iter()
        .filter(|login| name.is_none_or(|f| !f.matching(&[login.as_str()]).is_empty()))
        .map(|login| (login.clone(), document(&base, &account, login)))
        .collect();
    let url = format!("{base}/accounts/{}/users", account.number);
    request.respond_in_memory(&url, items).await
}

/// `POST …/users` `{"userName", "password"}`: `201` with the user's `Location`; `409` if the
/// login is taken in the franchise.
pub async fn create(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<AccountUserRequest>,
) -> ApiResult<Response> {
    let account = access::account(&state, &caller, &number).await?;
    let (name, password) = body.parse().map_err(ApiError::Validation)?;
    let password_hash = state.hashing.hash(password).await?;
    let user = NewApiUser {
        franchise_id: account.franchise_id,
        login: name.as_str(),
        password_hash: &password_hash,
        account_id: Some(account.id),
    };
    match state
        .store
        .create_account_user(&user, crate::now_ms())
        .await?
    {
        NewUserOutcome::Created => {
            tracing::info!(
                account = account.number,
                user = name.as_str(),
                "account user added"
            );
            located(
                StatusCode::CREATED,
                user_url(&base, &account, name.as_str()),
            )
        }
        NewUserOutcome::Taken => Err(ApiError::Conflict {
            message: "User already exists".into(),
            details: Details::field(
                "userName",
                format!("{} is taken in this franchise", name.as_str()),
            ),
        }),
    }
}

/// `GET …/user/{userName}`.
pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((number, login)): Path<(String, String)>,
) -> ApiResult<Response> {
    let account = access::account(&state, &caller, &number).await?;
    if !state.store.account_user_exists(account.id, &login).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Json(document(&base, &account, login)).into_response())
}

/// `PUT …/user/{userName}` `{"password"}`: a new password, effective at once on every
/// instance (cached logins are forgotten); `204`.
pub async fn update(
    state: State,
    Auth(caller): Auth,
    Path((number, login)): Path<(String, String)>,
    JsonBody(body): JsonBody<AccountUserChange>,
) -> ApiResult<StatusCode> {
    let account = access::account(&state, &caller, &number).await?;
    if !state.store.account_user_exists(account.id, &login).await? {
        return Err(ApiError::NotFound);
    }
    let password = body.parse(&login).map_err(ApiError::Validation)?;
    let password_hash = state.hashing.hash(password).await?;
    if !state
        .store
        .set_account_user_password(account.id, &login, &password_hash)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    super::credentials_changed(&state).await;
    tracing::info!(
        account = account.number,
        user = login,
        "account user's password changed"
    );
    Ok(StatusCode::NO_CONTENT)
}
