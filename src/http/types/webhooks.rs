//! Webhook subscriptions and their deliveries as the API shows them.

use serde::Serialize;
use utoipa::ToSchema;

use super::Link;

/// `GET /webhooks/{id}` and the items of `GET /webhooks`; `POST` answers it with the `secret`,
/// shown that once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    #[schema(example = "wh_3f2a9c0d4b5e6f708192a3b4")]
    pub id: String,
    #[schema(example = "https://shop.example.com/hooks/mailorder")]
    pub url: String,
    #[schema(example = json!(["order.status_changed", "mailbox.created"]))]
    pub events: Vec<String>,
    /// `active`, or `disabled` (by its owner, or after 24 hours of failed deliveries).
    #[schema(example = "active")]
    pub status: &'static str,
    /// Why it was turned off, when it was turned off by failures.
    pub disabled_reason: Option<String>,
    /// The account whose events it hears; `null` for an agent's: every account of the
    /// franchise.
    pub account: Option<String>,
    /// RFC 3339.
    pub created: String,
    pub updated: String,
    /// The signing secret: only in the answer to `POST` (and to a `PUT` that sets one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `self`, and its deliveries as `related`.
    pub links: Vec<Link>,
}

/// One event for one subscription: `GET /webhooks/{id}/deliveries/{delivery}` and the items of
/// `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    #[schema(example = "dlv_9d1c0e7a5b3f4d2e8a6c0b1f2e3d4c5b")]
    pub id: String,
    /// The event's id (the body's `id`; the same for every subscription that hears it).
    pub event: String,
    #[schema(example = "order.status_changed")]
    pub r#type: String,
    /// The resource the event is about.
    pub resource: String,
    /// `pending` (to be tried at `nextAttempt`), `delivered` or `failed` (given up after 24
    /// hours).
    #[schema(example = "delivered")]
    pub status: String,
    pub attempts: i64,
    /// The last attempt's HTTP status, if the receiver answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it is tried next (pending ones); RFC 3339.
    pub next_attempt: Option<String>,
    pub created: String,
    pub updated: String,
    pub links: Vec<Link>,
}
