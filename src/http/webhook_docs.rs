//! A webhook delivery's `data`: the current document of the resource its event is about, as
//! `GET` would answer it (links under the subscription's base), or `null` once it is gone.

use std::sync::Arc;

use serde_json::Value;

use super::orders::Target;
use crate::store::Store;
use crate::webhooks::Render;

/// The renderer the delivery loop calls.
pub fn renderer() -> Render {
    Arc::new(|store, base, resource| {
        Box::pin(async move {
            match current(&store, &base, &resource).await {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(error = %e, resource, "cannot render a webhook's document");
                    None
                }
            }
        })
    })
}

fn json(value: impl serde::Serialize) -> anyhow::Result<Option<Value>> {
    Ok(Some(serde_json::to_value(value)?))
}

async fn current(store: &Store, base: &str, resource: &str) -> anyhow::Result<Option<Value>> {
    let parts: Vec<&str> = resource.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["orders", id] => match store.order_with_lines(id).await? {
            Some((order, lines)) => json(super::orders::document(
                &order,
                &lines,
                base,
                &Target::Id((*id).to_owned()),
            )),
            None => Ok(None),
        },
        ["accounts", number] => match store.account(number).await? {
            Some(a) => json(super::accounts::document(base, a)),
            None => Ok(None),
        },
        ["accounts", number, "exchange", domain, kind, name] => {
            let Some(exchange) = store.exchange(number, domain).await? else {
                return Ok(None);
            };
            match *kind {
                "mailboxes" => match store.mailbox(exchange.id, name).await? {
                    Some(m) => {
                        let url = super::access::mailbox_url(base, &exchange, &m.username);
                        json(super::mailboxes::mailbox_body(m, url))
                    }
                    None => Ok(None),
                },
                "emailAliases" => match store.alias(exchange.id, name).await? {
                    Some(a) => json(super::aliases::document(base, &exchange, a)),
                    None => Ok(None),
                },
                "globalContacts" => match store.contact(exchange.id, name).await? {
                    Some(c) => json(super::contacts::document(base, &exchange, c)),
                    None => Ok(None),
                },
                "mailingLists" => match store.mailing_list(exchange.id, name).await? {
                    Some(l) => json(super::lists::document(base, &exchange, l)),
                    None => Ok(None),
                },
                _ => Ok(None),
            }
        }
        _ => Ok(None),
    }
}
