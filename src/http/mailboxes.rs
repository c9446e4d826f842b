//! `…/accounts/{acct}/exchange/{domain}/mailboxes`: order a mailbox, read one.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::State;
use super::extract::{OwnerCookie, base_url, json_body, owner_cookie};
use crate::auth::Caller;
use crate::domain::{DomainName, NewMailbox, OrderId, OwnerId};
use crate::error::{ApiError, ApiResult};
use crate::store::{CreateOutcome, ExchangeRecord, MailboxRecord, NewMailboxOrder};

/// The Exchange resource named in the path, if the caller may act on it: other franchises'
/// objects do not exist for the caller (`404`); within the franchise the role decides (`403`).
pub async fn authorized_exchange(
    state: &super::AppState,
    caller: &Caller,
    account: &str,
    domain: &str,
) -> ApiResult<ExchangeRecord> {
    let exchange = state
        .store
        .exchange(account, &domain.to_ascii_lowercase())
        .await?
        .filter(|e| e.franchise_id == caller.franchise_id)
        .ok_or(ApiError::NotFound)?;
    if !caller.role.can_manage_account(exchange.account_id) {
        return Err(ApiError::Forbidden(
            "Unauthorized: Exchange failed permission check".into(),
        ));
    }
    Ok(exchange)
}

fn duplicate(username: &str) -> ApiError {
    ApiError::Conflict {
        message: "Mailbox already exists".into(),
        details: json!({ "owner.username": format!("{username:?} already exists or is being ordered") }),
    }
}

/// `POST …/mailboxes`: validates everything synchronously, reserves the name, and queues the
/// order. A free mailbox answers `202` with the order's `Location` and the `OwnerId` cookie.
pub async fn create(
    state: State,
    Path((account, domain)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    let exchange = authorized_exchange(&state, &caller, &account, &domain).await?;
    if exchange.account_status != "open" {
        return Err(ApiError::Forbidden(format!(
            "Account is {}",
            exchange.account_status
        )));
    }
    let body = json_body(&headers, &body)?;
    let domain =
        DomainName::parse(&exchange.domain).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let mailbox = NewMailbox::parse(&body, &domain).map_err(ApiError::Validation)?;
    // Cheap early answer for the common conflict; the transaction below settles races.
    if state
        .store
        .mailbox(exchange.id, mailbox.username.as_str())
        .await?
        .is_some()
    {
        return Err(duplicate(mailbox.username.as_str()));
    }

    let password = mailbox.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let owner_id = match owner_cookie(&headers) {
        OwnerCookie::Valid(owner) => owner,
        OwnerCookie::Absent | OwnerCookie::Invalid => OwnerId::generate(),
    };
    let now = crate::now_ms();
    let order_id = OrderId::generate(now);
    let order = NewMailboxOrder {
        order_id: &order_id,
        owner_id,
        exchange: &exchange,
        mailbox: &mailbox,
        password_hash: &password_hash,
        now_ms: now,
    };
    match state.store.create_mailbox_order(&order).await? {
        CreateOutcome::Created => {}
        CreateOutcome::Duplicate => return Err(duplicate(mailbox.username.as_str())),
        CreateOutcome::NoFreeSlot => {
            return Err(ApiError::Forbidden(
                "No free mailbox left in this Exchange plan; paid mailboxes cannot be ordered yet"
                    .into(),
            ));
        }
    }
    state.wake.notify_waiters();
    tracing::info!(order.id = %order_id, account = exchange.account_number, domain = exchange.domain, "mailbox order accepted");

    let location = format!("{}/orders/{order_id}", base_url(&state, &headers));
    let cookie = format!("OwnerId={owner_id}; Path=/");
    let mut response = StatusCode::ACCEPTED.into_response();
    let h = response.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::try_from(location).map_err(|e| ApiError::Internal(e.into()))?,
    );
    h.insert(
        header::SET_COOKIE,
        HeaderValue::try_from(cookie).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok(response)
}

fn mailbox_json(m: &MailboxRecord, self_url: String) -> Value {
    json!({
        "username": m.username,
        "admin": u8::from(m.admin),
        "notes": m.notes,
        "quota": m.quota_mb,
        "recipientLimit": m.recipient_limit,
        "archiving": u8::from(m.archiving),
        "blackberry": u8::from(m.blackberry),
        "billingStatus": m.billing_status,
        "name": m.contact.name,
        "address": m.contact.address,
        "phones": m.contact.phones,
        "forwardTo": m.forward_to,
        "deliverRedirect": m.deliver_redirect,
        "links": [{"href": self_url, "rel": "self"}],
    })
}

/// `GET …/mailboxes/{username}`: the mailbox in the docs' shape; never a password or hash.
pub async fn read(
    state: State,
    Path((account, domain, username)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    let exchange = authorized_exchange(&state, &caller, &account, &domain).await?;
    let mailbox = state
        .store
        .mailbox(exchange.id, &username)
        .await?
        .ok_or(ApiError::NotFound)?;
    let self_url = format!(
        "{}/accounts/{}/exchange/{}/mailboxes/{}",
        base_url(&state, &headers),
        exchange.account_number,
        exchange.domain,
        mailbox.username
    );
    Ok(axum::Json(mailbox_json(&mailbox, self_url)).into_response())
}
