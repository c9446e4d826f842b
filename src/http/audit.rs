//! The audit log over HTTP: the layer that records every mutating call, and `GET /audit`, a
//! franchise's entries for its agents, with Hostway's list conventions.

use std::sync::{Arc, Mutex};

use axum::extract::{RawQuery, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use super::State;
use super::extract::{Auth, Base};
use super::list::{ListRequest, ListSpec};
use super::observe::Route;
use super::types::AuditEntry;
use crate::audit::{SCOPE, Scope};
use crate::auth::CLIENT_ADDR;
use crate::error::{ApiError, ApiResult, REQUEST_ID};
use crate::store::{AuditQuery, Role};

pub(crate) const SPEC: ListSpec = ListSpec {
    sort_fields: &["time"],
    filter_fields: &[
        ("principal", &[]),
        ("account", &[]),
        ("action", &[]),
        ("target", &[]),
        ("result", &[]),
        ("requestId", &[]),
    ],
};

fn mutating(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::DELETE | Method::PATCH
    )
}

/// The layer: a mutating call runs in an audit scope, and its entry is queued when it is
/// answered (whatever the answer).
pub async fn record(state: State, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if !mutating(&method) {
        return next.run(request).await;
    }
    let target = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |pq| pq.as_str().to_owned(),
    );
    let cookie =
        super::extract::owner_cookie(request.headers()) != super::extract::OwnerCookie::Absent;
    let scope = Arc::new(Mutex::new(Scope::default()));
    let response = SCOPE.scope(Arc::clone(&scope), next.run(request)).await;
    let Scope {
        principal,
        franchise_id,
        account,
    } = scope.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let route = response
        .extensions()
        .get::<Route>()
        .map_or("(no route)", |r| r.0.as_str());
    let principal =
        principal.unwrap_or_else(|| if cookie { "cookie" } else { "anonymous" }.to_owned());
    let event = crate::store::AuditEvent {
        at_ms: crate::now_ms(),
        request_id: REQUEST_ID.try_with(Clone::clone).ok(),
        principal,
        franchise_id,
        account,
        action: format!("{method} {route}"),
        target,
        result: response.status().as_u16().to_string(),
        client: CLIENT_ADDR.try_with(ToString::to_string).ok(),
    };
    state.audit.record(event).await;
    response
}

/// A time with milliseconds, RFC 3339 in UTC.
fn time_ms(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// `GET /audit`: the caller's franchise's entries, newest first unless `sortOrder=asc`;
/// franchise agents only.
pub async fn list(
    state: State,
    Auth(caller): Auth,
    Base(base): Base,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    if caller.role != Role::Agent {
        return Err(ApiError::Forbidden(
            "Unauthorized: Audit failed permission check".into(),
        ));
    }
    let request = ListRequest::parse(query.as_deref(), &SPEC, &[])?;
    let mut audit = AuditQuery {
        franchise_id: caller.franchise_id,
        filters: request.query.filters.clone(),
        newest_first: !request.sort_given() || request.query.sort_desc,
        page: request.query.page,
    };
    let url = format!("{base}/audit");
    let total = state.store.count_audit(&audit).await?;
    request
        .respond(total, &url, async |page| {
            audit.page = page;
            let records = state.store.list_audit(&audit).await?;
            Ok(records
                .into_iter()
                .map(|r| AuditEntry {
                    id: r.id,
                    time: time_ms(r.event.at_ms),
                    request_id: r.event.request_id,
                    principal: r.event.principal,
                    account: r.event.account,
                    action: r.event.action,
                    target: r.event.target,
                    result: r.event.result,
                    client: r.event.client,
                })
                .collect())
        })
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_have_milliseconds() {
        assert_eq!(
            super::time_ms(1_765_108_800_123),
            "2025-12-07T12:00:00.123Z"
        );
        assert_eq!(super::time_ms(0), "1970-01-01T00:00:00.000Z");
    }
}
