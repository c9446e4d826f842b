//! `…/exchange/{domain}/globalContacts` (docs §2.9): outside addresses in the domain's address
//! book. Ids are 40 hex digits, like Hostway's (the same form as order ids).

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::State;
use super::access::{self, exchange_url, located};
use super::conditional::{not_modified, with_last_modified};
use super::extract::{Auth, Base, JsonBody};
use super::list::{ListRequest, ListSpec};
use super::types::{GlobalContactDocument, GlobalContactListItem, Link};
use crate::domain::{ContactRequest, GlobalContact, OrderId};
use crate::error::{ApiError, ApiResult};
use crate::store::{
    ChangeObjectOutcome, ContactRecord, CreateObjectOutcome, ExchangeRecord, ListQuery,
};

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &["target"],
    filter_fields: &[("target", &[]), ("name", &[])],
};

fn contacts_url(base: &str, exchange: &ExchangeRecord) -> String {
    format!("{}/globalContacts", exchange_url(base, exchange))
}

fn taken(c: &GlobalContact) -> ApiError {
    ApiError::conflict(format!(
        "A global contact with the target {} exists",
        c.target
    ))
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
    let url = contacts_url(&base, &exchange);
    let total = state
        .store
        .count_contacts(exchange.id, &request.query)
        .await?;
    request
        .respond(total, &url, async |page| {
            let query = ListQuery {
                page,
                ..request.query.clone()
            };
            let items = state.store.list_contacts(exchange.id, &query).await?;
            Ok(items
                .into_iter()
                .map(|c| GlobalContactListItem {
                    details: format!("{url}/{}", c.id),
                    target: c.contact.target.to_string(),
                    name: c.contact.contact.name.name.as_str().to_owned(),
                    id: c.id,
                })
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

/// `POST`: `201` with the contact's `Location` and no body; `409` if the domain has a contact
/// with that target.
pub async fn create(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain)): Path<(String, String)>,
    JsonBody(body): JsonBody<ContactRequest>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let contact = GlobalContact::parse_new(body).map_err(ApiError::Validation)?;
    let now = crate::now_ms();
    let id = OrderId::generate(now);
    match state
        .store
        .create_contact(exchange.id, id.as_str(), &contact, now)
        .await?
    {
        CreateObjectOutcome::Created => located(
            StatusCode::CREATED,
            format!("{}/{id}/", contacts_url(&base, &exchange)),
        ),
        CreateObjectOutcome::AccountNotOpen(status) => {
            Err(ApiError::Forbidden(format!("Account is {status}")))
        }
        CreateObjectOutcome::Taken | CreateObjectOutcome::NoTarget => Err(taken(&contact)),
    }
}

async fn load(
    state: &super::AppState,
    exchange: &ExchangeRecord,
    id: &str,
) -> ApiResult<ContactRecord> {
    if OrderId::parse(id).is_none() {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .contact(exchange.id, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A contact's document.
pub(crate) fn document(
    base: &str,
    exchange: &ExchangeRecord,
    c: crate::store::ContactRecord,
) -> GlobalContactDocument {
    let own = format!("{}/{}/", contacts_url(base, exchange), c.id);
    let GlobalContact {
        target,
        contact,
        notes,
    } = c.contact;
    GlobalContactDocument {
        target: target.to_string(),
        name: contact.name,
        address: contact.address,
        phones: contact.phones,
        notes: notes.as_str().to_owned(),
        links: Link::own(own),
    }
}

pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let c = load(&state, &exchange, &id).await?;
    if let Some(cached) = not_modified(&headers, c.updated_ms) {
        return Ok(cached);
    }
    let updated_ms = c.updated_ms;
    let mut response = Json(document(&base, &exchange, c)).into_response();
    with_last_modified(&mut response, updated_ms);
    Ok(response)
}

/// `PUT`: the fields sent change, the others stay; `204` with the contact's `Location`.
pub async fn update(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<ContactRequest>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let current = load(&state, &exchange, &id).await?;
    let changed =
        GlobalContact::parse_change(body, current.contact).map_err(ApiError::Validation)?;
    match state
        .store
        .update_contact(
            exchange.id,
            &id,
            &changed,
            current.updated_ms,
            crate::now_ms(),
        )
        .await?
    {
        ChangeObjectOutcome::Done => {
            // A domain on the agent has a `sync_address` step queued with the change.
            state.wake.notify_waiters();
            located(
                StatusCode::NO_CONTENT,
                format!("{}/{id}/", contacts_url(&base, &exchange)),
            )
        }
        ChangeObjectOutcome::Taken => Err(taken(&changed)),
        ChangeObjectOutcome::Stale => Err(ApiError::conflict(
            "The contact changed meanwhile; read it again",
        )),
        ChangeObjectOutcome::Gone => Err(ApiError::NotFound),
    }
}

/// `DELETE`: `204`.
pub async fn delete(
    state: State,
    Auth(caller): Auth,
    Path((account, domain, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    load(&state, &exchange, &id).await?;
    match state
        .store
        .delete_contact(exchange.id, &id, crate::now_ms())
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
