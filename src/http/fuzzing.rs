//! Entry points for the fuzz targets (`fuzz/`, `fuzz/run`): each parser of what a client sends,
//! fed raw bytes. Whatever they are given, they must answer (a value, or an error that is a
//! `4xx`) and never panic; a panic is what the fuzzer reports.

use axum::http::{HeaderMap, HeaderValue, header};

use super::extract::{json_object, owner_cookie};
use super::list::ListRequest;
use crate::domain::{
    BillingStatus, CurrentMailbox, DomainName, EmailAddress, MailboxChange, MailboxCreateRequest,
    MailboxSettings, MailboxUpdateRequest, NewMailbox,
};
use crate::error::ApiError;

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    headers
}

/// An error a client caused: anything else from a parser is a bug.
fn client_error(err: &ApiError) {
    assert!(
        err.status().is_client_error(),
        "a parser answered {}: {err:?}",
        err.status()
    );
}

fn domain() -> DomainName {
    DomainName::parse("myexchangedomain.com").expect("a valid domain")
}

/// `POST …/mailboxes`: the body as the extractor reads it, then the order's parser.
pub fn mailbox_create(data: &[u8]) {
    match json_object::<MailboxCreateRequest>(&json_headers(), data) {
        Ok(body) => {
            if let Ok(mailbox) = NewMailbox::parse(body, &domain()) {
                // What parsed is a well-formed address of the domain.
                let address = format!("{}@myexchangedomain.com", mailbox.username);
                assert!(EmailAddress::parse(&address).is_ok(), "{address}");
            }
        }
        Err(e) => client_error(&e),
    }
}

/// `PUT …/mailboxes/{username}`, with and without `passwordReset=1`.
pub fn mailbox_update(data: &[u8]) {
    let body = match json_object::<MailboxUpdateRequest>(&json_headers(), data) {
        Ok(body) => body,
        Err(e) => return client_error(&e),
    };
    let domain = domain();
    let address = EmailAddress::from_parts("a.a", &domain).expect("a valid address");
    for reset in [false, true] {
        let current = CurrentMailbox {
            username: "a.a",
            billing_status: BillingStatus::Open,
            read_only: [("quota", 2048), ("archiving", 0), ("blackberry", 0)],
            address: &address,
            settings: MailboxSettings::default(),
        };
        let _ = MailboxChange::parse(body.clone(), &domain, current, reset);
    }
}

/// `POST /orders/{id}/action`.
pub fn order_action(data: &[u8]) {
    match json_object(&json_headers(), data) {
        Ok(body) => {
            if let Err(e) = super::order_actions::parse_action(body) {
                client_error(&e);
            }
        }
        Err(e) => client_error(&e),
    }
}

/// `Authorization` (Basic) and `Cookie` (`OwnerId`) headers, and the `Host` header's check.
pub fn headers(data: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, value.clone());
    headers.insert(header::COOKIE, value.clone());
    if let Some(Err(e)) = crate::auth::basic_credentials(&headers) {
        client_error(&e);
    }
    let _ = owner_cookie(&headers);
    if let Ok(host) = value.to_str() {
        let policy = super::hosts::HostPolicy::new(&["api.example.com".to_owned()], false);
        match policy.check(host) {
            Ok(allowed) => assert_eq!(allowed, host),
            Err(e) => client_error(&e),
        }
    }
}

/// A list's query string, against every list's rules: parsed, planned for a few totals, and
/// its links built.
pub fn list_query(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    for spec in [
        &super::mailbox_list::SPEC,
        &super::order_list::SPEC,
        &super::accounts::SPEC,
        &super::audit::SPEC,
    ] {
        match ListRequest::parse(Some(&query), spec, &["includeAddOns"]) {
            Ok(request) => {
                for total in [0, 1, 99, 100, 101, 1_000_000] {
                    let _ = request.plan(total, "http://h/l");
                    let links = request.links(total, "http://h/l");
                    assert_eq!(links.first().map(|l| l.rel), Some("self"));
                }
            }
            Err(e) => client_error(&e),
        }
    }
}

/// A JSON body's nesting check, which runs before the body is parsed.
pub fn json_depth(data: &[u8]) {
    if super::guard::check_json_depth(data).is_ok() {
        // Whatever passed the check is parsed without a stack overflow.
        let _ = serde_json::from_slice::<serde_json::Value>(data);
    }
}
