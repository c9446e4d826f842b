//! Order bodies. Hostway capitalises the order's own fields (`Status`, `Account`); the docs'
//! two come first, byte for byte as in the canonical example.

use serde::Serialize;
use utoipa::ToSchema;

use super::Link;
use crate::store::{OrderError, OrderStatus};

/// `GET /orders/{id}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"order": {"Status": "Processing", "Account": "http://127.0.0.1:8092/accounts/acct999999", "Items": [{"Type": "create_mailbox", "Mailbox": "a.a@myexchangedomain.com", "Plan": null, "Status": "Processing", "Error": null}], "Created": "2026-12-02T17:28:27Z", "Updated": "2026-12-02T17:28:27Z"}, "links": [{"href": "http://127.0.0.1:8092/orders/00000145ff9ba7e58e7c2c51007f000000010001/", "rel": "self"}]}))]
pub struct OrderDocument {
    pub order: OrderFields,
    pub links: Vec<Link>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OrderFields {
    pub status: OrderStatus,
    /// The account's URL.
    pub account: String,
    /// Why it failed (failed orders only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<OrderError>>,
    /// One per line of the order.
    pub items: Vec<OrderItem>,
    /// RFC 3339, UTC, to the second.
    pub created: String,
    pub updated: String,
}

/// One line of an order and how it went.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItem {
    /// `create_mailbox`, `close_mailbox`, `restore_mailbox`, `purge_mailbox`, `create_list`,
    /// `delete_list`, `add_archiving`, `add_blackberry`, `remove_archiving`,
    /// `remove_blackberry`, a step that carries a change to the mail platform
    /// (`update_mailbox`, `set_password`, `account_status`, `sync_address`), or a step of a
    /// generic order (`open_account`, `create_user`, `set_contacts`, `add_payment`,
    /// `create_exchange`, run one after another).
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// The mailbox's address (steps on a mailbox, list or address of a domain).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    /// What an onboarding step sets up (`open_account`, `create_user`, `set_contacts`,
    /// `add_payment`, `create_exchange`): the account number, the user name or the domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The catalog plan of a paid line (the add-on's name for a paid add-on); `null` otherwise.
    #[schema(required = true)]
    pub plan: Option<String>,
    pub status: OrderStatus,
    #[schema(required = true)]
    pub error: Option<OrderError>,
}

/// An order in `GET /orders`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderListItem {
    #[serde(rename = "orderId")]
    pub order_id: String,
    #[serde(rename = "Status")]
    pub status: OrderStatus,
    #[serde(rename = "Account")]
    pub account: String,
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Updated")]
    pub updated: String,
    /// The order's URL.
    pub details: String,
}
