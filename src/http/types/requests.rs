//! The small request bodies (the mailbox bodies are the domain's: `domain::MailboxCreateRequest`,
//! `domain::MailboxUpdateRequest`). Every field takes any JSON value (`Field`), so that the
//! handler reports each problem under its field's name.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::Field;

/// `POST /orders/{id}/action`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"action": "submit", "actionData": {}, "quoteHash": "0dd6b20d1ce3ae0e44882f3db11124d03f60ba53"}))]
pub struct OrderActionRequest {
    /// `validate` or `submit`.
    #[serde(default)]
    #[schema(value_type = String, required = true, example = "submit")]
    pub action: Field<String>,
    /// Hostway's; nothing in it is used.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub action_data: Field<serde_json::Map<String, serde_json::Value>>,
    /// The `quotehash` / `Hash` of a quote obtained earlier (40 hex digits); a price changed
    /// since is `409` with the current one.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[0-9a-fA-F]{40}$")]
    pub quote_hash: Field<String>,
}

/// `POST …/mailboxes/{username}/action`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"action": "restore"}))]
pub struct MailboxActionRequest {
    /// `restore`.
    #[serde(default)]
    #[schema(value_type = String, required = true, example = "restore")]
    pub action: Field<String>,
}

/// `PUT /accounts/{account}` (agents only).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"status": "suspended"}))]
pub struct AccountStatusRequest {
    /// `open`, `suspended` or `closed`.
    #[serde(default)]
    #[schema(value_type = String, required = true, example = "suspended")]
    pub status: Field<String>,
}
