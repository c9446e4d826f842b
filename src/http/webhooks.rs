//! `/webhooks`: a franchise's agents and its accounts' users subscribe URLs to events
//! (`POST`), list, read, change (`PUT`: URL, events, secret, `active`), delete them, send a
//! test event, and see each subscription's deliveries. An agent's subscription hears every
//! account of the franchise, an account user's only its account; another franchise's (or,
//! for an account user, another account's) subscriptions do not exist for the caller (`404`).
//! Mailbox logins have none (`403`).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::extract::{Auth, Base, JsonBody};
use super::list::{ListRequest, ListSpec};
use super::types::{Link, Webhook, WebhookDelivery};
use super::{AppState, State, timestamp};
use crate::auth::Caller;
use crate::domain::Role;
use crate::domain::webhook::{WebhookChange, WebhookRequest};
use crate::error::{ApiError, ApiResult};
use crate::store::{DeliveryRecord, NewWebhookRow, WebhookChangeRow, WebhookRecord};

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &["created", "url"],
    filter_fields: &[("url", &[]), ("status", &["active", "disabled"])],
};

pub(crate) const DELIVERY_SPEC: ListSpec = ListSpec {
    sort_fields: &["created"],
    filter_fields: &[
        ("type", &[]),
        ("status", &["pending", "delivered", "failed"]),
    ],
};

/// Most subscriptions a franchise may have.
const MAX_WEBHOOKS: i64 = 100;
/// Most deliveries a subscription's list shows (the newest).
const MAX_LISTED_DELIVERIES: i64 = 1000;

/// Whose subscriptions the caller has: `None` for an agent (the franchise's), the account
/// for an account user; mailbox logins have none.
fn scope(caller: &Caller) -> ApiResult<Option<i64>> {
    match caller.role {
        Role::Agent => Ok(None),
        Role::AccountUser { account_id } => Ok(Some(account_id)),
        Role::MailboxAdmin { .. } | Role::MailboxUser { .. } => Err(ApiError::Forbidden(
            "Webhooks are for the franchise's agents and its accounts' users".into(),
        )),
    }
}

/// [`scope`], and for an account user `403` while its account is suspended or closed (as on
/// every route under it).
async fn visible_scope(state: &AppState, caller: &Caller) -> ApiResult<Option<i64>> {
    let own = scope(caller)?;
    super::access::own_account_visible(state, caller).await?;
    Ok(own)
}

/// The subscription, if the caller has it.
async fn load(state: &AppState, caller: &Caller, id: &str) -> ApiResult<WebhookRecord> {
    let own = visible_scope(state, caller).await?;
    state
        .store
        .webhook(id)
        .await?
        .filter(|w| w.franchise_id == caller.franchise_id && (own.is_none() || w.account_id == own))
        .ok_or(ApiError::NotFound)
}

fn webhook_url(base: &str, id: &str) -> String {
    format!("{base}/webhooks/{id}")
}

/// The accounts' numbers of `webhooks`, read once each.
async fn account_numbers(
    state: &AppState,
    webhooks: &[WebhookRecord],
) -> ApiResult<HashMap<i64, String>> {
    let mut numbers = HashMap::new();
    for id in webhooks.iter().filter_map(|w| w.account_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = numbers.entry(id)
            && let Some(account) = state.store.account_by_id(id).await?
        {
            slot.insert(account.number);
        }
    }
    Ok(numbers)
}

fn document(
    base: &str,
    w: WebhookRecord,
    numbers: &HashMap<i64, String>,
    secret: Option<String>,
) -> Webhook {
    let own = webhook_url(base, &w.id);
    Webhook {
        links: vec![
            Link::new(format!("{own}/"), "self"),
            Link::new(format!("{own}/deliveries"), "related"),
        ],
        account: w.account_id.and_then(|a| numbers.get(&a).cloned()),
        status: if w.active { "active" } else { "disabled" },
        disabled_reason: w.disabled_reason,
        created: timestamp(w.created_ms),
        updated: timestamp(w.updated_ms),
        url: w.url,
        events: w.events,
        secret,
        id: w.id,
    }
}

async fn answer(
    state: &AppState,
    base: &str,
    id: &str,
    secret: Option<String>,
) -> ApiResult<Webhook> {
    let w = state.store.webhook(id).await?.ok_or(ApiError::NotFound)?;
    let numbers = account_numbers(state, std::slice::from_ref(&w)).await?;
    Ok(document(base, w, &numbers, secret))
}

/// `GET /webhooks`: the caller's subscriptions, with the list conventions.
pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let own = visible_scope(&state, &caller).await?;
    let webhooks = state
        .store
        .webhooks_of(caller.franchise_id, own, MAX_WEBHOOKS)
        .await?;
    let numbers = account_numbers(&state, &webhooks).await?;
    let (url, status) = (request.filter("url"), request.filter("status"));
    let sort_by_url = request.sort_field() == Some("url");
    let items = webhooks
        .into_iter()
        .map(|w| document(&base, w, &numbers, None))
        .filter(|d| url.is_none_or(|f| !f.matching(&[d.url.as_str()]).is_empty()))
        .filter(|d| status.is_none_or(|f| !f.matching(&[d.status]).is_empty()))
        .map(|d| {
            let key = if sort_by_url {
                d.url.clone()
            } else {
                format!("{}{}", d.created, d.id)
            };
            (key, d)
        })
        .collect();
    request
        .respond_in_memory(&format!("{base}/webhooks"), items)
        .await
}

