//! The documented operations of the Exchange directory objects (docs §2.8–2.9): e-mail aliases
//! and global contacts.
#![allow(dead_code)]

use crate::domain::{AliasCreateRequest, ContactRequest};
use crate::error::ErrorBody;
use crate::http::types::*;

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/emailAliases", tag = "E-mail aliases",
    summary = "The domain's e-mail aliases (also at `…/emailaliases`)",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    responses((status = 200, body = ListBody<EmailAlias>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn alias_list() {}

#[utoipa::path(post, path = "/accounts/{account}/exchange/{domain}/emailAliases", tag = "E-mail aliases",
    summary = "Add an e-mail alias of a mailbox of the domain",
    description = "At once: the alias delivers to its mailbox when the `201` arrives. `400` names a target that is not a mailbox of this domain, or the alias itself; `409` a name that is already a mailbox's, an alias's or a list's.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    request_body(content = AliasCreateRequest, content_type = "application/json"),
    responses((status = 201, description = "Created, no body", headers(("Location" = String, description = "The alias"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn alias_create() {}

#[utoipa::path(options, path = "/accounts/{account}/exchange/{domain}/emailAliases", tag = "E-mail aliases",
    summary = "What the list can be sorted and filtered by",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    responses((status = 200, body = ListOptions, headers(("Allow" = String))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn alias_options() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/emailAliases/{alias}", tag = "E-mail aliases",
    summary = "An e-mail alias",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("alias" = String, Path, example = "sales"), ("If-Modified-Since" = Option<String>, Header)),
    responses((status = 200, body = EmailAlias, headers(("Last-Modified" = String))), (status = 304, description = "Not modified"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn alias_read() {}

#[utoipa::path(delete, path = "/accounts/{account}/exchange/{domain}/emailAliases/{alias}", tag = "E-mail aliases",
    summary = "Remove an e-mail alias (its address stops delivering at once)",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("alias" = String, Path, example = "sales")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn alias_delete() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/globalContacts", tag = "Global contacts",
    summary = "The domain's global contacts",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    responses((status = 200, body = ListBody<GlobalContactListItem>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn contact_list() {}

#[utoipa::path(post, path = "/accounts/{account}/exchange/{domain}/globalContacts", tag = "Global contacts",
    summary = "Add a global contact",
    description = "`target` is required; `409` if the domain has a contact with that target.",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    request_body(content = ContactRequest, content_type = "application/json"),
    responses((status = 201, description = "Created, no body", headers(("Location" = String, description = "The contact"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn contact_create() {}

#[utoipa::path(options, path = "/accounts/{account}/exchange/{domain}/globalContacts", tag = "Global contacts",
    summary = "What the list can be sorted and filtered by",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com")),
    responses((status = 200, body = ListOptions, headers(("Allow" = String))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn contact_options() {}

#[utoipa::path(get, path = "/accounts/{account}/exchange/{domain}/globalContacts/{contact}", tag = "Global contacts",
    summary = "A global contact",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("contact" = String, Path, example = "00000136a13b95a2f4f587fd000ae6fa2cb8a7d8"), ("If-Modified-Since" = Option<String>, Header)),
    responses((status = 200, body = GlobalContactDocument, headers(("Last-Modified" = String))), (status = 304, description = "Not modified"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn contact_read() {}

#[utoipa::path(put, path = "/accounts/{account}/exchange/{domain}/globalContacts/{contact}", tag = "Global contacts",
    summary = "Change a global contact (fields left out stay)",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("contact" = String, Path, example = "00000136a13b95a2f4f587fd000ae6fa2cb8a7d8")),
    request_body(content = ContactRequest, content_type = "application/json",
        example = json!({"target": "new@test.com", "name": {"name": "First Last"}})),
    responses((status = 204, description = "Changed", headers(("Location" = String, description = "The contact"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Another contact has that target, or the contact changed meanwhile", body = ErrorBody)),
    security(("basic" = [])))]
pub fn contact_update() {}

#[utoipa::path(delete, path = "/accounts/{account}/exchange/{domain}/globalContacts/{contact}", tag = "Global contacts",
    summary = "Remove a global contact",
    params(("account" = String, Path, example = "acct999999"), ("domain" = String, Path, example = "myexchangedomain.com"),
        ("contact" = String, Path, example = "00000136a13b95a2f4f587fd000ae6fa2cb8a7d8")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn contact_delete() {}
