//! The documented operations of webhooks (docs/webhooks.md): subscriptions, test events and
//! deliveries.
#![allow(dead_code)]

use crate::domain::webhook::{WebhookChange, WebhookRequest};
use crate::error::ErrorBody;
use crate::http::types::*;

#[utoipa::path(get, path = "/webhooks", tag = "Webhooks",
    summary = "The caller's webhook subscriptions",
    description = "An agent sees its franchise's subscriptions, an account user its account's. Sorted by `created` (default) or `url`; filters `url` and `status` (`active`, `disabled`).",
    responses((status = 200, body = ListBody<Webhook>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("basic" = [])))]
pub fn webhook_list() {}

#[utoipa::path(post, path = "/webhooks", tag = "Webhooks",
    summary = "Subscribe a URL to events",
    description = "Events: `order.status_changed`, `mailbox.created`, `mailbox.updated`, `mailbox.deleted`, `account.status_changed`, `emailAlias.created`, `emailAlias.deleted`, `globalContact.created`, `globalContact.updated`, `globalContact.deleted`, `mailingList.created`, `mailingList.updated` (its description or members), `mailingList.deleted`. An agent's subscription hears every account of its franchise, an account user's its account. The URL must not reach loopback, private, link-local or reserved addresses (checked now and at every delivery). `201` with the subscription and its `secret` (generated unless sent), shown only now: deliveries are signed with it (`X-Mailorder-Signature: v1=hex(HMAC-SHA256(secret, timestamp + \".\" + body))`, `X-Mailorder-Timestamp`). `409` beyond 100 subscriptions per franchise.",
    request_body(content = WebhookRequest, content_type = "application/json"),
    responses((status = 201, body = Webhook, headers(("Location" = String, description = "The subscription"))),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn webhook_create() {}

#[utoipa::path(get, path = "/webhooks/{webhook}", tag = "Webhooks",
    summary = "A webhook subscription",
    params(("webhook" = String, Path, example = "wh_3f2a9c0d4b5e6f708192a3b4")),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn webhook_read() {}

#[utoipa::path(put, path = "/webhooks/{webhook}", tag = "Webhooks",
    summary = "Change a webhook subscription",
    description = "What is sent changes: `url`, `events`, `secret` (shown in the answer), `active` (`1` turns a disabled subscription on again and forgets its failures, `0` off). The read-only fields of a `GET` may be sent back; others are refused by name. `200` with the subscription.",
    params(("webhook" = String, Path, example = "wh_3f2a9c0d4b5e6f708192a3b4")),
    request_body(content = WebhookChange, content_type = "application/json"),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn webhook_update() {}

#[utoipa::path(delete, path = "/webhooks/{webhook}", tag = "Webhooks",
    summary = "Delete a webhook subscription",
    description = "`204`; its pending deliveries go with it.",
    params(("webhook" = String, Path, example = "wh_3f2a9c0d4b5e6f708192a3b4")),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn webhook_delete() {}

#[utoipa::path(post, path = "/webhooks/{webhook}/test", tag = "Webhooks",
    summary = "Send a test event",
    description = "Queues a `webhook.test` event (`data` is `null`, `resource` the subscription) to it, even while it is disabled; `202` with the delivery's `Location`, which shows how it went.",
    params(("webhook" = String, Path, example = "wh_3f2a9c0d4b5e6f708192a3b4")),
    responses((status = 202, description = "Queued", headers(("Location" = String, description = "The delivery"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn webhook_test() {}

#[utoipa::path(get, path = "/webhooks/{webhook}/deliveries", tag = "Webhooks",
    summary = "A subscription's deliveries",
    description = "Its newest 1,000, each with its status (`pending`, `delivered`, `failed`), attempts, the last answer's status or error, and the next attempt. Sorted by `created` (oldest first; `sortOrder=desc` for the newest first); filters `type` and `status`.",
    params(("webhook" = String, Path, example = "wh_3f2a9c0d4b5e6f708192a3b4")),
    responses((status = 200, body = ListBody<WebhookDelivery>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn delivery_list() {}

#[utoipa::path(get, path = "/webhooks/{webhook}/deliveries/{delivery}", tag = "Webhooks",
    summary = "A delivery",
    params(("webhook" = String, Path, example = "wh_3f2a9c0d4b5e6f708192a3b4"), ("delivery" = String, Path, example = "dlv_9d1c0e7a5b3f4d2e8a6c0b1f2e3d4c5b")),
    responses((status = 200, body = WebhookDelivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn delivery_read() {}

/// What the types cannot say of the webhook bodies: the URL's pattern, the event types, the
/// secret's rules, closed bodies (a `PUT` may repeat a `GET`'s read-only fields).
pub fn refine_bodies(doc: &mut serde_json::Value) {
    use crate::domain::webhook::{EventKind, URL_PATTERN};
    use serde_json::json;
    let kinds: Vec<&str> = EventKind::SUBSCRIBABLE.iter().map(|k| k.as_str()).collect();
    let schemas = &mut doc["components"]["schemas"];
    for (name, nullable) in [("WebhookRequest", false), ("WebhookChange", true)] {
        let body = &mut schemas[name];
        body["additionalProperties"] = json!(false);
        let props = &mut body["properties"];
        let events = &mut props["events"];
        events["items"] = json!({"type": "string", "enum": kinds});
        events["minItems"] = json!(1);
        props["url"]["pattern"] = json!(URL_PATTERN);
        let secret = &mut props["secret"];
        secret["minLength"] = json!(16);
        secret["maxLength"] = json!(200);
        secret["pattern"] = json!("^[!-~]+$");
        if nullable {
            for read_only in crate::domain::webhook::READ_ONLY {
                props[read_only] = json!({"description": "Read-only (as a `GET` shows it): may be sent back, is ignored"});
            }
        }
    }
}
