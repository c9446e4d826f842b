//! `POST /orders` (docs §3.1) and what every write under an order's account shares: which order
//! a path names, creating one on the fly under `/order` (docs §1.4), and the open-order check.

use axum::Json;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::extract::{Auth, Base, JsonBody, OwnerCookie, owner_cookie};
use super::orders::{Asker, PERMISSION, Target, authorized};
use super::types::{Link, OrderCreateRequest, OrderCreated};
use super::{AppState, State};
use crate::auth::Caller;
use crate::domain::{Field, OrderId, OwnerId, Role};
use crate::error::{ApiError, ApiResult};
use crate::store::{GenericCreate, NewGenericOrder, OrderAccountChoice, OrderRecord, OrderStatus};

/// The languages an account may have: the ones mailorder's texts are in.
pub const LANGUAGES: &[&str] = &["en-US"];

/// The order a path under `/orders/{order}` or `/order` names, with the product and service
/// it goes on to name.
pub struct OrderPath {
    pub target: Target,
    pub product: Option<String>,
    pub service: Option<String>,
}

impl FromRequestParts<std::sync::Arc<AppState>> for OrderPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &std::sync::Arc<AppState>,
    ) -> ApiResult<Self> {
        let mut path = Self {
            target: Target::Current,
            product: None,
            service: None,
        };
        if let Ok(params) = RawPathParams::from_request_parts(parts, state).await {
            for (name, value) in &params {
                match name {
                    "order" => path.target = Target::Id(value.to_owned()),
                    "product" => path.product = Some(value.to_owned()),
                    "service" => path.service = Some(value.to_owned()),
                    _ => {}
                }
            }
        }
        Ok(path)
    }
}

impl OrderPath {
    /// The URL of the order's resources: `/orders/{id}` or `/order`.
    pub fn base(&self, base: &str, order: &OrderRecord) -> String {
        match self.target {
            Target::Id(_) => format!("{base}/orders/{}", order.id),
            Target::Current => format!("{base}/order"),
        }
    }
}

