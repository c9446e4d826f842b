//! The documented operations of mailing lists and their members (docs §2.10–2.11).
#![allow(dead_code)]

use crate::domain::{ListRequest, MemberRequest};
use crate::error::ErrorBody;
use crate::http::types::*;

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailingLists", tag = "Mailing lists",
    summary = "The domain's mailing lists",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    responses((status = 200, body = ListBody<MailingListItem>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn list_list() {}

#[utoipa::path(post, path = "/accounts/{account}/exchange/{domain}/mailingLists", tag = "Mailing lists",
    summary = "Order a mailing list",
    description = "Asynchronous: `202` with the `Location` of the order that creates it (and the `OwnerId` cookie); the list is `pending` until the order completes, then its address delivers to its members. `owner` must be a mailbox of the domain (`400`); `409` for a name that is a mailbox's, an alias's or a list's.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    request_body(content = ListRequest, content_type = "application/json"),
    responses((status = 202, description = "Accepted, no body", headers(("Location" = String, description = "The order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn list_create() {}

#[utoipa::path(options, path = "/accounts/{account}/exchange/{domain}/mailingLists", tag = "Mailing lists",
    summary = "What the list can be sorted and filtered by",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    responses((status = 200, body = ListOptions, headers(("Allow" = String))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn list_options() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}", tag = "Mailing lists",
    summary = "A mailing list",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team"), ("If-Modified-Since" = Option<String>, Header)),
    responses((status = 200, body = MailingListDocument, headers(("Last-Modified" = String))), (status = 304, description = "Not modified"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn list_read() {}

#[utoipa::path(put, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}", tag = "Mailing lists",
    summary = "Change a mailing list's description",
    description = "Only `description` changes; `name` and `owner` may be sent with their current values (a `GET` body sent back works). Also at the docs' `…/mailingList/{list}`.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team")),
    request_body(content = ListRequest, content_type = "application/json", example = json!({"description": "the sales team"})),
    responses((status = 204, description = "Changed", headers(("Location" = String, description = "The list"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The list changed meanwhile", body = ErrorBody)),
    security(("basic" = [])))]
pub fn list_update() {}

#[utoipa::path(put, path = "/accounts/{account}/exchange/{domain}/mailingList/{list}", tag = "Mailing lists",
    summary = "Change a mailing list's description (the docs' singular path)",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team")),
    request_body(content = ListRequest, content_type = "application/json", example = json!({"description": "the sales team"})),
    responses((status = 204, description = "Changed", headers(("Location" = String, description = "The list"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The list changed meanwhile", body = ErrorBody)),
    security(("basic" = [])))]
pub fn list_update_singular() {}

#[utoipa::path(delete, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}", tag = "Mailing lists",
    summary = "Delete a mailing list",
    description = "Asynchronous: `202` with the order that deletes it; its address stops delivering at once. `409` while its creation is under way.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team")),
    responses((status = 202, description = "Accepted, no body", headers(("Location" = String, description = "The order"), ("Set-Cookie" = String, description = "`OwnerId=<uuid>; Path=/`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn list_delete() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}/members", tag = "Mailing lists",
    summary = "A list's members: mailboxes and global contacts",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team")),
    responses((status = 200, body = ListBody<ListMember>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn member_list() {}

#[utoipa::path(post, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}/members", tag = "Mailing lists",
    summary = "Add a member: a mailbox (by username) or a global contact (by id) of the domain",
    description = "At once: `201` with the member's `Location`. `400` if `username` names neither; `409` if it is a member already.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team")),
    request_body(content = MemberRequest, content_type = "application/json"),
    responses((status = 201, description = "Added, no body", headers(("Location" = String, description = "The member"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn member_add() {}

#[utoipa::path(options, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}/members", tag = "Mailing lists",
    summary = "What the members can be sorted and filtered by",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team")),
    responses((status = 200, body = ListOptions, headers(("Allow" = String))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn member_options() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}/members/{member}", tag = "Mailing lists",
    summary = "A member",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team"), ("member" = String, Path, example = "john2")),
    responses((status = 200, body = ListMember), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn member_read() {}

#[utoipa::path(delete, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}/members/{member}", tag = "Mailing lists",
    summary = "Remove a member (the list stops delivering to it at once)",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team"), ("member" = String, Path, example = "john2")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn member_remove() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/mailingLists/{list}/nonMembers", tag = "Mailing lists",
    summary = "The domain's mailboxes and global contacts that are not in the list",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("list" = String, Path, example = "team")),
    responses((status = 200, body = ListBody<ListMember>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn non_member_list() {}
