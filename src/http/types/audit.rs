//! The audit log's entries as `GET /audit` shows them.

use serde::Serialize;
use utoipa::ToSchema;

/// One audit entry: a mutating API call or a provisioning step.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    #[schema(example = 1042)]
    pub id: i64,
    /// When (RFC 3339, UTC, milliseconds).
    #[schema(example = "2026-12-07T12:00:00.123Z")]
    pub time: String,
    /// The request's `X-Request-Id` (`null` for a worker's step).
    pub request_id: Option<String>,
    /// Who: the login (`qwe@partner_api_developer_us_main`, `a.a@example.com`), `cookie` (an
    /// `OwnerId` cookie alone), `anonymous`, or `worker` (a provisioning step).
    #[schema(example = "qwe@partner_api_developer_us_main")]
    pub principal: String,
    /// The account touched, when known.
    #[schema(example = "acct999999")]
    pub account: Option<String>,
    /// `METHOD /route/{template}`, or `step <kind>` for a provisioning step.
    #[schema(example = "POST /accounts/{account}/exchange/{domain}/mailboxes")]
    pub action: String,
    /// The path called (with its query), or what a step worked on.
    #[schema(example = "/accounts/acct999999/exchange/myexchangedomain.com/mailboxes")]
    pub target: String,
    /// The HTTP status, or a step's outcome (`Completed`, `Failed: <reason>`, `retry: <reason>`).
    #[schema(example = "202")]
    pub result: String,
    /// The client's address (`null` for a worker's step).
    #[schema(example = "203.0.113.7")]
    pub client: Option<String>,
}
