//! `/accounts/{acct}/exchange[/{domain}]`: the account's Exchange domains, and one of them with
//! the plan figures a partner needs before ordering.

use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::State;
use super::access;
use super::conditional::{not_modified, with_last_modified};
use super::extract::base_url;
use super::list::{ListRequest, ListSpec};
use crate::domain::Money;
use crate::error::ApiResult;
use crate::store::ExchangeRecord;

const SPEC: ListSpec = ListSpec {
    sort_fields: &["domain"],
    filter_fields: &[],
};

fn money(amount: Money, currency: &str) -> Value {
    if amount == Money::ZERO {
        json!([])
    } else {
        json!([amount.to_string(), currency])
    }
}

fn self_url(base: &str, e: &ExchangeRecord) -> String {
    format!(
        "{base}/accounts/{}/exchange/{}/",
        e.account_number, e.domain
    )
}

/// `GET /accounts/{acct}/exchange`: `{"list": [{"domain", "version", "links"}], "links"}`.
pub async fn list(
    state: State,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    let account = access::account(&state, &caller, &account).await?;
    let mut request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let mut exchanges = state.store.exchanges_of(account.id).await?;
    let base = base_url(&state, &headers);
    let url = format!("{base}/accounts/{}/exchange", account.number);
    let total = exchanges.len() as u64;
    if let Err(location) = request.plan(total, &url) {
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
    }
    if request.query.sort_desc {
        exchanges.reverse();
    }
    let page = request.query.page;
    let items: Vec<Value> = exchanges
        .iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .map(|e| json!({"domain": e.domain, "version": e.version, "links": [{"href": self_url(&base, e), "rel": "self"}]}))
        .collect();
    Ok(axum::Json(json!({"list": items, "links": request.links(total, &url)})).into_response())
}

/// `GET /accounts/{acct}/exchange/{domain}`: the docs' shape plus `freeMailboxes` (included in
/// the plan), `usedMailboxes`, `mailboxPrice` (one beyond the free ones) and `nextMailboxPrice`
/// (what the next order costs: `[]` while a free one is left). Conditional by date.
pub async fn read(
    state: State,
    Path((account, domain)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    let e = access::exchange(&state, &caller, &account, &domain).await?;
    if let Some(cached) = not_modified(&headers, e.updated_ms) {
        return Ok(cached);
    }
    let used = state.store.used_mailboxes(e.id).await?;
    let base = base_url(&state, &headers);
    let own = self_url(&base, &e);
    let related = |path: &str| json!([{"href": format!("{own}{path}/"), "rel": "related"}]);
    // Prices from the catalog; a plan it no longer offers shows no price (logged).
    let plan = state.catalog.plan(&e.franchise_name, &e.plan);
    if plan.is_none() {
        tracing::warn!(
            domain = e.domain,
            plan = e.plan,
            "plan missing from the catalog"
        );
    }
    let price = plan.map(|p| money(p.mailbox_monthly, p.currency.as_str()));
    let next = match plan {
        _ if used < e.free_mailboxes => Some(json!([])),
        Some(p) => Some(money(p.mailbox_monthly, p.currency.as_str())),
        None => None,
    };
    let body = json!({
        "domain": e.domain,
        "version": e.version,
        "links": [{"href": own, "rel": "self"}],
        "mailboxes": related("mailboxes"),
        "globalContacts": related("globalContacts"),
        "mailingLists": related("mailingLists"),
        "emailAliases": related("emailAliases"),
        "freeMailboxes": e.free_mailboxes,
        "usedMailboxes": used,
        "plan": e.plan,
        "mailboxPrice": price,
        "nextMailboxPrice": next,
    });
    let mut response = axum::Json(body).into_response();
    with_last_modified(&mut response, e.updated_ms);
    Ok(response)
}
