//! One documented operation per route and method, with the bodies the handlers build
//! (`http::types`, `error::ErrorBody`, the domain's request bodies). The answers every operation
//! shares (`401`/`429` with credentials, `400`/`413`/`415` with a body, `500`, `503`) are added
//! to the document in `openapi::document`, and so are the lists' paging, sorting and filtering
//! parameters, from the handlers' own `ListSpec`s. The functions carry only the attributes; the test
//! `openapi::the_spec_covers_every_route` checks this list against the router.
#![allow(dead_code)]

use crate::domain::{MailboxCreateRequest, MailboxUpdateRequest};
use crate::error::ErrorBody;
use crate::http::types::*;

#[utoipa::path(get, path = "/accounts", tag = "Accounts",
    summary = "The accounts the caller may see, by number",
    responses((status = 200, body = ListBody<AccountListItem>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_list() {}

#[utoipa::path(get, path = "/accounts/{account}", tag = "Accounts",
    summary = "An account, with links to its Exchange domains and its ledger",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_read() {}

#[utoipa::path(put, path = "/accounts/{account}", tag = "Accounts",
    summary = "Suspend, close or reopen an account (agents); its mailboxes follow",
    description = "`suspended` or `closed`: the account's open mailboxes become `suspended` and stop logging in and receiving mail, their data kept. `open`: they come back. `409` while one of its mailboxes has an order open or a step in progress.",
    params(("account" = String, Path, example = "acct999999")),
    request_body(content = AccountStatusRequest, content_type = "application/json"),
    responses((status = 204, description = "Changed"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_update() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange", tag = "Exchange",
    summary = "The account's Exchange domains",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = ListBody<ExchangeListItem>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn exchange_list() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}", tag = "Exchange",
    summary = "A domain's Exchange resource and plan figures",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("If-Modified-Since" = Option<String>, Header)),
    responses((status = 200, body = Exchange, headers(("Last-Modified" = String))), (status = 304, description = "Not modified"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn exchange_read() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailboxes", tag = "Mailboxes",
    summary = "The mailbox list",
    description = "Hostway list conventions: `page` and `pageSize` together; without them a list over 100 redirects to page 1 (303); `pageSize` over 400 redirects to 400; a page past the end redirects to page 1.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("includeAddOns" = Option<u8>, Query, maximum = 1)),
    responses((status = 200, body = ListBody<MailboxListItem>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_list() {}

#[utoipa::path(post, path = "/accounts/{account}/exchange/{domain}/mailboxes", tag = "Mailboxes",
    summary = "Order a mailbox",
    description = "While the plan has an included mailbox left, the order is submitted at once: `202` with `Location` of the order and the `OwnerId` cookie, and no body (Hostway's canonical example). Otherwise the mailbox becomes a paid line of the caller's open order (the one its `OwnerId` cookie owns, or a new one): `202` with the cookie and the compact quote (`CompactQuote`, `application/json`); submit it with `POST /orders/{id}/action`. Because the same status may or may not carry a body, the `202` declares no content: read `Content-Type` (or the body's length) and parse a present body as `CompactQuote` (`x-optional-body`).",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("OwnerId" = Option<String>, Cookie, description = "Joins the owner's open order (paid mailboxes)")),
    request_body(content = MailboxCreateRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Accepted. A free mailbox: `Location` and the cookie, no body; Hostway's example answers `Location: http://coreapi01.ote.chicago.hostway:8092/orders/00000145ff9ba7e58e7c2c51007f000000010001` and `Set-Cookie: OwnerId=f9cafb10-2e85-4b1a-bd69-1b1a91437d50; Path=/`. A paid one: the cookie and the compact quote (`CompactQuote`).",
            headers(("Location" = String, description = "Free mailboxes: the order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_create() {}

#[utoipa::path(options, path = "/accounts/{account}/exchange/{domain}/mailboxes", tag = "Mailboxes",
    summary = "What the list can be sorted and filtered by",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    responses((status = 200, body = ListOptions, headers(("Allow" = String))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_options() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}", tag = "Mailboxes",
    summary = "A mailbox",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("username" = String, Path, example = "a.a"), ("If-Modified-Since" = Option<String>, Header)),
    responses((status = 200, body = Mailbox, headers(("Last-Modified" = String))), (status = 304, description = "Not modified"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_read() {}

#[utoipa::path(put, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}", tag = "Mailboxes",
    summary = "Change a mailbox (fields left out stay)",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("username" = String, Path, example = "a.a"),
        ("passwordReset" = Option<u8>, Query, maximum = 1, description = "1 with a new `password`")),
    request_body(content = MailboxUpdateRequest, content_type = "application/json",
        example = json!({"notes": "moved to sales", "recipientLimit": 50, "forwardTo": null})),
    responses((status = 204, description = "Changed", headers(("Location" = String),
            ("X-Mailorder-Order" = String, description = "Only for mailboxes on the http agent: the order that carries the change to the platform"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_update() {}

#[utoipa::path(delete, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}", tag = "Mailboxes",
    summary = "Purge (default) or close a mailbox; an order",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("username" = String, Path, example = "a.a"),
        ("purge" = Option<u8>, Query, maximum = 1, description = "1 (default) removes it and its mail; 0 (agents) closes it, restorable")),
    responses((status = 202, description = "Accepted", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_delete() {}

#[utoipa::path(post, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}/action", tag = "Mailboxes",
    summary = "Restore a closed mailbox; an order",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("username" = String, Path, example = "a.a")),
    request_body(content = MailboxActionRequest, content_type = "application/json"),
    responses((status = 202, description = "Accepted", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_action() {}

#[utoipa::path(get, path = "/accounts/{account}/charges", tag = "Billing",
    summary = "The account's ledger: fees of provisioned order lines",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = ListBody<Charge>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn charges_list() {}

#[utoipa::path(get, path = "/orders", tag = "Orders",
    summary = "The caller's orders, newest first",
    responses((status = 200, body = ListBody<OrderListItem>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("basic" = [])))]
pub fn order_list() {}

#[utoipa::path(get, path = "/audit", tag = "Audit",
    summary = "The franchise's audit log, newest first (agents)",
    description = "Every mutating call (its principal, account, route, path, status, request id and client address) and every provisioning step of the caller's franchise, kept for `--audit-retention-days`. Never a secret: passwords, cookies and credentials are not recorded. Calls refused before they were authenticated to a franchise (a wrong login, a rate limit) are not listed to anyone.",
    responses((status = 200, body = ListBody<AuditEntry>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, description = "Not a franchise agent", body = ErrorBody)),
    security(("basic" = [])))]
pub fn audit_list() {}

#[utoipa::path(get, path = "/orders/{order}", tag = "Orders",
    summary = "An order's status",
    params(("order" = String, Path, example = "00000145ff9ba7e58e7c2c51007f000000010001")),
    responses((status = 200, body = OrderDocument),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = []), ("ownerId" = [])))]
pub fn order_read() {}

#[utoipa::path(delete, path = "/orders/{order}", tag = "Orders",
    summary = "Cancel an open order, releasing its names",
    params(("order" = String, Path, example = "00000145ff9ba7e58e7c2c51007f000000010001")),
    responses((status = 204, description = "Cancelled"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 405, description = "Already submitted", body = ErrorBody)),
    security(("basic" = []), ("ownerId" = [])))]
pub fn order_cancel() {}

#[utoipa::path(post, path = "/orders/{order}/action", tag = "Orders",
    summary = "Validate or submit an open order",
    params(("order" = String, Path, example = "00000145ff9ba7e58e7c2c51007f000000010001")),
    request_body(content = OrderActionRequest, content_type = "application/json"),
    responses((status = 202, description = "Submitted", headers(("Location" = String))), (status = 204, description = "Valid"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Stale `quoteHash` (current one in `details`), or not open", body = ErrorBody)),
    security(("basic" = []), ("ownerId" = [])))]
pub fn order_action() {}

#[utoipa::path(get, path = "/orders/{order}/quote", tag = "Orders",
    summary = "The order's full quote",
    params(("order" = String, Path, example = "00000145ff9ba7e58e7c2c51007f000000010001")),
    responses((status = 200, body = FullQuote), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = []), ("ownerId" = [])))]
pub fn order_quote() {}

#[utoipa::path(get, path = "/order", tag = "Order shorthand",
    summary = "The cookie's open order (with an `alternate` link to it)",
    responses((status = 200, body = OrderDocument), (status = 404, body = ErrorBody)),
    security(("ownerId" = [])))]
pub fn current_read() {}

#[utoipa::path(delete, path = "/order", tag = "Order shorthand",
    summary = "Cancel the cookie's open order",
    responses((status = 204, description = "Cancelled"), (status = 404, body = ErrorBody),
        (status = 405, description = "Submitted meanwhile", body = ErrorBody)),
    security(("ownerId" = [])))]
