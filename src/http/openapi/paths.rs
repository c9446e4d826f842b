//! One documented operation per route and method. The functions carry only the `utoipa`
//! attributes; the handlers are in the resource modules, and the test
//! `openapi::the_spec_covers_every_route` checks both lists against the router.
#![allow(dead_code)]

use super::schemas::*;

#[utoipa::path(get, path = "/accounts", tag = "Accounts",
    summary = "The accounts the caller may see, by number",
    params(("page" = Option<u64>, Query), ("pageSize" = Option<u64>, Query),
        ("filterStatus" = Option<String>, Query, description = "`pending`, `open`, `suspended`, `closed`, or a `*` pattern")),
    responses((status = 200, body = AccountList), (status = 303, description = "Paging redirect"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_list() {}

#[utoipa::path(get, path = "/accounts/{account}", tag = "Accounts",
    summary = "An account, with links to its Exchange domains and its ledger",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_read() {}

#[utoipa::path(put, path = "/accounts/{account}", tag = "Accounts",
    summary = "Suspend, close or reopen an account (agents); its mailboxes follow",
    description = "`suspended` or `closed`: the account's open mailboxes become `suspended` and stop logging in and receiving mail, their data kept. `open`: they come back. `409` while one of its mailboxes has an order open or a step in progress.",
    params(("account" = String, Path, example = "acct999999")),
    request_body(content = AccountStatusChange, content_type = "application/json", example = json!({"status": "suspended"})),
    responses((status = 204, description = "Changed"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("basic" = [])))]
pub fn account_update() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange", tag = "Exchange",
    summary = "The account's Exchange domains",
    params(("account" = String, Path, example = "acct999999"),
        ("page" = Option<u64>, Query), ("pageSize" = Option<u64>, Query),
        ("sortField" = Option<String>, Query, description = "`domain`"), ("sortOrder" = Option<String>, Query)),
    responses((status = 200, body = ExchangeList), (status = 303, description = "Paging redirect"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn exchange_list() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}", tag = "Exchange",
    summary = "A domain's Exchange resource and plan figures",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("If-Modified-Since" = Option<String>, Header)),
    responses((status = 200, body = Exchange, headers(("Last-Modified" = String))), (status = 304, description = "Not modified"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn exchange_read() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailboxes", tag = "Mailboxes",
    summary = "The mailbox list",
    description = "Hostway list conventions: `page` and `pageSize` together; without them a list over 100 redirects to page 1 (303); `pageSize` over 400 redirects to 400; a page past the end redirects to page 1.",
    params(("account" = String, Path), ("domain" = String, Path),
        ("page" = Option<u64>, Query), ("pageSize" = Option<u64>, Query),
        ("sortField" = Option<String>, Query, description = "`username`"), ("sortOrder" = Option<String>, Query, description = "`asc` or `desc`"),
        ("filterUsername" = Option<String>, Query, description = "`*` wildcards"),
        ("filterBillingStatus" = Option<String>, Query), ("includeAddOns" = Option<u8>, Query)),
    responses((status = 200, body = MailboxList), (status = 303, description = "Paging redirect"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_list() {}

#[utoipa::path(post, path = "/accounts/{account}/exchange/{domain}/mailboxes", tag = "Mailboxes",
    summary = "Order a mailbox",
    description = "While the plan has an included mailbox left, the order is submitted at once: `202` with `Location` of the order and the `OwnerId` cookie, no body. Otherwise the mailbox becomes a paid line of the caller's open order (the one its `OwnerId` cookie owns, or a new one): `202` with the cookie and the compact quote; submit it with `POST /orders/{id}/action`.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("OwnerId" = Option<String>, Cookie, description = "Joins the owner's open order (paid mailboxes)")),
    request_body(content = MailboxCreate, content_type = "application/json",
        example = json!({"owner": {"username": "a.a", "password": "tester1234"}, "admin": 0, "notes": "some text", "recipientLimit": 10, "deliverRedirect": "zsds", "forwardTo": "asdasd", "name": {"name": "John Smith", "company": "My Company", "department": "Sales", "title": "President"}, "address": {"address": "100 Main St.", "city": "Chicago", "state": "IL", "zip": "60001", "country": "US"}, "phones": {"businessPhone": "555-555-5501", "homePhone": "555-555-5502", "fax": "555-555-5503", "mobile": "555-555-5504"}})),
    responses(
        (status = 202, description = "Accepted: a free mailbox (`Location`, no body) or a paid one (quote body)", body = CompactQuote,
            headers(("Location" = String, description = "Free mailboxes: the order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_create() {}

#[utoipa::path(options, path = "/accounts/{account}/exchange/{domain}/mailboxes", tag = "Mailboxes",
    summary = "What the list can be sorted and filtered by",
    params(("account" = String, Path), ("domain" = String, Path)),
    responses((status = 200, body = ListOptions, headers(("Allow" = String))), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_options() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}", tag = "Mailboxes",
    summary = "A mailbox",
    params(("account" = String, Path), ("domain" = String, Path), ("username" = String, Path, example = "a.a"),
        ("If-Modified-Since" = Option<String>, Header)),
    responses((status = 200, body = Mailbox, headers(("Last-Modified" = String))), (status = 304, description = "Not modified"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_read() {}

#[utoipa::path(put, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}", tag = "Mailboxes",
    summary = "Change a mailbox (fields left out stay)",
    params(("account" = String, Path), ("domain" = String, Path), ("username" = String, Path),
        ("passwordReset" = Option<u8>, Query, description = "1 with a new `password`")),
    request_body(content = MailboxUpdate, content_type = "application/json", example = json!({"notes": "moved to sales", "recipientLimit": 50})),
    responses((status = 204, description = "Changed", headers(("Location" = String),
            ("X-Mailorder-Order" = String, description = "Only for mailboxes on the http agent: the order that carries the change to the platform"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_update() {}

#[utoipa::path(delete, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}", tag = "Mailboxes",
    summary = "Purge (default) or close a mailbox; an order",
    params(("account" = String, Path), ("domain" = String, Path), ("username" = String, Path),
        ("purge" = Option<u8>, Query, description = "1 (default) removes it and its mail; 0 (agents) closes it, restorable")),
    responses((status = 202, description = "Accepted", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_delete() {}

#[utoipa::path(post, path = "/accounts/{account}/exchange/{domain}/mailboxes/{username}/action", tag = "Mailboxes",
    summary = "Restore a closed mailbox; an order",
    params(("account" = String, Path), ("domain" = String, Path), ("username" = String, Path)),
    request_body(content = MailboxAction, content_type = "application/json", example = json!({"action": "restore"})),
    responses((status = 202, description = "Accepted", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn mailbox_action() {}

#[utoipa::path(get, path = "/accounts/{account}/charges", tag = "Billing",
    summary = "The account's ledger: fees of provisioned order lines",
    params(("account" = String, Path), ("page" = Option<u64>, Query), ("pageSize" = Option<u64>, Query)),
    responses((status = 200, body = ChargeList), (status = 303, description = "Paging redirect"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn charges_list() {}

#[utoipa::path(get, path = "/orders", tag = "Orders",
    summary = "The caller's orders, newest first",
    params(("page" = Option<u64>, Query), ("pageSize" = Option<u64>, Query),
        ("filterStatus" = Option<String>, Query, description = "`new`, `Processing`, `Completed`, `Failed`, `Cancelled`, or a `*` pattern"),
        ("sortField" = Option<String>, Query, description = "`created`"), ("sortOrder" = Option<String>, Query)),
    responses((status = 200, body = OrderList), (status = 303, description = "Paging redirect"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("basic" = [])))]
pub fn order_list() {}

#[utoipa::path(get, path = "/orders/{order}", tag = "Orders",
    summary = "An order's status",
    params(("order" = String, Path, example = "00000145ff9ba7e58e7c2c51007f000000010001")),
    responses((status = 200, body = Order, example = json!({"order": {"Status": "Processing", "Account": "http://127.0.0.1:8092/accounts/acct999999"}, "links": [{"href": "http://127.0.0.1:8092/orders/00000145ff9ba7e58e7c2c51007f000000010001/", "rel": "self"}]})),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = []), ("ownerId" = [])))]
pub fn order_read() {}

#[utoipa::path(delete, path = "/orders/{order}", tag = "Orders",
    summary = "Cancel an open order, releasing its names",
    params(("order" = String, Path)),
    responses((status = 204, description = "Cancelled"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 405, description = "Already submitted", body = ErrorBody)),
    security(("basic" = []), ("ownerId" = [])))]
pub fn order_cancel() {}

#[utoipa::path(post, path = "/orders/{order}/action", tag = "Orders",
    summary = "Validate or submit an open order",
    params(("order" = String, Path)),
    request_body(content = OrderAction, content_type = "application/json", example = json!({"action": "submit", "actionData": {}, "quoteHash": "0dd6b20d1ce3ae0e44882f3db11124d03f60ba53"})),
    responses((status = 202, description = "Submitted", headers(("Location" = String))), (status = 204, description = "Valid"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Stale `quoteHash` (current one in `details`), or not open", body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("basic" = []), ("ownerId" = [])))]
pub fn order_action() {}

#[utoipa::path(get, path = "/orders/{order}/quote", tag = "Orders",
    summary = "The order's full quote",
    params(("order" = String, Path)),
    responses((status = 200, body = FullQuote), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = []), ("ownerId" = [])))]
pub fn order_quote() {}

#[utoipa::path(get, path = "/order", tag = "Order shorthand",
    summary = "The cookie's open order (with an `alternate` link to it)",
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)),
    security(("ownerId" = [])))]
pub fn current_read() {}

#[utoipa::path(delete, path = "/order", tag = "Order shorthand",
    summary = "Cancel the cookie's open order",
    responses((status = 204, description = "Cancelled"), (status = 404, body = ErrorBody)),
    security(("ownerId" = [])))]
pub fn current_cancel() {}

#[utoipa::path(post, path = "/order/action", tag = "Order shorthand",
    summary = "Validate or submit the cookie's open order",
    request_body(content = OrderAction, content_type = "application/json"),
    responses((status = 202, description = "Submitted", headers(("Location" = String, description = "The explicit order"))),
        (status = 204, description = "Valid"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("ownerId" = [])))]
pub fn current_action() {}

#[utoipa::path(get, path = "/order/quote", tag = "Order shorthand",
    summary = "The cookie's open order's full quote",
    responses((status = 200, body = FullQuote), (status = 404, body = ErrorBody)),
    security(("ownerId" = [])))]
pub fn current_quote() {}

#[utoipa::path(get, path = "/healthz", tag = "Operations", summary = "The process answers",
    responses((status = 200, body = Health)))]
pub fn healthz() {}

#[utoipa::path(get, path = "/readyz", tag = "Operations",
    summary = "Database reachable, migrations applied, workers running",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub fn readyz() {}

#[utoipa::path(get, path = "/metrics", tag = "Operations", summary = "Prometheus metrics (OpenMetrics text)",
    responses((status = 200, description = "The exposition", content_type = "application/openmetrics-text", body = String)))]
pub fn metrics() {}

#[utoipa::path(get, path = "/openapi.json", tag = "Operations", summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub fn openapi_json() {}

#[utoipa::path(get, path = "/docs", tag = "Operations", summary = "This document as a page (no external assets)",
    responses((status = 200, description = "HTML", content_type = "text/html", body = String)))]
pub fn docs() {}
