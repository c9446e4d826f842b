//! `POST /orders/{id}/action` (`validate`, `submit`) and `GET /orders/{id}/quote`, with their
//! `/order` shorthands.

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::State;
use super::extract::{Base, JsonBody};
use super::orders::{Asker, PERMISSION, Target, authorized};
use super::quotes::{price_lines, unpriceable};
use super::types::{FullQuote, Link, OrderActionRequest, QuoteFields};
use crate::domain::Field;
use crate::error::{ApiError, ApiResult, Details};
use crate::store::{
    AccountStatus, OrderRecord, OrderSetup, OrderStatus, SubmitOrder, SubmitOutcome,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Validate,
    Submit,
}

/// The action body: `{"action": "validate"|"submit", "actionData": {…}, "quoteHash": "…"}`;
/// a `quoteHash` in upper case is accepted.
pub(super) fn parse_action(body: OrderActionRequest) -> ApiResult<(Action, Option<String>)> {
    let mut problems = std::collections::BTreeMap::new();
    let action = match body.action {
        Field::Absent | Field::Null => {
            problems.insert("action".to_owned(), "Required".to_owned());
            None
        }
        Field::Given(a) if a == "validate" => Some(Action::Validate),
        Field::Given(a) if a == "submit" => Some(Action::Submit),
        Field::Given(_) | Field::Wrong => {
            problems.insert("action".to_owned(), "must be validate or submit".to_owned());
            None
        }
    };
    if body.action_data == Field::Wrong {
        problems.insert("actionData".to_owned(), "must be an object".to_owned());
    }
    let hash = match body.quote_hash {
        Field::Absent | Field::Null => None,
        Field::Given(h) if h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(h.to_ascii_lowercase())
        }
        Field::Given(_) | Field::Wrong => {
            problems.insert(
                "quoteHash".to_owned(),
                "must be the 40-hex hash of a quote".to_owned(),
            );
            None
        }
    };
    match action {
        Some(action) if problems.is_empty() => Ok((action, hash)),
        _ => Err(ApiError::Validation(problems)),
    }
}

pub(super) fn not_open(status: OrderStatus) -> ApiError {
    ApiError::conflict(match status {
        OrderStatus::Cancelled => "Order has been cancelled",
        OrderStatus::New => "Order has changed",
        _ => "Order has already been submitted",
    })
}

fn stale_quote(current: &str) -> ApiError {
    ApiError::Conflict {
        message: "The order's price has changed since that quote".into(),
        details: Details::field("quoteHash", current),
    }
}

/// `POST /orders/{id}/action`.
pub async fn action(
    state: State,
    asker: Asker,
    Base(base): Base,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<OrderActionRequest>,
) -> ApiResult<Response> {
    act(state, asker, base, body, Target::Id(id)).await
}

/// `POST /order/action`: submitting answers with the explicit order's `Location`.
pub async fn action_current(
    state: State,
    asker: Asker,
    Base(base): Base,
    JsonBody(body): JsonBody<OrderActionRequest>,
) -> ApiResult<Response> {
    act(state, asker, base, body, Target::Current).await
}

