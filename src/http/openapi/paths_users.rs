//! The documented operations of an account's contacts (docs §6.5) and API users (docs §6.6).
#![allow(dead_code)]

use crate::domain::{AccountContactsRequest, AccountUserChange, AccountUserRequest};
use crate::error::ErrorBody;
use crate::http::types::*;

#[utoipa::path(get, path = "/accounts/{account}/users", tag = "Accounts",
    summary = "The account's API users",
    description = "Agents of the franchise and the account's own users. Each logs in as `<userName>@<franchise>`.",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = ListBody<AccountUser>), (status = 303, description = "Paging redirect", headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn user_list() {}

#[utoipa::path(post, path = "/accounts/{account}/users", tag = "Accounts",
    summary = "Add an API user to the account",
    description = "`201` with the user's `Location`, no body. `409` if the login is taken in the franchise (by any user). The password is hashed (argon2id) and never shown.",
    params(("account" = String, Path, example = "acct999999")),
    request_body(content = AccountUserRequest, content_type = "application/json"),
    responses((status = 201, description = "Created, no body", headers(("Location" = String, description = "The user"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("basic" = [])))]
pub fn user_create() {}

#[utoipa::path(get, path = "/accounts/{account}/user/{user}", tag = "Accounts",
    summary = "An API user of the account",
    params(("account" = String, Path, example = "acct999999"), ("user" = String, Path, example = "mytestuser1")),
    responses((status = 200, body = AccountUser), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn user_read() {}

#[utoipa::path(put, path = "/accounts/{account}/user/{user}", tag = "Accounts",
    summary = "Give the user a new password",
    description = "Effective at once on every instance: logins with the old password are refused from the `204` on.",
    params(("account" = String, Path, example = "acct999999"), ("user" = String, Path, example = "mytestuser1")),
    request_body(content = AccountUserChange, content_type = "application/json"),
    responses((status = 204, description = "Changed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn user_update() {}

#[utoipa::path(get, path = "/accounts/{account}/contacts", tag = "Accounts",
    summary = "The account's contacts: regular, billing, administrator, technical",
    description = "Each with every field of the docs' record; `\"\"` where not given.",
    params(("account" = String, Path, example = "acct999999")),
    responses((status = 200, body = AccountContacts), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn contacts_read() {}

#[utoipa::path(put, path = "/accounts/{account}/contacts", tag = "Accounts",
    summary = "Set the account's contacts",
    description = "Each kind sent replaces that contact (fields left out are empty), `null` clears it, a kind left out keeps its contact. `countryCode` is two letters (stored upper case), `email1`/`email2` addresses, phones digits and `+ - ( ) . x /`; `emailVerified` only 0; unknown kinds and fields are refused by name. `204`.",
    params(("account" = String, Path, example = "acct999999")),
    request_body(content = AccountContactsRequest, content_type = "application/json"),
    responses((status = 204, description = "Set"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = [])))]
pub fn contacts_update() {}
