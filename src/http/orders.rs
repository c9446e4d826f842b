//! `/orders/{id}` and its shorthand `/order` (the caller's open order, by `OwnerId` cookie):
//! read and cancel. Readable with the order's `OwnerId` cookie or with the credentials of a user
//! who can see the order's account.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::extract::{Base, MaybeAuth, OwnerCookie, owner_cookie};
use super::order_wait::{self, Rendered};
use super::types::{Link, OrderDocument, OrderFields, OrderItem};
use super::{AppState, State};
use crate::auth::Caller;
use crate::domain::OrderId;
use crate::error::{ApiError, ApiResult};
use crate::store::watch::Waiter;
use crate::store::{AccountStatus, CancelOutcome, OrderLine, OrderRecord, OrderStatus, Role};

pub const PERMISSION: &str = "Unauthorized: Order failed permission check";

/// Which order a request names: an explicit id, or `/order` (the cookie's open order).
#[derive(Debug, Clone)]
pub enum Target {
    Id(String),
    Current,
}

/// Who asks for an order: credentials (checked if sent) and the `OwnerId` cookie.
pub struct Asker {
    pub caller: Option<Caller>,
    pub cookie: OwnerCookie,
}

impl axum::extract::FromRequestParts<std::sync::Arc<super::AppState>> for Asker {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &std::sync::Arc<super::AppState>,
    ) -> ApiResult<Self> {
        let MaybeAuth(caller) = MaybeAuth::from_request_parts(parts, state).await?;
        Ok(Self {
            caller,
            cookie: owner_cookie(&parts.headers),
        })
    }
}

/// Loads the order if the asker may see it. Without any credential: `401`. Unknown order:
/// `404`. A matching cookie suffices; otherwise the credentials decide: another franchise's
/// order does not exist for them (`404`), an account they cannot manage is `403` (`denied`).
/// Returns the order with its lines, read in one query.
pub async fn authorized(
    state: &super::AppState,
    asker: &Asker,
    target: &Target,
    denied: &'static str,
) -> ApiResult<(OrderRecord, Vec<OrderLine>)> {
    let Asker { caller, cookie } = asker;
    let id = match target {
        Target::Id(id) => id,
        // `/order` is whatever open order the cookie owns; nothing else can name it.
        Target::Current => {
            let OwnerCookie::Valid(owner) = cookie else {
                return Err(ApiError::NotFound);
            };
            let found = state.store.open_order_of(owner).await?;
            let (order, lines) = found.ok_or(ApiError::NotFound)?;
            noted(&order);
            return Ok((order, lines));
        }
    };
    if caller.is_none() && *cookie == OwnerCookie::Absent {
        return Err(ApiError::Unauthorized("Authentication required"));
    }
    let found = match OrderId::parse(id) {
        Some(id) => state.store.order_with_lines(id.as_str()).await?,
        None => None,
    };
    // With a cookie only, a missing order is answered like another's: whether an id exists
    // is nothing a stranger may learn.
    let Some((order, lines)) = found else {
        return Err(match caller {
            None => ApiError::Unauthorized(PERMISSION),
            Some(_) => ApiError::NotFound,
        });
    };
    if let OwnerCookie::Valid(owner) = cookie
        && owner.stored_key() == order.owner_id
    {
        noted(&order);
        return Ok((order, lines));
    }
    let Some(c) = caller else {
        return Err(ApiError::Unauthorized(PERMISSION));
    };
    if c.franchise_id != order.franchise_id {
        return Err(ApiError::NotFound);
    }
    crate::audit::note_account(&order.account_number);
    let allowed = match c.role {
        role if role.can_manage_account(order.account_id) => true,
        // A domain's admin mailbox has the orders that touch only its domain.
        Role::MailboxAdmin { exchange_id } => {
            !lines.is_empty() && lines.iter().all(|l| l.exchange_id == exchange_id)
        }
        _ => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden(denied.into()));
    }
    super::access::visible(c, order.account_status)?;
    Ok((order, lines))
}

/// The audit entry of a request that reached an order: its franchise (whose agents read the
/// entry) and account.
fn noted(order: &OrderRecord) {
    crate::audit::note_franchise(order.franchise_id);
    crate::audit::note_account(&order.account_number);
}

/// A time as the API shows it: RFC 3339 in UTC, to the second.
pub fn timestamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `GET /orders/{id}`: the docs' `{"order": {"Status", "Account"}, "links": [self]}`, plus
/// `Errors` (failed orders), `Items` (one per line), `Created` and `Updated`; with an `ETag`,
/// `304` for `If-None-Match`, and `Prefer: wait=N` to wait for a change ([`order_wait`]).
pub async fn read(
    state: State,
    asker: Asker,
    Base(base): Base,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    read_order(state, asker, base, Target::Id(id), headers).await
}

/// `GET /order`: the same, for the cookie's open order, with an `alternate` link to it.
pub async fn read_current(
    state: State,
    asker: Asker,
    Base(base): Base,
    headers: HeaderMap,
) -> ApiResult<Response> {
    read_order(state, asker, base, Target::Current, headers).await
}

