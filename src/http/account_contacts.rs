//! `GET|PUT /accounts/{account}/contacts` (docs §6.5): the account's regular, billing,
//! administrator and technical contacts, for its agents and its own users.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::State;
use super::access;
use super::extract::{Auth, JsonBody};
use super::types::AccountContacts;
use crate::domain::{AccountContact, AccountContactsRequest};
use crate::error::{ApiError, ApiResult};

/// `GET`: all four, empty where not set.
pub async fn read(
    state: State,
    Auth(caller): Auth,
    Path(number): Path<String>,
) -> ApiResult<Response> {
    let account = access::account(&state, &caller, &number).await?;
    let mut body = AccountContacts {
        regular: AccountContact::default(),
        billing: AccountContact::default(),
        administrator: AccountContact::default(),
        technical: AccountContact::default(),
    };
    for (kind, contact) in state.store.account_contacts(account.id).await? {
        let slot = match kind.as_str() {
            "regular" => &mut body.regular,
            "billing" => &mut body.billing,
            "administrator" => &mut body.administrator,
            "technical" => &mut body.technical,
            other => {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "stored contact of an unknown kind {other:?}"
                )));
            }
        };
        *slot = contact;
    }
    Ok(Json(body).into_response())
}

/// `PUT`: each kind sent replaces its contact (fields left out are empty), `null` clears one,
/// kinds left out keep theirs; `204`.
pub async fn update(
    state: State,
    Auth(caller): Auth,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<AccountContactsRequest>,
) -> ApiResult<StatusCode> {
    let account = access::account(&state, &caller, &number).await?;
    let changes = body.parse().map_err(ApiError::Validation)?;
    state
        .store
        .put_account_contacts(account.id, &changes, crate::now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
