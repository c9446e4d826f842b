//! `/orders/{order}/account[/user|/contacts|/paymentInfo]` and their `/order` shorthands
//! (docs §3.2): the account a generic order is for, and the user, contacts and payment method
//! it sets up on it. Changes answer `204` (with `Set-Cookie` when they opened the order).

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::State;
use super::extract::{Base, JsonBody};
use super::order_create::{
    LANGUAGES, OrderPath, account_rights, begin_write, no_mailbox_logins, order_account,
    with_cookie,
};
use super::orders::{Asker, authorized};
use super::types::{
    AccountContacts, Link, OrderAccountDocument, OrderAccountRequest, OrderUserDocument,
    PaymentInfoDocument,
};
use crate::domain::{
    AccountContact, AccountContactsRequest, AccountUserRequest, Field, PaymentInfoRequest,
    PaymentMethod, Role,
};
use crate::error::{ApiError, ApiResult};
use crate::store::{AccountStatus, OrderAccountChoice, OrderChange, OrderRecord, OrderUser};

const PERMISSION: &str = "Unauthorized: OrderAccount failed permission check";

/// The order's account, for reading.
async fn readable(
    state: &super::AppState,
    asker: &Asker,
    path: &OrderPath,
) -> ApiResult<(OrderRecord, crate::store::OrderAccount)> {
    let (order, _) = authorized(state, asker, &path.target, PERMISSION).await?;
    no_mailbox_logins(asker, &order)?;
    let account = order_account(state, &order).await?;
    Ok((order, account))
}

fn changed(outcome: OrderChange) -> ApiResult<()> {
    match outcome {
        OrderChange::Changed => Ok(()),
        OrderChange::NotOpen(status) => Err(super::order_actions::not_open(status)),
        OrderChange::NotFound => Err(ApiError::NotFound),
    }
}

fn no_content(owner: Option<crate::domain::OwnerId>) -> ApiResult<Response> {
    with_cookie(StatusCode::NO_CONTENT.into_response(), owner)
}

/// `GET …/account`.
pub async fn read(
    state: State,
    asker: Asker,
    Base(base): Base,
    path: OrderPath,
) -> ApiResult<Json<OrderAccountDocument>> {
    let (order, account) = readable(&state, &asker, &path).await?;
    let at = format!("{}/account", path.base(&base, &order));
    Ok(Json(OrderAccountDocument {
        number: account.number,
        status: account.status.as_str().to_owned(),
        currency: account.currency,
        language: account.language,
        contact_info: format!("{at}/contacts"),
        payment_info: account
            .payment
            .is_some()
            .then(|| format!("{at}/paymentInfo")),
        user: account.user_name.is_some().then(|| format!("{at}/user")),
        links: Link::own(format!("{at}/")),
    }))
}

/// `PUT …/account`: `{"currency", "language"}` for a new account (agents: the franchise's
/// currency and a language mailorder speaks), or `{"accountNumber"}` for one the credentials
/// cover; `204`.
pub async fn update(
    state: State,
    asker: Asker,
    path: OrderPath,
    JsonBody(body): JsonBody<OrderAccountRequest>,
) -> ApiResult<Response> {
    let write = begin_write(&state, &asker, &path).await?;
    let wanted = Wanted::parse(body)?;
    let (order, created) = write.open(&state, asker.cookie).await?;
    let account = order_account(&state, &order).await?;
    let choice = match &wanted {
        Wanted::Existing(number) => {
            // Only with credentials that cover it: an agent of its franchise or its own user.
            let caller = asker
                .caller
                .as_ref()
                .ok_or(ApiError::Unauthorized("Authentication required"))?;
            let existing = super::access::account(&state, caller, number).await?;
            if existing.status != AccountStatus::Open {
                return Err(ApiError::Forbidden(format!(
                    "Account is {}",
                    existing.status
                )));
            }
            OrderAccountChoice::Existing(existing.id)
        }
        Wanted::New { currency, language } => {
            // The draft an agent's order set up may be shaped by whoever builds the order;
            // a new account instead of an existing one takes an agent.
            let agent = matches!(&asker.caller, Some(c) if c.role == Role::Agent);
            if !agent && account.status != AccountStatus::New {
                return Err(ApiError::Forbidden(PERMISSION.into()));
            }
            let franchise = state
                .store
                .franchise_name(order.franchise_id)
                .await?
                .ok_or(ApiError::NotFound)?;
            if *currency != state.catalog.currency(&franchise).as_str() {
                return Err(ApiError::bad_request(format!(
                    "Currency {currency} not allowed for this franchise"
                )));
            }
            if !LANGUAGES.contains(&language.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "Language {language} not allowed for this franchise"
                )));
            }
            OrderAccountChoice::New { currency, language }
        }
    };
    let outcome = state
        .store
        .set_order_account(
            order.id.as_str(),
            order.franchise_id,
            choice,
            crate::now_ms(),
        )
        .await?;
    changed(outcome)?;
    no_content(created)
}