async fn read_order(
    state: State,
    asker: Asker,
    base: String,
    target: Target,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let wait = order_wait::asked_wait(&headers);
    // A named order is waited on before it is read: a change in between is not missed.
    let early = match (&target, wait) {
        (Target::Id(id), Some(_)) => {
            OrderId::parse(id).map(|id| state.store.order_watch().wait_on(id.as_str()))
        }
        _ => None,
    };
    let (order, lines) = authorized(&state, &asker, &target, PERMISSION).await?;
    let can_change = !order.status.is_final();
    let rendered = Rendered::new(&document(&order, &lines, &base, &target), can_change)?;
    let Some(wait) = wait else {
        return Ok(rendered.respond(&headers));
    };
    // Nothing to wait for: a final order, or a client whose copy is old already.
    let stale_copy = headers.contains_key(header::IF_NONE_MATCH) && !rendered.is_known(&headers);
    if !can_change || stale_copy {
        return Ok(rendered.respond(&headers));
    }
    let id = order.id.as_str();
    // A domain's admin mailbox (not the order's cookie) reads the order only while every line
    // is on its domain: checked again on every read of the wait.
    let by_cookie =
        matches!(asker.cookie, OwnerCookie::Valid(owner) if owner.stored_key() == order.owner_id);
    let only_domain = match asker.caller.map(|c| c.role) {
        Some(Role::MailboxAdmin { exchange_id }) if !by_cookie => Some(exchange_id),
        _ => None,
    };
    let at = (id, base.as_str(), &target);
    let mut waiter = match early {
        Some(waiter) => waiter,
        None => {
            // `/order` is known only once read: waited on now, and read once more.
            let mut waiter = state.store.order_watch().wait_on(id);
            let newer = render(&state, at, only_domain, &mut waiter).await?;
            if newer.etag() != rendered.etag() {
                return Ok(newer.respond(&headers));
            }
            waiter
        }
    };
    let deadline = tokio::time::Instant::now() + wait;
    let mut current = rendered;
    while order_wait::next_change(&mut waiter, deadline).await {
        let newer = render(&state, at, only_domain, &mut waiter).await?;
        let changed = newer.etag() != current.etag();
        current = newer;
        if changed || !current.can_change() {
            break;
        }
    }
    Ok(current.respond(&headers))
}

/// The waited-on order read again (one read shared by its waiters) and rendered.
async fn render(
    state: &AppState,
    (id, base, target): (&str, &str, &Target),
    only_domain: Option<i64>,
    waiter: &mut Waiter,
) -> ApiResult<Rendered> {
    let read = waiter
        .read(|| state.store.order_with_lines(id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let (order, lines) = &*read;
    if let Some(exchange_id) = only_domain
        && lines.iter().any(|l| l.exchange_id != exchange_id)
    {
        return Err(ApiError::Forbidden(PERMISSION.into()));
    }
    Rendered::new(
        &document(order, lines, base, target),
        !order.status.is_final(),
    )
}

/// The order's document.
pub(crate) fn document(
    order: &OrderRecord,
    lines: &[OrderLine],
    base: &str,
    target: &Target,
) -> OrderDocument {
    let explicit = format!("{base}/orders/{}/", order.id);
    let links = match target {
        Target::Id(_) => Link::own(explicit),
        Target::Current => vec![
            Link::new(format!("{base}/order/"), "self"),
            Link::new(explicit, "alternate"),
        ],
    };
    let items = lines
        .iter()
        .map(|l| OrderItem {
            kind: l.kind.as_str(),
            mailbox: (!l.kind.is_account_step()).then(|| format!("{}@{}", l.username, l.domain)),
            target: l.kind.is_account_step().then(|| l.username.clone()),
            plan: l.plan.clone(),
            status: l.status,
            error: l.error.clone(),
        })
        .collect();
    OrderDocument {
        order: OrderFields {
            status: order.status,
            // A draft account (a generic order's, until submitted) is the order's own.
            account: if order.account_status == AccountStatus::New {
                match target {
                    Target::Id(_) => format!("{base}/orders/{}/account", order.id),
                    Target::Current => format!("{base}/order/account"),
                }
            } else {
                format!("{base}/accounts/{}", order.account_number)
            },
            errors: (order.status == OrderStatus::Failed).then(|| order.errors.clone()),
            items,
            created: timestamp(order.created_ms),
            updated: timestamp(order.updated_ms),
        },
        links,
    }
}

/// `DELETE /orders/{id}`: cancels an open order and releases its names (`204`). A submitted
/// order cannot be cancelled (`405`); a cancelled one is gone (`404`).
pub async fn cancel(state: State, asker: Asker, Path(id): Path<String>) -> ApiResult<StatusCode> {
    cancel_order(state, asker, Target::Id(id)).await
}

/// `DELETE /order`.
pub async fn cancel_current(state: State, asker: Asker) -> ApiResult<StatusCode> {
    cancel_order(state, asker, Target::Current).await
}

async fn cancel_order(state: State, asker: Asker, target: Target) -> ApiResult<StatusCode> {
    let (order, _) = authorized(&state, &asker, &target, PERMISSION).await?;
    match state
        .store
        .cancel_order(order.id.as_str(), crate::now_ms())
        .await?
    {
        CancelOutcome::Cancelled => {
            tracing::info!(order.id = %order.id, "order cancelled");
            Ok(StatusCode::NO_CONTENT)
        }
        CancelOutcome::NotFound | CancelOutcome::NotOpen(OrderStatus::Cancelled) => {
            Err(ApiError::NotFound)
        }
        CancelOutcome::NotOpen(_) => Err(ApiError::MethodNotAllowed),
    }
}
