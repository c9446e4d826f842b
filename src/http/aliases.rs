//! `…/exchange/{domain}/emailAliases` (docs §2.8; `emailaliases` is taken too): another address
//! of a mailbox of the domain. Created and deleted at once, with its row in the mail directory,
//! so Postfix delivers to it as soon as the answer arrives.

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::State;
use super::access::{self, exchange_url, located};
use super::conditional::{not_modified, with_last_modified};
use super::extract::{Auth, Base, JsonBody};
use super::list::{ListRequest, ListSpec};
use super::types::{EmailAlias, Link};
use crate::domain::{AliasCreateRequest, DomainName, NewAlias};
use crate::error::{ApiError, ApiResult};
use crate::store::{
    AliasRecord, ChangeObjectOutcome, CreateObjectOutcome, ExchangeRecord, ListQuery,
};

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &["emailAlias"],
    filter_fields: &[("emailAlias", &[]), ("emailForward", &[])],
};

fn aliases_url(base: &str, exchange: &ExchangeRecord) -> String {
    format!("{}/emailAliases", exchange_url(base, exchange))
}

pub(crate) fn document(base: &str, exchange: &ExchangeRecord, a: AliasRecord) -> EmailAlias {
    let own = format!("{}/{}/", aliases_url(base, exchange), a.name);
    let mailbox = access::mailbox_url(base, exchange, &a.target);
    EmailAlias {
        email_forward: format!("{}@{}", a.target, exchange.domain),
        email_alias: a.name,
        links: vec![Link::new(own, "self"), Link::new(mailbox, "related")],
    }
}

pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let url = aliases_url(&base, &exchange);
    let total = state
        .store
        .count_aliases(exchange.id, &request.query)
        .await?;
    request
        .respond(total, &url, async |page| {
            let query = ListQuery {
                page,
                ..request.query.clone()
            };
            let items = state.store.list_aliases(exchange.id, &query).await?;
            Ok(items
                .into_iter()
                .map(|a| document(&base, &exchange, a))
                .collect())
        })
        .await
}

/// `OPTIONS`: what the list can be sorted and filtered by.
pub async fn options(
    state: State,
    Auth(caller): Auth,
    Path((account, domain)): Path<(String, String)>,
) -> ApiResult<Response> {
    access::exchange(&state, &caller, &account, &domain).await?;
    Ok(SPEC.answer_options())
}

/// `POST`: `201` with the alias's `Location` and no body.
pub async fn create(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain)): Path<(String, String)>,
    JsonBody(body): JsonBody<AliasCreateRequest>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let domain = DomainName::parse(&exchange.domain)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored domain: {e}")))?;
    let alias = NewAlias::parse(body, &domain).map_err(ApiError::Validation)?;
    match state
        .store
        .create_alias(exchange.id, &exchange.domain, &alias, crate::now_ms())
        .await?
    {
        CreateObjectOutcome::Created => {
            // A domain on the agent has a `sync_address` step queued with the change.
            state.wake.notify_waiters();
            located(
                StatusCode::CREATED,
                format!("{}/{}/", aliases_url(&base, &exchange), alias.name),
            )
        }
        CreateObjectOutcome::Taken => Err(ApiError::conflict(format!(
            "{} is already a mailbox, an alias or a list of this domain",
            alias.name
        ))),
        CreateObjectOutcome::NoTarget => Err(ApiError::field(
            "emailalias.emailForward",
            format!("{} is not a mailbox of this domain", alias.target),
        )),
        CreateObjectOutcome::AccountNotOpen(status) => {
            Err(ApiError::Forbidden(format!("Account is {status}")))
        }
    }
}

pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let alias = state
        .store
        .alias(exchange.id, &name)
        .await?
        .ok_or(ApiError::NotFound)?;
    let updated_ms = alias.updated_ms;
    if let Some(cached) = not_modified(&headers, updated_ms) {
        return Ok(cached);
    }
    let mut response = Json(document(&base, &exchange, alias)).into_response();
    with_last_modified(&mut response, updated_ms);
    Ok(response)
}

/// `DELETE`: `204`; the address stops delivering at once.
pub async fn delete(
    state: State,
    Auth(caller): Auth,
    Path((account, domain, name)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    match state
        .store
        .delete_alias(exchange.id, &exchange.domain, &name, crate::now_ms())
        .await?
    {
        ChangeObjectOutcome::Done => {
            // A domain on the agent has a `sync_address` step queued with the change.
            state.wake.notify_waiters();
            Ok(StatusCode::NO_CONTENT)
        }
        _ => Err(ApiError::NotFound),
    }
}