/// What `PUT …/account` asks for, checked before anything is looked up.
enum Wanted {
    New { currency: String, language: String },
    Existing(String),
}

impl Wanted {
    fn parse(body: OrderAccountRequest) -> ApiResult<Self> {
        let text = |name: &str, f: Field<String>| match f {
            Field::Absent | Field::Null => Ok(None),
            Field::Given(s) => Ok(Some(s)),
            Field::Wrong => Err(ApiError::field(name, "must be a string")),
        };
        let number = text("accountNumber", body.account_number)?;
        let currency = text("currency", body.currency)?;
        let language = text("language", body.language)?;
        match (number, currency, language) {
            (Some(number), None, None) => Ok(Self::Existing(number)),
            (None, Some(currency), Some(language)) => Ok(Self::New { currency, language }),
            (None, _, _) => Err(ApiError::bad_request("Missing language or currency.")),
            (Some(_), _, _) => Err(ApiError::bad_request(
                "POST data error: send accountNumber, or currency and language",
            )),
        }
    }
}

/// `GET …/account/user`: the user name (never the password); `404` until set.
pub async fn read_user(
    state: State,
    asker: Asker,
    Base(base): Base,
    path: OrderPath,
) -> ApiResult<Json<OrderUserDocument>> {
    let (order, account) = readable(&state, &asker, &path).await?;
    let user_name = account.user_name.ok_or(ApiError::NotFound)?;
    Ok(Json(OrderUserDocument {
        user_name,
        links: Link::own(format!("{}/account/user/", path.base(&base, &order))),
    }))
}

/// `PUT …/account/user`: `{"userName", "password"}` (docs' rules); the password is hashed
/// here and never kept or shown otherwise. A name the franchise has already is `409`.
pub async fn update_user(
    state: State,
    asker: Asker,
    path: OrderPath,
    JsonBody(body): JsonBody<AccountUserRequest>,
) -> ApiResult<Response> {
    let write = begin_write(&state, &asker, &path).await?;
    let (name, password) = body.parse().map_err(ApiError::Validation)?;
    let (order, created) = write.open(&state, asker.cookie).await?;
    account_rights(&asker, &order_account(&state, &order).await?)?;
    if state
        .store
        .login_taken(order.franchise_id, name.as_str())
        .await?
    {
        return Err(ApiError::conflict(format!(
            "User name {} is taken",
            name.as_str()
        )));
    }
    let hash = state.hashing.hash(password).await?;
    let user = OrderUser {
        name: name.as_str(),
        hash: &hash,
    };
    let outcome = state
        .store
        .set_order_user(order.id.as_str(), &user, crate::now_ms())
        .await?;
    changed(outcome)?;
    no_content(created)
}

fn stored_contacts(raw: Option<&str>) -> ApiResult<BTreeMap<String, AccountContact>> {
    match raw {
        None => Ok(BTreeMap::new()),
        Some(raw) => serde_json::from_str(raw)
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("stored contacts"))),
    }
}

