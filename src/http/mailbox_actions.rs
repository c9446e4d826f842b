//! Asynchronous steps on an existing mailbox, each answered `202` with a pollable order:
//! `DELETE …/mailboxes/{username}[?purge=0|1]` and `POST …/mailboxes/{username}/action`
//! (`{"action": "restore"}`).

use axum::extract::{Path, RawQuery};
use axum::response::Response;

use super::State;
use super::access;
use super::extract::{Auth, Base, JsonBody};
use super::types::MailboxActionRequest;
use crate::domain::Field;
use crate::domain::{OrderId, OwnerId};
use crate::error::{ApiError, ApiResult};
use crate::store::{
    AccountStatus, ActionOutcome, ExchangeRecord, MailboxActionOrder, Role, StepKind,
};

/// Queues `kind` on the mailbox; the store checks, in its transaction, that the mailbox's status
/// allows the step ([`StepKind::may_start_from`]).
async fn queue(
    state: &super::AppState,
    base: &str,
    exchange: &ExchangeRecord,
    username: &str,
    kind: StepKind,
) -> ApiResult<Response> {
    if kind == StepKind::Restore && exchange.account_status != AccountStatus::Open {
        return Err(ApiError::Forbidden(format!(
            "Account is {}",
            exchange.account_status
        )));
    }
    let now = crate::now_ms();
    let order_id = OrderId::generate(now);
    let owner_id = OwnerId::generate();
    let order = MailboxActionOrder {
        order_id: &order_id,
        owner_id,
        account_id: exchange.account_id,
        exchange_id: exchange.id,
        username,
        kind,
        only_from: None,
        now_ms: now,
    };
    match state.store.create_action_order(&order).await? {
        ActionOutcome::Created => {}
        ActionOutcome::NotFound => return Err(ApiError::NotFound),
        ActionOutcome::AddOnBusy => {
            return Err(ApiError::conflict(
                "An add-on of this mailbox is in an order or being provisioned; let it finish or cancel its order first",
            ));
        }
        ActionOutcome::AccountNotOpen(status) => {
            return Err(ApiError::Forbidden(format!("Account is {status}")));
        }
        ActionOutcome::WrongState(s) if s.is_unsettled() => {
            let verb = if kind == StepKind::Restore {
                "restore"
            } else {
                "delete"
            };
            return Err(ApiError::conflict(format!(
                "Cannot {verb} pending mailboxes"
            )));
        }
        ActionOutcome::WrongState(s) => {
            return Err(ApiError::conflict(format!("The mailbox is {s}")));
        }
    }
    super::credentials_changed(state).await;
    state.wake.notify_waiters();
    state.metrics.accepted(kind.as_str());
    tracing::info!(order.id = %order_id, step = kind.as_str(), username, "mailbox step accepted");
    access::accepted(base, &order_id, owner_id)
}

/// `purge=1` (default): the mailbox and its data go, the name is free again. `purge=0` (agents
/// only): the mailbox is closed, its login refused, its data kept, restorable for the window.
pub async fn delete(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, username)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    let purge = match query
        .as_deref()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "purge")
                .map(|(_, v)| v)
        })
        .as_deref()
    {
        None | Some("1") => true,
        Some("0") => false,
        Some(_) => return Err(ApiError::field("purge", "must be 0 or 1")),
    };
    if purge {
        queue(&state, &base, &exchange, &username, StepKind::Purge).await
    } else if caller.role == Role::Agent {
        queue(&state, &base, &exchange, &username, StepKind::Close).await
    } else {
        Err(ApiError::Forbidden(
            "Only sales agents may delete a mailbox without purging it".into(),
        ))
    }
}

/// `{"action": "restore"}` reopens a closed mailbox with its old password and data.
pub async fn action(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain, username)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<MailboxActionRequest>,
) -> ApiResult<Response> {
    let exchange = access::exchange(&state, &caller, &account, &domain).await?;
    match body.action {
        Field::Given(a) if a == "restore" => {
            queue(&state, &base, &exchange, &username, StepKind::Restore).await
        }
        Field::Absent | Field::Null => Err(ApiError::field("action", "Required")),
        Field::Given(_) | Field::Wrong => Err(ApiError::field("action", "must be restore")),
    }
}
