//! `GET /accounts/{account}/paymentInfo[/{payment}]` (docs §6.4): the account's payment methods,
//! masked (a card's type, last four digits and expiry; never its number). `default` names the
//! default method.

use axum::Json;
use axum::extract::Path;

use super::State;
use super::access;
use super::extract::{Auth, Base};
use super::order_account::payment_document;
use super::types::{Link, PaymentInfoDocument, PaymentInfoList};
use crate::error::{ApiError, ApiResult};
use crate::store::PaymentRecord;

/// A method's id in URLs: `cc-<n>` for a card, `of-<n>` for offline billing.
fn payment_id(p: &PaymentRecord) -> String {
    let prefix = if p.method.payment_info_type == "credit_card" {
        "cc"
    } else {
        "of"
    };
    format!("{prefix}-{}", p.id)
}

fn document(base: &str, number: &str, p: PaymentRecord) -> PaymentInfoDocument {
    let href = format!("{base}/accounts/{number}/paymentInfo/{}", payment_id(&p));
    payment_document(p.method, p.is_default, href)
}

/// `GET …/paymentInfo`.
pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(number): Path<String>,
) -> ApiResult<Json<PaymentInfoList>> {
    let account = access::account(&state, &caller, &number).await?;
    let methods = state.store.payment_methods(account.id).await?;
    let at = format!("{base}/accounts/{}/paymentInfo", account.number);
    let default = if methods.iter().any(|p| p.is_default) {
        Link::related(format!("{at}/default/"))
    } else {
        Vec::new()
    };
    Ok(Json(PaymentInfoList {
        list: methods
            .into_iter()
            .map(|p| document(&base, &account.number, p))
            .collect(),
        default,
        links: Link::own(format!("{at}/")),
    }))
}

/// `GET …/paymentInfo/{payment}` (`default`: the default method).
pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((number, id)): Path<(String, String)>,
) -> ApiResult<Json<PaymentInfoDocument>> {
    let account = access::account(&state, &caller, &number).await?;
    let found = state
        .store
        .payment_methods(account.id)
        .await?
        .into_iter()
        .find(|p| {
            if id == "default" {
                p.is_default
            } else {
                payment_id(p) == id
            }
        })
        .ok_or(ApiError::NotFound)?;
    Ok(Json(document(&base, &account.number, found)))
}
