//! `GET /accounts/{acct}/charges`: the account's ledger, the fees of its provisioned order
//! lines, oldest first, with Hostway's paging.

use axum::extract::{Path, RawQuery};
use axum::response::Response;

use super::State;
use super::access;
use super::extract::{Auth, Base};
use super::list::{ListRequest, ListSpec};
use super::orders::timestamp;
use super::types::{Charge, MoneyPair};
use crate::error::ApiResult;

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &[],
    filter_fields: &[],
};

pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let account = access::account(&state, &caller, &account).await?;
    let request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let url = format!("{base}/accounts/{}/charges", account.number);
    let total = state.store.count_charges(account.id).await?;
    request
        .respond(total, &url, async |page| {
            let charges = state.store.list_charges(account.id, page).await?;
            Ok(charges
                .into_iter()
                .map(|c| Charge {
                    id: c.id,
                    kind: c.kind,
                    description: c.description,
                    amount: MoneyPair::always(c.amount, c.currency),
                    deferred: u8::from(c.deferred),
                    period_start: c.period_start,
                    period_end: c.period_end,
                    recorded: timestamp(c.recorded_ms),
                    quote_hash: c.quote_hash,
                    order: format!("{base}/orders/{}", c.order_id),
                })
                .collect())
        })
        .await
}