/// `GET …/account/contacts`: the four contacts, empty where not set.
pub async fn read_contacts(
    state: State,
    asker: Asker,
    path: OrderPath,
) -> ApiResult<Json<AccountContacts>> {
    let (_, account) = readable(&state, &asker, &path).await?;
    let mut set = stored_contacts(account.contacts.as_deref())?;
    let mut take = |kind: &str| set.remove(kind).unwrap_or_default();
    Ok(Json(AccountContacts {
        regular: take("regular"),
        billing: take("billing"),
        administrator: take("administrator"),
        technical: take("technical"),
    }))
}

/// `PUT …/account/contacts`: as `PUT /accounts/{account}/contacts` (each kind sent replaces
/// its contact, `null` clears it); the account gets them when the order is provisioned.
pub async fn update_contacts(
    state: State,
    asker: Asker,
    path: OrderPath,
    JsonBody(body): JsonBody<AccountContactsRequest>,
) -> ApiResult<Response> {
    let write = begin_write(&state, &asker, &path).await?;
    let changes = body.parse().map_err(ApiError::Validation)?;
    let (order, created) = write.open(&state, asker.cookie).await?;
    let account = order_account(&state, &order).await?;
    account_rights(&asker, &account)?;
    let mut set = stored_contacts(account.contacts.as_deref())?;
    for (kind, contact) in changes {
        match contact {
            Some(c) => set.insert(kind.to_owned(), c),
            None => set.remove(kind),
        };
    }
    let json = serde_json::to_string(&set).map_err(|e| ApiError::Internal(e.into()))?;
    let outcome = state
        .store
        .set_order_contacts(order.id.as_str(), &json, crate::now_ms())
        .await?;
    changed(outcome)?;
    no_content(created)
}

/// A payment method as shown.
pub(super) fn payment_document(
    m: PaymentMethod,
    default: bool,
    href: String,
) -> PaymentInfoDocument {
    PaymentInfoDocument {
        payment_info_type: m.payment_info_type,
        credit_card_type: m.credit_card_type,
        account_number: m.account_number,
        expiration_date: m.expiration_date,
        card_holder_name: m.card_holder_name,
        billing_address: m.billing_address,
        default: u8::from(default),
        links: Link::own(href),
    }
}

/// `GET …/account/paymentInfo`: the masked method; `404` until set.
pub async fn read_payment(
    state: State,
    asker: Asker,
    Base(base): Base,
    path: OrderPath,
) -> ApiResult<Json<PaymentInfoDocument>> {
    let (order, account) = readable(&state, &asker, &path).await?;
    let raw = account.payment.ok_or(ApiError::NotFound)?;
    let method: PaymentMethod = serde_json::from_str(&raw)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("stored payment")))?;
    let href = format!("{}/account/paymentInfo/", path.base(&base, &order));
    Ok(Json(payment_document(method, true, href)))
}

/// `PUT …/account/paymentInfo`: a credit card (Luhn-checked, not expired, a known type) or
/// `offline` (agents). Only the type, the masked number, the expiry, the holder, the billing
/// address and a random token are kept.
pub async fn update_payment(
    state: State,
    asker: Asker,
    path: OrderPath,
    JsonBody(body): JsonBody<PaymentInfoRequest>,
) -> ApiResult<Response> {
    let agent = matches!(&asker.caller, Some(c) if c.role == Role::Agent);
    let today = time::OffsetDateTime::now_utc().date();
    let write = begin_write(&state, &asker, &path).await?;
    let method = body.parse(agent, today).map_err(ApiError::Validation)?;
    let (order, created) = write.open(&state, asker.cookie).await?;
    account_rights(&asker, &order_account(&state, &order).await?)?;
    let json = serde_json::to_string(&method).map_err(|e| ApiError::Internal(e.into()))?;
    let outcome = state
        .store
        .set_order_payment(order.id.as_str(), &json, crate::now_ms())
        .await?;
    changed(outcome)?;
    no_content(created)
}