async fn act(
    state: State,
    asker: Asker,
    base: String,
    body: OrderActionRequest,
    target: Target,
) -> ApiResult<Response> {
    let (mut order, mut lines) = authorized(&state, &asker, &target, PERMISSION).await?;
    let (action, expected_hash) = parse_action(body)?;
    // Lines added while pricing move the order's revision; price again (a few times at most).
    for _ in 0..3 {
        if !order.status.can_move_to(OrderStatus::Processing) {
            return Err(not_open(order.status));
        }
        let priced = price_lines(&state, order.id.as_str(), &lines).map_err(unpriceable)?;
        // A generic order (`POST /orders`) names what it still misses; an order of the
        // mailbox shortcuts needs lines on an open account.
        let setup = match state.store.order_account(order.id.as_str()).await? {
            Some(account) => Some(super::order_products::setup(&state, &order, &account).await?),
            None => None,
        };
        let mut problems = std::collections::BTreeMap::new();
        if setup.is_none() && lines.is_empty() {
            problems.insert("items".to_owned(), "the order has no lines".to_owned());
        }
        match state.store.account(&order.account_number).await? {
            _ if setup.is_some() => {}
            Some(a) if a.status == AccountStatus::Open => {}
            Some(a) => {
                problems.insert("account".to_owned(), format!("Account is {}", a.status));
            }
            None => {
                problems.insert("account".to_owned(), "Account has not been set".to_owned());
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::BadRequest {
                message: "Order cannot be submitted".into(),
                details: Details::Fields(problems),
            });
        }
        if let Some(expected) = &expected_hash
            && *expected != priced.quote.hash
        {
            return Err(stale_quote(&priced.quote.hash));
        }
        if action == Action::Validate {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let quote_json = serde_json::to_string(&QuoteFields::of(&priced.quote))
            .map_err(|e| ApiError::Internal(e.into()))?;
        let domains = setup.as_ref().map(|s| s.domains()).unwrap_or_default();
        let store_setup = setup.as_ref().map(|s| OrderSetup {
            account_id: s.account_id,
            domains: &domains,
            steps: &s.steps,
        });
        let submit = SubmitOrder {
            order_id: order.id.as_str(),
            revision: order.revision,
            quote_hash: &priced.quote.hash,
            quote_json: &quote_json,
            charges: &priced.charges(),
            setup: store_setup.as_ref(),
            now_ms: crate::now_ms(),
        };
        match state.store.submit_order(&submit).await? {
            SubmitOutcome::Submitted => {
                state.wake.notify_waiters();
                state.metrics.accepted("submit");
                tracing::info!(order.id = %order.id, quote = priced.quote.hash, "order submitted");
                return submitted(&base, &order);
            }
            SubmitOutcome::NotFound => return Err(ApiError::NotFound),
            SubmitOutcome::DomainTaken(domain) => {
                return Err(super::order_products::domain_taken(&domain));
            }
            SubmitOutcome::NotOpen(status) => return Err(not_open(status)),
            SubmitOutcome::Changed => {
                (order, lines) = state
                    .store
                    .order_with_lines(order.id.as_str())
                    .await?
                    .ok_or(ApiError::NotFound)?;
            }
        }
    }
    Err(ApiError::conflict(
        "The order keeps changing; price it again and resubmit",
    ))
}

/// `202 Accepted` with the explicit order's `Location` (no body, as in the docs).
fn submitted(base: &str, order: &OrderRecord) -> ApiResult<Response> {
    let location = format!("{base}/orders/{}", order.id);
    let mut response = StatusCode::ACCEPTED.into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::try_from(location).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok(response)
}

const FEES_PERMISSION: &str = "Unauthorized: Fees failed permission check";

/// `GET /orders/{id}/quote`: the full quote. An open order is priced now; a submitted one
/// shows the quote it was submitted with.
pub async fn quote(
    state: State,
    asker: Asker,
    Base(base): Base,
    Path(id): Path<String>,
) -> ApiResult<Json<FullQuote>> {
    show_quote(state, asker, base, Target::Id(id)).await
}

/// `GET /order/quote`.
pub async fn quote_current(
    state: State,
    asker: Asker,
    Base(base): Base,
) -> ApiResult<Json<FullQuote>> {
    show_quote(state, asker, base, Target::Current).await
}

async fn show_quote(
    state: State,
    asker: Asker,
    base: String,
    target: Target,
) -> ApiResult<Json<FullQuote>> {
    let (order, lines) = authorized(&state, &asker, &target, FEES_PERMISSION).await?;
    let self_href = match target {
        Target::Id(_) => format!("{base}/orders/{}/quote/", order.id),
        Target::Current => format!("{base}/order/quote/"),
    };
    // A cancelled order has no price any more.
    if order.status == OrderStatus::Cancelled {
        return Err(ApiError::NotFound);
    }
    if order.status != OrderStatus::New
        && let Some(stored) = state.store.order_quote(order.id.as_str()).await?
    {
        let quote: QuoteFields = serde_json::from_str(&stored)
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("stored quote")))?;
        return Ok(Json(FullQuote {
            quote,
            links: Link::own(self_href),
        }));
    }
    let priced = price_lines(&state, order.id.as_str(), &lines).map_err(unpriceable)?;
    Ok(Json(FullQuote::of(&priced.quote, self_href)))
}