/// A generic order opened for the caller: its id and owner. Agents' orders set up a new
/// account (the franchise's currency, the first language); an account user's order is for its
/// own account. Mailbox logins order through the mailbox shortcuts only (`403`).
pub(super) async fn open_generic(
    state: &AppState,
    caller: &Caller,
    cookie: OwnerCookie,
    client_ip: Option<&str>,
) -> ApiResult<(OrderId, OwnerId)> {
    let franchise = state
        .store
        .franchise_name(caller.franchise_id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the caller's franchise is gone")))?;
    let currency = state.catalog.currency(&franchise);
    let account = match caller.role {
        Role::Agent => OrderAccountChoice::New {
            currency: currency.as_str(),
            language: LANGUAGES[0],
        },
        Role::AccountUser { account_id } => {
            super::access::own_account_visible(state, caller).await?;
            OrderAccountChoice::Existing(account_id)
        }
        Role::MailboxAdmin { .. } | Role::MailboxUser { .. } => {
            return Err(super::access::forbidden("Order"));
        }
    };
    // A cookie that owns an open order is refused (Hostway's 409); any other is replaced by
    // one the server mints, so nobody can plant a known `OwnerId`.
    let owner = match cookie {
        OwnerCookie::Valid(owner) if state.store.open_order_of(&owner).await?.is_some() => owner,
        _ => OwnerId::generate(),
    };
    let now = crate::now_ms();
    let order_id = OrderId::generate(now);
    let order = NewGenericOrder {
        order_id: &order_id,
        owner_id: &owner,
        franchise_id: caller.franchise_id,
        account,
        client_ip,
        now_ms: now,
    };
    match state.store.create_generic_order(&order).await? {
        GenericCreate::Created => {
            tracing::info!(order.id = %order_id, "order created");
            Ok((order_id, owner))
        }
        GenericCreate::OwnerBusy => Err(ApiError::conflict(
            "A new order has already been created for this ownerID",
        )),
    }
}

/// `POST /orders`: `201` with `Location`, the `OwnerId` cookie and `{"orderId", "links"}`.
pub async fn create(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    headers: axum::http::HeaderMap,
    JsonBody(body): JsonBody<OrderCreateRequest>,
) -> ApiResult<Response> {
    let client_ip = match body.client_ip {
        Field::Absent | Field::Null => None,
        Field::Given(_) if caller.role != Role::Agent => {
            return Err(ApiError::bad_request(
                "User cannot specify the client IP address",
            ));
        }
        Field::Given(ip) => match ip.parse::<std::net::IpAddr>() {
            Ok(ip) => Some(ip.to_string()),
            Err(_) => return Err(ApiError::field("clientIp", "must be an IP address")),
        },
        Field::Wrong => return Err(ApiError::field("clientIp", "must be a string")),
    };
    let cookie = owner_cookie(&headers);
    let (order_id, owner) = open_generic(&state, &caller, cookie, client_ip.as_deref()).await?;
    let location = format!("{base}/orders/{order_id}");
    let body = OrderCreated {
        order_id: order_id.to_string(),
        links: vec![
            Link::new(format!("{base}/orders/"), "self"),
            Link::new(location.clone(), "item"),
        ],
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::try_from(location).map_err(|e| ApiError::Internal(e.into()))?,
    );
    with_cookie(response, Some(owner))
}

/// Adds `Set-Cookie: OwnerId=…; Path=/` for an order made by this request.
pub(super) fn with_cookie(mut response: Response, owner: Option<OwnerId>) -> ApiResult<Response> {
    if let Some(owner) = owner {
        let cookie = format!("OwnerId={owner}; Path=/");
        response.headers_mut().insert(
            header::SET_COOKIE,
            HeaderValue::try_from(cookie).map_err(|e| ApiError::Internal(e.into()))?,
        );
    }
    Ok(response)
}

/// A write's order: one that exists (checked: the asker may write it, it is open), or one this
/// request will open under `/order` (docs §1.4) once its body has been checked.
pub(super) enum Write {
    Existing(OrderRecord),
    ToOpen(Caller),
}

/// The first half of a write: who may write which order. A `PUT`/`POST` under `/order` without
/// an open order will open one (credentials needed: `401` without); a submitted order is
/// `409`. The body is parsed between this and [`Write::open`], so a bad body opens nothing.
pub(super) async fn begin_write(
    state: &AppState,
    asker: &Asker,
    path: &OrderPath,
) -> ApiResult<Write> {
    match authorized(state, asker, &path.target, PERMISSION).await {
        Ok((order, _)) if order.status != OrderStatus::New => {
            Err(super::order_actions::not_open(order.status))
        }
        Ok((order, _)) => {
            no_mailbox_logins(asker, &order)?;
            Ok(Write::Existing(order))
        }
        Err(ApiError::NotFound) if matches!(path.target, Target::Current) => match &asker.caller {
            Some(caller) => Ok(Write::ToOpen(*caller)),
            None => Err(ApiError::Unauthorized("Authentication required")),
        },
        Err(e) => Err(e),
    }
}

impl Write {
    /// The order, opened now if it is to be; with the `OwnerId` of one opened.
    pub(super) async fn open(
        self,
        state: &AppState,
        cookie: OwnerCookie,
    ) -> ApiResult<(OrderRecord, Option<OwnerId>)> {
        match self {
            Write::Existing(order) => Ok((order, None)),
            Write::ToOpen(caller) => {
                let (id, owner) = open_generic(state, &caller, cookie, None).await?;
                let order = state
                    .store
                    .order(id.as_str())
                    .await?
                    .ok_or(ApiError::NotFound)?;
                Ok((order, Some(owner)))
            }
        }
    }
}

/// The generic order's account (`409` for an order of the mailbox shortcuts).
pub(super) async fn order_account(
    state: &AppState,
    order: &OrderRecord,
) -> ApiResult<crate::store::OrderAccount> {
    state
        .store
        .order_account(order.id.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::conflict("This order was made by a shortcut; it has no account to set up")
        })
}

/// What an order sets up on an account is no mailbox login's business, whatever lines the
/// order has on its domain: only the order's cookie, agents and account users reach it.
pub(super) fn no_mailbox_logins(asker: &Asker, order: &OrderRecord) -> ApiResult<()> {
    let cookie_owns =
        matches!(asker.cookie, OwnerCookie::Valid(owner) if owner.stored_key() == order.owner_id);
    match &asker.caller {
        Some(c)
            if !cookie_owns
                && matches!(c.role, Role::MailboxAdmin { .. } | Role::MailboxUser { .. }) =>
        {
            Err(ApiError::Forbidden(PERMISSION.into()))
        }
        _ => Ok(()),
    }
}

/// Changes to an existing account (its users, contacts, payment method) take credentials that
/// cover it: the order's cookie alone sets up only a new account.
pub(super) fn account_rights(asker: &Asker, account: &crate::store::OrderAccount) -> ApiResult<()> {
    if account.status == crate::store::AccountStatus::New {
        return Ok(());
    }
    match &asker.caller {
        None => Err(ApiError::Unauthorized("Authentication required")),
        Some(c) if c.role.can_manage_account(account.account_id) => Ok(()),
        Some(_) => Err(ApiError::Forbidden(
            "Unauthorized: OrderAccount failed permission check".into(),
        )),
    }
}