pub fn current_cancel() {}

#[utoipa::path(post, path = "/order/action", tag = "Order shorthand",
    summary = "Validate or submit the cookie's open order",
    request_body(content = OrderActionRequest, content_type = "application/json"),
    responses((status = 202, description = "Submitted", headers(("Location" = String, description = "The explicit order"))),
        (status = 204, description = "Valid"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("ownerId" = [])))]
pub fn current_action() {}

#[utoipa::path(get, path = "/order/quote", tag = "Order shorthand",
    summary = "The cookie's open order's full quote",
    responses((status = 200, body = FullQuote), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("ownerId" = [])))]
pub fn current_quote() {}

#[utoipa::path(get, path = "/healthz", tag = "Operations", summary = "The process answers",
    responses((status = 200, description = "Alive", body = Health)))]
pub fn healthz() {}

#[utoipa::path(get, path = "/readyz", tag = "Operations",
    summary = "Database reachable, migrations applied, workers running",
    responses((status = 200, description = "Ready", body = Readiness), (status = 503, description = "Not ready: the failing check says why", body = Readiness)))]
pub fn readyz() {}

#[utoipa::path(get, path = "/metrics", tag = "Operations", summary = "Prometheus metrics (OpenMetrics text)",
    responses((status = 200, description = "The exposition", content_type = "application/openmetrics-text", body = String),
        (status = 401, description = "With `--metrics-token`: the bearer token missing or wrong", body = ErrorBody)))]
pub fn metrics() {}

#[utoipa::path(get, path = "/openapi.json", tag = "Operations", summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub fn openapi_json() {}

#[utoipa::path(get, path = "/docs", tag = "Operations", summary = "This document as a page (no external assets)",
    responses((status = 200, description = "HTML", content_type = "text/html", body = String)))]
pub fn docs() {}
