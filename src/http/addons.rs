//! `…/mailboxes/{username}/archiving` and `…/blackberry` (docs §2.7): a mailbox's add-ons,
//! bought (`PUT`) and removed (`DELETE`) through orders, and read (`GET`).
//!
//! The handlers are generic over the add-on's index in [`AddOn::ALL`], one route each.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};

use super::State;
use super::access::{self, mailbox_url};
use super::extract::{Auth, Base, OwnerCookie};
use super::mailboxes::adopted_owner;
use super::types::{AddOnDocument, Link};
use crate::domain::{AddOn, OrderId, OwnerId};
use crate::error::{ApiError, ApiResult};
use crate::store::{AccountStatus, AddOnOrder, AddOnOutcome, BillingStatus, StepKind};

pub const ARCHIVING: usize = 0;
pub const BLACKBERRY: usize = 1;

type MailboxPath = Path<(String, String, String)>;

/// `GET`: the add-on's status on the mailbox, or `404` if the mailbox does not have it.
pub async fn read<const A: usize>(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, username)): MailboxPath,
) -> ApiResult<Response> {
    let add_on = AddOn::ALL[A];
    let (exchange, mailbox) =
        access::mailbox(&state, &caller, &account, &domain, &username).await?;
    let status = state
        .store
        .add_on(exchange.id, &mailbox.username, add_on)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mailbox = mailbox_url(&base, &exchange, &mailbox.username);
    let mut links = Link::own(format!("{mailbox}/{add_on}"));
    links.push(Link::new(mailbox, "related"));
    let body = AddOnDocument {
        billing_status: status,
        links,
    };
    Ok(Json(body).into_response())
}

/// `PUT` (no body): puts the add-on into an order. Free in the franchise's catalog: an order of
/// its own, submitted at once. Paid: a line of the caller's open order (by `OwnerId`, or a new
/// one), which waits for `submit` like a paid mailbox. Either way `202`, the order's
/// `Location` and the cookie.
pub async fn put<const A: usize>(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    cookie: OwnerCookie,
    Path((account, domain, username)): MailboxPath,
) -> ApiResult<Response> {
    let add_on = AddOn::ALL[A];
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    if exchange.account_status != AccountStatus::Open {
        return Err(ApiError::Forbidden(format!(
            "Account is {}",
            exchange.account_status
        )));
    }
    let Some(price) = state.catalog.add_on(&exchange.franchise_name, add_on) else {
        return Err(ApiError::Forbidden(format!(
            "The {} add-on is not offered",
            add_on.title()
        )));
    };
    let owner_id = adopted_owner(&state, cookie, exchange.account_id).await?;
    let now = crate::now_ms();
    let order_id = OrderId::generate(now);
    let order = AddOnOrder {
        order_id: &order_id,
        owner_id,
        exchange: &exchange,
        username: &username,
        add_on,
        free: price.is_free(),
        now_ms: now,
    };
    let placed = match state.store.add_on_order(&order).await? {
        AddOnOutcome::Submitted => {
            state.wake.notify_waiters();
            state.metrics.accepted(StepKind::AddAddOn(add_on).as_str());
            order_id
        }
        AddOnOutcome::InOpenOrder(open) => {
            state.metrics.accepted("paid_add_on_line");
            open
        }
        other => return Err(refused(other, add_on)),
    };
    tracing::info!(order.id = %placed, add_on = add_on.as_str(), username, "add-on ordered");
    access::accepted(&base, &placed, owner_id)
}

/// `DELETE`: removes an `open` add-on through an order, submitted at once (`202`).
pub async fn delete<const A: usize>(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, username)): MailboxPath,
) -> ApiResult<Response> {
    let add_on = AddOn::ALL[A];
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let now = crate::now_ms();
    let order_id = OrderId::generate(now);
    let owner_id = OwnerId::generate();
    let order = AddOnOrder {
        order_id: &order_id,
        owner_id,
        exchange: &exchange,
        username: &username,
        add_on,
        free: true,
        now_ms: now,
    };
    match state.store.remove_add_on_order(&order).await? {
        AddOnOutcome::Submitted => {}
        other => return Err(refused(other, add_on)),
    }
    state.wake.notify_waiters();
    state
        .metrics
        .accepted(StepKind::RemoveAddOn(add_on).as_str());
    tracing::info!(order.id = %order_id, add_on = add_on.as_str(), username, "add-on removal accepted");
    access::accepted(&base, &order_id, owner_id)
}

/// The answer to an outcome that placed no order.
fn refused(outcome: AddOnOutcome, add_on: AddOn) -> ApiError {
    let name = add_on.title();
    match outcome {
        AddOnOutcome::NotFound => ApiError::NotFound,
        AddOnOutcome::MailboxNotOpen(status) => {
            ApiError::conflict(format!("The mailbox is {status}"))
        }
        AddOnOutcome::Present(BillingStatus::New) => ApiError::conflict(format!(
            "{name} is already in an order that is not submitted yet"
        )),
        AddOnOutcome::Present(_) => ApiError::conflict(format!("{name} is already present")),
        AddOnOutcome::WrongState(BillingStatus::PurgePending) => {
            ApiError::conflict(format!("{name} is already being removed"))
        }
        AddOnOutcome::WrongState(status) => {
            ApiError::conflict(format!("{name} cannot be removed while it is {status}"))
        }
        AddOnOutcome::OwnerBusy => {
            ApiError::conflict("A new order has already been created for this ownerID")
        }
        AddOnOutcome::AccountNotOpen(status) => ApiError::Forbidden(format!("Account is {status}")),
        AddOnOutcome::Submitted | AddOnOutcome::InOpenOrder(_) => {
            ApiError::Internal(anyhow::anyhow!("an order placed is not a refusal"))
        }
    }
}
