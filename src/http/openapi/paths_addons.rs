//! The documented operations of mailbox add-ons (docs §2.7): archiving and BlackBerry.
#![allow(dead_code)]

use crate::error::ErrorBody;
use crate::http::types::*;

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}/archiving", tag = "Mailbox add-ons",
    summary = "The mailbox's archiving add-on",
    description = "`404` when the mailbox does not have it (not ordered, or removed). `billingStatus` is `new` while the add-on is in an order not yet submitted, `pending` while it is provisioned, `open` once the mailbox has it (its `archiving` field is then 1), `purge_pending` while an order removes it.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"), ("username" = String, Path, example = "john2")),
    responses((status = 200, body = AddOnDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn archiving_read() {}

#[utoipa::path(put, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}/archiving", tag = "Mailbox add-ons",
    summary = "Order the archiving add-on for the mailbox",
    description = "No body. Priced from the catalog: a free add-on is an order of its own, submitted at once; a paid one becomes a line of the caller's open order (the `OwnerId` cookie's, or a new one), which is then quoted and submitted like a paid mailbox (`/orders/{id}/action`), and charged in the account's ledger once provisioned. `202` with the order's `Location` and the cookie, no body. `409` if the mailbox has the add-on already (or it is in an order), or the mailbox is not `open`; `403` if the franchise's catalog does not offer it.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"), ("username" = String, Path, example = "john2")),
    responses((status = 202, description = "Accepted, no body", headers(("Location" = String, description = "The order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn archiving_put() {}

#[utoipa::path(delete, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}/archiving", tag = "Mailbox add-ons",
    summary = "Remove the archiving add-on from the mailbox",
    description = "Through an order submitted at once: `202` with its `Location`; the add-on is `purge_pending` until the order completes, then gone (`404`) and the mailbox's `archiving` field 0. `404` if the mailbox does not have it; `409` while it is being added or removed.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"), ("username" = String, Path, example = "john2")),
    responses((status = 202, description = "Accepted, no body", headers(("Location" = String, description = "The order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn archiving_delete() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}/blackberry", tag = "Mailbox add-ons",
    summary = "The mailbox's BlackBerry add-on",
    description = "`404` when the mailbox does not have it (not ordered, or removed). `billingStatus` is `new` while the add-on is in an order not yet submitted, `pending` while it is provisioned, `open` once the mailbox has it (its `blackberry` field is then 1), `purge_pending` while an order removes it.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"), ("username" = String, Path, example = "john2")),
    responses((status = 200, body = AddOnDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn blackberry_read() {}

#[utoipa::path(put, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}/blackberry", tag = "Mailbox add-ons",
    summary = "Order the BlackBerry add-on for the mailbox",
    description = "No body. Priced from the catalog: a free add-on is an order of its own, submitted at once; a paid one becomes a line of the caller's open order (the `OwnerId` cookie's, or a new one), which is then quoted and submitted like a paid mailbox (`/orders/{id}/action`), and charged in the account's ledger once provisioned. `202` with the order's `Location` and the cookie, no body. `409` if the mailbox has the add-on already (or it is in an order), or the mailbox is not `open`; `403` if the franchise's catalog does not offer it.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"), ("username" = String, Path, example = "john2")),
    responses((status = 202, description = "Accepted, no body", headers(("Location" = String, description = "The order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn blackberry_put() {}

#[utoipa::path(delete, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}/blackberry", tag = "Mailbox add-ons",
    summary = "Remove the BlackBerry add-on from the mailbox",
    description = "Through an order submitted at once: `202` with its `Location`; the add-on is `purge_pending` until the order completes, then gone (`404`) and the mailbox's `blackberry` field 0. `404` if the mailbox does not have it; `409` while it is being added or removed.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"), ("username" = String, Path, example = "john2")),
    responses((status = 202, description = "Accepted, no body", headers(("Location" = String, description = "The order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn blackberry_delete() {}