/// `POST /webhooks` `{"url", "events", "secret"?}`: `201`, its `Location`, and the
/// subscription with its secret (generated if not sent), shown this once.
pub async fn create(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    JsonBody(body): JsonBody<WebhookRequest>,
) -> ApiResult<Response> {
    let account_id = visible_scope(&state, &caller).await?;
    let new = body.parse().map_err(ApiError::Validation)?;
    state
        .deliverer
        .policy()
        .check(new.url.url())
        .await
        .map_err(|e| ApiError::field("url", e))?;
    let existing = state
        .store
        .webhooks_of(caller.franchise_id, None, MAX_WEBHOOKS)
        .await?;
    if existing.len() >= usize::try_from(MAX_WEBHOOKS).unwrap_or(usize::MAX) {
        return Err(ApiError::conflict(format!(
            "A franchise may have at most {MAX_WEBHOOKS} webhooks"
        )));
    }
    let id = format!("wh_{}", &uuid::Uuid::new_v4().simple().to_string()[..24]);
    let sealed = new.secret.seal(state.deliverer.key(), &id);
    state
        .store
        .create_webhook(&NewWebhookRow {
            id: &id,
            franchise_id: caller.franchise_id,
            account_id,
            created_by: caller.user_id,
            url: new.url.as_str(),
            base: &base,
            events: &new.events,
            secret_sealed: &sealed,
            now_ms: crate::now_ms(),
        })
        .await?;
    tracing::info!(webhook = %id, "webhook subscribed");
    let body = answer(&state, &base, &id, Some(new.secret.reveal().to_owned())).await?;
    with_location(StatusCode::CREATED, &webhook_url(&base, &id), body)
}

fn with_location(
    status: StatusCode,
    location: &str,
    body: impl serde::Serialize,
) -> ApiResult<Response> {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::try_from(location).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok(response)
}

pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
) -> ApiResult<Json<Webhook>> {
    let w = load(&state, &caller, &id).await?;
    let numbers = account_numbers(&state, std::slice::from_ref(&w)).await?;
    Ok(Json(document(&base, w, &numbers, None)))
}

/// `PUT /webhooks/{id}`: changes what is sent; `200` with the subscription (and the secret,
/// if this request set one).
pub async fn update(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<WebhookChange>,
) -> ApiResult<Json<Webhook>> {
    let w = load(&state, &caller, &id).await?;
    let change = body.parse().map_err(ApiError::Validation)?;
    if let Some(url) = &change.url {
        state
            .deliverer
            .policy()
            .check(url.url())
            .await
            .map_err(|e| ApiError::field("url", e))?;
    }
    let sealed = change
        .secret
        .as_ref()
        .map(|s| s.seal(state.deliverer.key(), &w.id));
    state
        .store
        .update_webhook(
            &w.id,
            &WebhookChangeRow {
                url: change.url.as_ref().map(|u| u.as_str()),
                events: change.events.as_deref(),
                secret_sealed: sealed.as_deref(),
                active: change.active,
                now_ms: crate::now_ms(),
            },
        )
        .await?;
    let secret = change.secret.map(|s| s.reveal().to_owned());
    Ok(Json(answer(&state, &base, &w.id, secret).await?))
}

pub async fn delete(
    state: State,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let w = load(&state, &caller, &id).await?;
    if !state.store.delete_webhook(&w.id).await? {
        return Err(ApiError::NotFound);
    }
    tracing::info!(webhook = %w.id, "webhook deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /webhooks/{id}/test`: queues a `webhook.test` event to it (even while it is
/// disabled); `202` with the delivery's `Location`.
pub async fn test(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let w = load(&state, &caller, &id).await?;
    let resource = format!("/webhooks/{}", w.id);
    let delivery = state
        .store
        .queue_test_delivery(&w.id, &resource, crate::now_ms())
        .await?;
    state.deliverer.wake.notify_one();
    let location = format!("{}/deliveries/{delivery}", webhook_url(&base, &w.id));
    super::access::located(StatusCode::ACCEPTED, location)
}

fn delivery_document(base: &str, d: DeliveryRecord) -> WebhookDelivery {
    let own = format!("{}/deliveries/{}", webhook_url(base, &d.webhook_id), d.id);
    WebhookDelivery {
        links: vec![
            Link::new(format!("{own}/"), "self"),
            Link::new(format!("{}/", webhook_url(base, &d.webhook_id)), "related"),
        ],
        next_attempt: (d.state == "pending").then(|| timestamp(d.next_ms)),
        resource: format!("{base}{}", d.resource),
        created: timestamp(d.created_ms),
        updated: timestamp(d.updated_ms),
        event: d.event_id,
        r#type: d.kind,
        status: d.state,
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error,
        id: d.id,
    }
}

/// `GET /webhooks/{id}/deliveries`: its newest deliveries (at most 1,000), by `created`
/// (oldest first; `sortOrder=desc` for the newest first).
pub async fn deliveries(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let request = ListRequest::parse(query.as_deref(), &DELIVERY_SPEC, &[])?;
    let w = load(&state, &caller, &id).await?;
    let (kind, status) = (request.filter("type"), request.filter("status"));
    let items = state
        .store
        .deliveries_of(&w.id, MAX_LISTED_DELIVERIES)
        .await?
        .into_iter()
        .filter(|d| kind.is_none_or(|f| !f.matching(&[d.kind.as_str()]).is_empty()))
        .filter(|d| status.is_none_or(|f| !f.matching(&[d.state.as_str()]).is_empty()))
        .map(|d| {
            (
                format!("{:020}{}", d.created_ms, d.id),
                delivery_document(&base, d),
            )
        })
        .collect();
    let url = format!("{}/deliveries", webhook_url(&base, &w.id));
    request.respond_in_memory(&url, items).await
}

pub async fn delivery(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<Json<WebhookDelivery>> {
    let w = load(&state, &caller, &id).await?;
    let d = state
        .store
        .delivery(&w.id, &delivery)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(delivery_document(&base, d)))
}
