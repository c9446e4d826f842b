//! `GET /accounts/{acct}/charges`: the account's ledger, the fees of its provisioned order
//! lines, oldest first, with Hostway's paging.

use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::State;
use super::access;
use super::extract::base_url;
use super::list::{ListRequest, ListSpec};
use super::orders::timestamp;
use crate::error::ApiResult;

const SPEC: ListSpec = ListSpec {
    sort_fields: &[],
    filter_fields: &[],
};

pub async fn list(
    state: State,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = state.auth.require(&headers).await?;
    let account = access::account(&state, &caller, &account).await?;
    let mut request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let base = base_url(&state, &headers);
    let url = format!("{base}/accounts/{}/charges", account.number);
    let total = state.store.count_charges(account.id).await?;
    if let Err(location) = request.plan(total, &url) {
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
    }
    let charges = if total == 0 {
        Vec::new()
    } else {
        state
            .store
            .list_charges(account.id, request.query.page)
            .await?
    };
    let list: Vec<Value> = charges
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "type": c.kind,
                "description": c.description,
                "amount": [c.amount.to_string(), c.currency.as_str()],
                "deferred": u8::from(c.deferred),
                "periodStart": c.period_start,
                "periodEnd": c.period_end,
                "recorded": timestamp(c.recorded_ms),
                "quoteHash": c.quote_hash,
                "order": format!("{base}/orders/{}", c.order_id),
            })
        })
        .collect();
    Ok(axum::Json(json!({"list": list, "links": request.links(total, &url)})).into_response())
}
