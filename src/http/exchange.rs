//! `/accounts/{acct}/exchange[/{domain}]`: the account's Exchange domains, and one of them with
//! the plan figures a partner needs before ordering.

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::State;
use super::access;
use super::conditional::{not_modified, with_last_modified};
use super::extract::{Auth, Base};
use super::list::{ListRequest, ListSpec};
use super::types::{Exchange, ExchangeListItem, Link, MoneyPair};
use crate::domain::Money;
use crate::error::ApiResult;
use crate::store::ExchangeRecord;

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &["domain"],
    filter_fields: &[],
};

fn self_url(base: &str, e: &ExchangeRecord) -> String {
    format!(
        "{base}/accounts/{}/exchange/{}/",
        e.account_number, e.domain
    )
}

/// `GET /accounts/{acct}/exchange`: `{"list": [{"domain", "version", "links"}], "links"}`.
pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let account = access::account(&state, &caller, &account).await?;
    let request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let mut exchanges = state.store.exchanges_of(account.id).await?;
    let url = format!("{base}/accounts/{}/exchange", account.number);
    if request.query.sort_desc {
        exchanges.reverse();
    }
    request
        .respond(exchanges.len() as u64, &url, async |page| {
            Ok(exchanges
                .iter()
                .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
                .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
                .map(|e| ExchangeListItem {
                    domain: e.domain.clone(),
                    version: e.version.clone(),
                    links: Link::own(self_url(&base, e)),
                })
                .collect())
        })
        .await
}

/// `GET /accounts/{acct}/exchange/{domain}`: the docs' shape plus `freeMailboxes` (included in
/// the plan), `usedMailboxes`, `mailboxPrice` (one beyond the free ones) and `nextMailboxPrice`
/// (what the next order costs: `[]` while a free one is left). Conditional by date.
pub async fn read(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path((account, domain)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let e = access::exchange(&state, &caller, &account, &domain).await?;
    if let Some(cached) = not_modified(&headers, e.updated_ms) {
        return Ok(cached);
    }
    let used = state.store.used_mailboxes(e.id).await?;
    let own = self_url(&base, &e);
    let related = |path: &str| Link::related(format!("{own}{path}/"));
    // Prices from the catalog; a plan it no longer offers shows no price (logged).
    let plan = state.catalog.plan(&e.franchise_name, &e.plan);
    if plan.is_none() {
        tracing::warn!(
            domain = e.domain,
            plan = e.plan,
            "plan missing from the catalog"
        );
    }
    let price = plan.map(|p| MoneyPair::new(p.mailbox_monthly, Some(p.currency)));
    let next = match plan {
        _ if used < e.free_mailboxes => Some(MoneyPair::new(Money::ZERO, None)),
        other => other.map(|p| MoneyPair::new(p.mailbox_monthly, Some(p.currency))),
    };
    let body = Exchange {
        mailboxes: related("mailboxes"),
        global_contacts: related("globalContacts"),
        mailing_lists: related("mailingLists"),
        email_aliases: related("emailAliases"),
        links: Link::own(own),
        free_mailboxes: e.free_mailboxes,
        used_mailboxes: used,
        mailbox_price: price,
        next_mailbox_price: next,
        domain: e.domain,
        version: e.version,
        plan: e.plan,
    };
    let mut response = Json(body).into_response();
    with_last_modified(&mut response, e.updated_ms);
    Ok(response)
}
